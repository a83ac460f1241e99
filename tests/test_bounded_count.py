"""Page numbers without a COUNT of the whole list (config.api.Pagination):
rows are counted a little past the page asked for, and the answer says
whether its `count` is the list's or a lower bound."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.api import Pagination
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def eleven(monkeypatch):
    monkeypatch.setattr(Pagination, "COUNT_AHEAD", 3)
    return [
        IncidentFactory(start_date=datetime.date(2025, 6, day)).pk
        for day in range(1, 12)
    ]


def _page(client, **params):
    response = client.get(URL, {"page_size": 2, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_first_page_counts_a_few_pages_ahead_and_says_so(api, researcher, eleven):
    body = _page(api(researcher))

    assert body["count"] == 6  # two rows, three ahead, and one to know of more
    assert body["count_exact"] is False
    assert body["next"] is not None
    assert [row["id"] for row in body["results"]] == eleven[::-1][:2]


def test_a_page_near_the_end_counts_them_all(api, researcher, eleven):
    body = _page(api(researcher), page=5)

    assert body["count"] == 11
    assert body["count_exact"] is True
    assert body["next"] is not None


def test_the_last_page_counts_every_row(api, researcher, eleven):
    client = api(researcher)
    body = _page(client, page="last")

    assert body["count"] == 11
    assert body["count_exact"] is True
    assert body["next"] is None
    assert [row["id"] for row in body["results"]] == [eleven[0]]
    assert client.get(URL, {"page_size": 2, "page": 7}).status_code == 404


def test_every_page_is_reachable_by_following_next(api, researcher, eleven):
    client = api(researcher)
    body, ids = _page(client), []
    while True:
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        body = client.get(body["next"]).json()

    assert ids == eleven[::-1]
    assert body["count_exact"] is True


def test_the_count_stops_at_its_bound(api, researcher, eleven):
    """The page's keys and the count are one read, from the page's first row
    to the bound: no COUNT reads the skipped rows a second time."""
    with CaptureQueriesContext(connection) as queries:
        _page(api(researcher))

    assert not any("COUNT(*)" in q["sql"] for q in queries)
    (keys,) = [q["sql"] for q in queries if "LIMIT 6" in q["sql"]]
    assert '"title"' not in keys


def test_a_deep_page_reads_its_keys_and_the_count_in_one_query(api, researcher, eleven):
    with CaptureQueriesContext(connection) as queries:
        body = _page(api(researcher), page=3)

    assert (body["count"], body["count_exact"]) == (10, False)  # 6 + 3 + 1
    (keys,) = [q["sql"] for q in queries if "OFFSET 4" in q["sql"]]
    assert "LIMIT 6" in keys


@pytest.mark.parametrize("ordering", [None, "title", "-start_date"])
def test_a_deep_page_costs_the_queries_of_the_first(api, researcher, eleven, ordering):
    """The page's ids come first, then their rows: the last page holds the
    rows of the list in its order, with as many queries as the first."""
    client = api(researcher)
    params = {"ordering": ordering} if ordering else {}
    every = client.get(URL, {"page_size": 100, **params}).json()["results"]
    with CaptureQueriesContext(connection) as first:
        _page(client, page=1, **params)
    with CaptureQueriesContext(connection) as deep:
        last = _page(client, page=6, **params)

    assert last["results"] == every[10:]
    assert len(deep) == len(first)


def test_the_count_reads_no_column_but_the_key(api, researcher, monkeypatch):
    """Lists read as whole rows (claims) keep a COUNT, of keys alone."""
    monkeypatch.setattr(Pagination, "COUNT_AHEAD", 3)
    for _ in range(5):
        ClaimFactory()
    with CaptureQueriesContext(connection) as queries:
        response = api(researcher).get("/api/v1/claims/", {"page_size": 2, "page": 2})
    assert response.status_code == 200

    (count,) = [q["sql"] for q in queries if "COUNT(*)" in q["sql"]]
    assert '"wording"' not in count
    assert "ORDER BY" not in count


def test_the_schema_describes_the_bound(api, researcher):
    schema = api(researcher).get("/api/v1/schema/", {"format": "json"}).json()

    page = schema["components"]["schemas"]["PaginatedIncidentList"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "lower bound" not in page["properties"]["count"]["description"]
    assert "at least" in page["properties"]["count"]["description"]


@pytest.mark.parametrize("url", [URL, "/api/v1/reports/", "/api/v1/claims/"])
def test_a_page_number_past_any_database_limit_is_a_404(api, researcher, url):
    # The fuzz sent page=34152250991212592743055360: the count's LIMIT
    # overflowed SQLite's integer and the answer was a 500.
    IncidentFactory()
    response = api(researcher).get(url, {"page": "34152250991212592743055360"})

    assert response.status_code == 404
    assert "Invalid page" in response.json()["detail"]
