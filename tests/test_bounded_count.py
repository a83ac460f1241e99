"""Page numbers without a COUNT of the whole list (config.api.Pagination):
rows are counted a little past the page asked for, and the answer says
whether its `count` is the list's or a lower bound."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.api import Pagination
from tests.factories import IncidentFactory

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
    with CaptureQueriesContext(connection) as queries:
        _page(api(researcher))

    counts = [q["sql"] for q in queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1
    assert "LIMIT 6" in counts[0]


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


def test_the_count_reads_no_column_but_the_key(api, researcher, eleven):
    with CaptureQueriesContext(connection) as queries:
        _page(api(researcher), page=4)

    (count,) = [q["sql"] for q in queries if "COUNT(*)" in q["sql"]]
    assert '"title"' not in count
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
