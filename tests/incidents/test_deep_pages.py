"""A deep page of the incident list by number starts from the incidents
counted per month (IncidentViewSet.skip_rows, casualties.summary) instead of
reading every row above it; what it answers must be what the plain OFFSET
answers, for every reader and every page, before and after a write."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.api.views import IncidentViewSet
from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
NEVER = 10**12
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the sums per month are PostgreSQL's"
)

Status = Incident.Status


@pytest.fixture
def months(db):
    """Incidents over five months, three of them on one day (ties broken by
    id), with drafts, a retracted incident, and the parts of a retracted and
    of a draft umbrella, which readers see by their umbrella's standing."""
    for month, days in ((1, 3), (2, 1), (4, 4), (5, 2), (7, 3)):
        for day in range(days):
            IncidentFactory(start_date=datetime.date(2025, month, 1 + day))
    IncidentFactory(start_date=datetime.date(2025, 4, 2))
    IncidentFactory(start_date=datetime.date(2025, 4, 2))
    IncidentFactory(start_date=datetime.date(2025, 2, 9), status=Status.DRAFT)
    IncidentFactory(start_date=datetime.date(2025, 5, 9), status=Status.DRAFT)
    retracted = IncidentFactory(start_date=datetime.date(2025, 4, 20))
    IncidentFactory(parent=retracted, start_date=datetime.date(2025, 4, 21))
    IncidentFactory(parent=retracted, start_date=datetime.date(2025, 7, 21))
    services.retract_incident(incident=retracted, user=None, reason="Counted twice.")
    draft = IncidentFactory(start_date=datetime.date(2025, 1, 20), status=Status.DRAFT)
    IncidentFactory(parent=draft, start_date=datetime.date(2025, 5, 21))


def _pages(client, monkeypatch, skip_from: int) -> list[tuple[int, bytes]]:
    monkeypatch.setattr(IncidentViewSet, "skip_from", skip_from)
    answers = []
    for page in range(1, 14):
        response = client.get(URL, {"page_size": 2, "page": page})
        answers.append((response.status_code, response.content))
    assert answers[-1][0] == 404  # every page was asked for, and one past them
    return answers


@postgresql
@pytest.mark.parametrize("role", ["researcher", "analyst", "editor"])
def test_every_page_is_the_page_the_offset_gives(
    api, months, role, request, monkeypatch
):
    client = api(request.getfixturevalue(role))

    assert _pages(client, monkeypatch, 0) == _pages(client, monkeypatch, NEVER)

    IncidentFactory(start_date=datetime.date(2025, 7, 30))  # the newest month
    IncidentFactory(start_date=datetime.date(2025, 3, 3))  # a month of its own
    assert _pages(client, monkeypatch, 0) == _pages(client, monkeypatch, NEVER)


@postgresql
@pytest.mark.parametrize("role", ["researcher", "analyst", "editor"])
def test_a_deep_page_starts_after_the_months_before_it(
    api, months, role, request, monkeypatch
):
    """Page 4 of 2 starts at row 6 (from 0). Researchers see three rows in
    July and two in May, so the page is read from May's first day down with
    an OFFSET of 1; analysts and editors also see May's draft and a draft's
    part, so May holds the row and only July is skipped."""
    monkeypatch.setattr(IncidentViewSet, "skip_from", 0)
    client = api(request.getfixturevalue(role))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": 2, "page": 4})

    assert response.status_code == 200
    assert any("casualties_incidentsum" in q["sql"] for q in queries)
    (keys,) = [q["sql"] for q in queries if "count(*) OVER ()" in q["sql"]]
    day, offset = {"researcher": ("05", 1)}.get(role, ("07", 3))
    assert f"< '2025-{day}-01'::date" in keys
    assert f"OFFSET {offset})" in keys


@postgresql
def test_a_filtered_list_reads_through(api, researcher, months, monkeypatch):
    """A filter's rows are not the months' rows."""
    monkeypatch.setattr(IncidentViewSet, "skip_from", 0)
    client = api(researcher)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            URL, {"page_size": 2, "page": 4, "started_after": "2025-01-01"}
        )

    assert response.status_code == 200
    assert not any("casualties_incidentsum" in q["sql"] for q in queries)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_reads_through(api, researcher, months, monkeypatch):
    """No sums are kept on SQLite; there the OFFSET is the only way."""
    monkeypatch.setattr(IncidentViewSet, "skip_from", 0)
    response = api(researcher).get(URL, {"page_size": 2, "page": 4})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
