"""The incident list's rows (incidents.api.listing) are what
IncidentSerializer gives for each incident, for every role: the list is built
from plain rows for speed, and must not drift from the detail."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casualties.reference_case import load_reference_case
from incidents.access import child_counts, visible_incidents
from incidents.api import listing
from incidents.api.serializers import Gazetteer
from incidents.base import service_write
from incidents.models import (
    Incident,
    IncidentActor,
    Location,
    ResponsibilityClaim,
    Target,
)
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, LocationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


@pytest.fixture
def varied(db):
    """The reference case, and incidents with what it lacks: several targets
    and roles, an end date, no place, a draft, a retracted part, a
    disputed tally, a title with quotes and an ampersand."""
    root = load_reference_case()
    quetta = LocationFactory(
        name="Quetta",
        parent=Location.objects.get(code="PK-BA"),
        latitude=30.18,
        longitude=66.99,
    )
    group, other = ActorFactory(name="Group A"), ActorFactory(name="Group B")
    full = IncidentFactory(
        title='Raid & ambush "reported" 5 < 6',
        summary="Two groups claimed it.",
        location=quetta,
        location_precision=Incident.LocationPrecision.NEAR,
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 3, 2),
        date_precision=Incident.DatePrecision.DAY,
    )
    ResponsibilityClaim.objects.create(incident=full, actor=group, how="A statement.")
    ResponsibilityClaim.objects.create(incident=full, actor=other)
    Target.objects.create(incident=full, category_id="police", description="post")
    Target.objects.create(incident=full, category_id="civilians")
    IncidentActor.objects.create(incident=full, actor=other, role="target")
    IncidentActor.objects.create(incident=full, actor=group, role="perpetrator")
    ClaimFactory(incident=full, group_id="all", low=3, high=None, point=4)
    ClaimFactory(
        incident=full,
        group_id="all",
        side_id="perpetrator",
        low=20,
        high=30,
        point=25,
    )
    IncidentFactory(parent=full, status=Incident.Status.DRAFT)
    IncidentFactory(parent=full, status=Incident.Status.RETRACTED)
    IncidentFactory(location=None, start_date=datetime.date(2020, 5, 5))
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    ClaimFactory(incident=draft, group_id="all", outcome_id="injured", low=2)
    # A time on the second, which DRF writes without microseconds.
    with service_write():
        Incident.objects.filter(pk=draft.pk).update(
            created_at=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        )
    return root


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("researcher", {}),
        ("analyst", {}),
        ("editor", {}),
        ("editor", {"include_retracted": "true"}),  # only editors list retracted
    ],
)
def test_each_listed_incident_is_its_detail(api, varied, role, extra, request):
    user = request.getfixturevalue(role)
    client = api(user)

    response = client.get(URL, {"page_size": 1000, **extra})

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert len(rows) >= 11  # the reference case and the incidents above
    for row in rows:
        assert row == client.get(f"{URL}{row['id']}/").json()


def test_a_cursor_page_is_the_same_rows(api, varied, analyst):
    client = api(analyst)

    by_page = client.get(URL, {"page_size": 1000}).json()["results"]
    by_cursor = client.get(URL, {"page_size": 1000, "cursor": "start"}).json()

    assert by_cursor["results"] == by_page


postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL builds the JSON"
)


@postgresql
@pytest.mark.parametrize("role", ["researcher", "analyst", "editor"])
def test_postgresql_builds_the_rows_python_would(varied, role, request):
    user = request.getfixturevalue(role)
    incidents = visible_incidents(user).order_by("-start_date", "-id")
    ids = list(incidents.values_list("id", flat=True))
    rows = {row["id"]: row for row in incidents.values(*listing.COLUMNS)}
    children = child_counts(ids, user)

    built = json.loads(listing.page_json(ids, user))

    assert built == listing.represent(
        [rows[pk] for pk in ids], user, Gazetteer(), children
    )
    assert [row["id"] for row in built] == ids
    assert json.loads(listing.page_json([], user)) == []


@postgresql
def test_each_kind_of_reader_gets_its_own_statement(varied, researcher, analyst):
    """The statement is compiled once per kind of reader: a researcher's page
    never shows an analyst's drafts, whichever was built first."""
    every = list(visible_incidents(analyst).values_list("id", flat=True))
    published = set(visible_incidents(researcher).values_list("id", flat=True))
    assert published < set(every)  # the fixture has drafts

    for user, seen in [(analyst, set(every)), (researcher, published)] * 2:
        built = json.loads(listing.page_json(every, user))
        assert {row["id"] for row in built} == seen


@postgresql
def test_postgresql_builds_the_page_in_one_query_after_its_keys(api, varied, analyst):
    client = api(analyst)
    with CaptureQueriesContext(connection) as queries:
        built = client.get(URL, {"page_size": 1000})
    with CaptureQueriesContext(connection) as browsable:
        client.get(URL, {"page_size": 1000, "format": "api"})

    listed = [q["sql"] for q in queries.captured_queries]
    assert sum("json_agg" in sql for sql in listed) == 1
    # The browsable page reads the rows and each kind of nested item apart.
    assert len(browsable.captured_queries) >= len(listed) + 5
    assert built["Content-Type"] == "application/json"
    assert len(built.json()["results"]) >= 11
