"""Reading the incident list by cursor (config.api.Pagination): the same rows
in the same order as by page number, each page found from where the last
ended, with no COUNT."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def incidents():
    """Eleven incidents, several on one day (ids then break the tie), a draft
    among them and a part of another."""
    days = [1, 1, 1, 2, 3, 3, 5, 8, 8, 8]
    made = [IncidentFactory(start_date=datetime.date(2025, 6, day)) for day in days]
    IncidentFactory(parent=made[0], start_date=datetime.date(2025, 6, 4))
    IncidentFactory(status=Incident.Status.DRAFT, start_date=datetime.date(2025, 6, 8))
    return made


def _read_all(client, **params) -> tuple[list[int], int]:
    ids, pages = [], 0
    response = client.get(URL, {"cursor": "start", **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "results"}  # no count, no previous
        ids += [row["id"] for row in body["results"]]
        pages += 1
        if body["next"] is None:
            return ids, pages
        response = client.get(body["next"])


def test_the_cursor_reads_the_rows_the_pages_list(api, researcher, incidents):
    client = api(researcher)
    page = client.get(URL, {"page_size": 100}).json()
    listed = [row["id"] for row in page["results"]]

    ids, pages = _read_all(client, page_size=3)

    assert ids == listed
    assert len(ids) == 11  # the researcher does not see the draft
    assert pages == 4


def test_the_cursor_keeps_the_filters(api, editor, incidents):
    client = api(editor)
    listed = client.get(URL, {"top_level": "true", "page_size": 100}).json()

    ids, _ = _read_all(client, top_level="true", page_size=4)

    assert ids == [row["id"] for row in listed["results"]]
    assert len(ids) == 11  # ten and the draft; the part is below its whole


def test_a_later_page_costs_the_queries_the_first_does(api, researcher, incidents):
    client = api(researcher)
    first = client.get(URL, {"cursor": "start", "page_size": 3})
    with CaptureQueriesContext(connection) as at_first:
        client.get(URL, {"cursor": "start", "page_size": 3})
    with CaptureQueriesContext(connection) as later:
        client.get(first.json()["next"])

    assert len(later) == len(at_first)
    # No OFFSET and no count ahead (the page's child counts are GROUP BY
    # its ids), as a page by number has.
    assert not any(
        "COUNT(*)" in query["sql"] or "OFFSET" in query["sql"] for query in later
    )
    assert any("OFFSET" in query["sql"] for query in _paged(client))


def _paged(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"page": "2", "page_size": 3})
    return queries


@pytest.mark.parametrize(
    "params, status",
    [
        ({"cursor": "start", "page": "2"}, 400),
        ({"cursor": "start", "ordering": "title"}, 400),
        ({"cursor": "2025-13-01_4"}, 404),
        ({"cursor": "yesterday"}, 404),
        ({"cursor": ""}, 404),
        ({"cursor": ["start", "start"]}, 404),
    ],
)
def test_a_cursor_that_cannot_be_followed_is_refused(api, researcher, params, status):
    response = api(researcher).get(URL, params)

    assert response.status_code == status
    assert response.json()


def test_lists_without_a_keyset_refuse_a_cursor(api, researcher):
    response = api(researcher).get("/api/v1/claims/", {"cursor": "start"})

    assert response.status_code == 400
    assert "page" in response.json()["cursor"][0]


def test_an_export_refuses_a_malformed_cursor(api, researcher):
    response = api(researcher).get(URL, {"format": "csv", "cursor": "x"})

    assert response.status_code == 404


def test_the_schema_describes_the_cursor(api, researcher):
    schema = api(researcher).get("/api/v1/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert "start" in cursor["description"]
    claims = schema["paths"]["/api/v1/claims/"]["get"]["parameters"]
    assert "cursor" not in {p["name"] for p in claims}
