"""claims/ filters, ordering and the streamed CSV export."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casualties.api import renderers
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    ReportFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def client(analyst):
    client = APIClient()
    client.force_authenticate(analyst)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 1, day, hour, tzinfo=datetime.UTC)


def test_it_filters_by_incident(client):
    claim = ClaimFactory()
    ClaimFactory(incident=IncidentFactory(parent=claim.incident))

    assert ids(client.get(CLAIMS, {"incident": claim.incident_id})) == {claim.pk}


def test_it_filters_by_incident_tree(client):
    root = IncidentFactory()
    on_root = ClaimFactory(incident=root)
    on_child = ClaimFactory(incident=IncidentFactory(parent=root))
    on_grandchild = ClaimFactory(incident=IncidentFactory(parent=on_child.incident))
    ClaimFactory()

    response = client.get(CLAIMS, {"incident_tree": root.pk})

    assert ids(response) == {on_root.pk, on_child.pk, on_grandchild.pk}


@pytest.mark.parametrize("name", ["incident", "incident_tree"])
def test_an_incident_a_researcher_may_not_read_is_a_bad_filter(researcher, name):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    ClaimFactory(incident=draft)
    client = APIClient()
    client.force_authenticate(researcher)

    response = client.get(CLAIMS, {name: draft.pk})

    assert response.status_code == 400
    assert name in response.data


@pytest.mark.parametrize(
    ("name", "value", "other"),
    [
        ("group", "police", {"group_id": "civilians"}),
        ("outcome", "injured", {"outcome_id": "killed"}),
        ("side", "perpetrator", {"side_id": "official"}),
        ("assessment", "credible", {"assessment": "unassessed"}),
    ],
)
def test_it_filters_by_a_slug(client, name, value, other):
    field = name if name == "assessment" else f"{name}_id"
    wanted = ClaimFactory(**{field: value})
    ClaimFactory(**other)

    assert ids(client.get(CLAIMS, {name: value})) == {wanted.pk}


def test_a_slug_filter_takes_several_values(client):
    police = ClaimFactory(group_id="police")
    military = ClaimFactory(group_id="military")
    ClaimFactory(group_id="civilians")

    response = client.get(f"{CLAIMS}?group=police&group=military")

    assert ids(response) == {police.pk, military.pk}


def test_it_filters_by_claimant(client):
    actor = ActorFactory()
    claim = ClaimFactory(claimant=actor)
    ClaimFactory(claimant=ActorFactory())

    assert ids(client.get(CLAIMS, {"claimant": actor.pk})) == {claim.pk}


def test_it_filters_by_report(client):
    report = ReportFactory()
    claim = ClaimFactory(reports=[report, ReportFactory()])
    ClaimFactory(reports=[ReportFactory()])

    assert ids(client.get(CLAIMS, {"report": report.pk})) == {claim.pk}


def test_it_filters_by_assertion_day_both_ends_inclusive(client):
    before = ClaimFactory(asserted_at=at(1, 23))
    first = ClaimFactory(asserted_at=at(2, 0))
    last = ClaimFactory(asserted_at=at(3, 23))
    ClaimFactory(asserted_at=at(4, 0))

    response = client.get(
        CLAIMS, {"asserted_after": "2026-01-02", "asserted_before": "2026-01-03"}
    )

    assert ids(response) == {first.pk, last.pk}
    assert before.pk in ids(client.get(CLAIMS, {"asserted_before": "2026-01-01"}))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("incident", "one"),
        ("incident", "999999"),
        ("incident_tree", "999999"),
        ("group", "aliens"),
        ("outcome", "vanished"),
        ("side", "nobody"),
        ("assessment", "maybe"),
        ("claimant", "999999"),
        ("report", "abc"),
        ("asserted_after", "31/01/2026"),
        ("asserted_before", "2026-02-30"),
        ("include_retracted", "perhaps"),
        ("ordering", "password"),
        ("ordering", "low,nonsense"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(client, name, value):
    ClaimFactory()

    response = client.get(CLAIMS, {name: value})

    assert response.status_code == 400
    assert name in response.data, response.data


def test_it_orders_by_a_chosen_field_with_ties_broken_by_id(client):
    incident = IncidentFactory()
    small = ClaimFactory(incident=incident, low=1, high=1, point=1)
    tie_a = ClaimFactory(incident=incident, low=5, high=5, point=5)
    tie_b = ClaimFactory(incident=incident, low=5, high=5, point=5)

    response = client.get(CLAIMS, {"ordering": "-low"})

    # Ties follow the last key's direction: "-low" is "low" reversed exactly.
    assert [row["id"] for row in response.data["results"]] == [
        tie_b.pk,
        tie_a.pk,
        small.pk,
    ]
    ascending = client.get(CLAIMS, {"ordering": "low"}).data["results"]
    assert [row["id"] for row in ascending] == [small.pk, tie_a.pk, tie_b.pk]


# CSV


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_has_a_row_per_claim_with_its_source_names(client):
    dawn, geo = SourceFactory(name="Dawn"), SourceFactory(name="Geo, Urdu")
    claim = ClaimFactory(
        claimant=ActorFactory(name="ISPR"),
        low=12,
        high=None,
        point=None,
        wording='more than 12, "officials" said',
        asserted_at=at(31),
        reports=[
            ReportFactory(source=geo),
            ReportFactory(source=dawn),
            ReportFactory(source=dawn),
        ],
    )
    bare = ClaimFactory(incident=claim.incident)

    rows = read_csv(client.get(CLAIMS, {"format": "csv"}))

    assert [int(row["id"]) for row in rows] == [claim.pk, bare.pk]
    first = rows[0]
    assert first["claimant"] == "ISPR"
    assert (first["low"], first["high"], first["point"]) == ("12", "", "")
    assert first["wording"] == 'more than 12, "officials" said'
    assert first["asserted_at"] == "2026-01-31T12:00:00+00:00"
    assert first["sources"] == "Dawn; Geo, Urdu"
    assert rows[1]["sources"] == ""


def test_the_csv_defuses_spreadsheet_formulas_in_every_text(client):
    ClaimFactory(
        claimant=ActorFactory(name="@SUM(A1:A9)"),
        wording="-2+3+cmd|' /C calc'!A0",
        period_label='=HYPERLINK("http://x")',
        reports=[ReportFactory(source=SourceFactory(name="+1 News"))],
    )

    row = read_csv(client.get(CLAIMS, {"format": "csv"}))[0]

    assert row["claimant"] == "'@SUM(A1:A9)"
    assert row["wording"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["period_label"] == '\'=HYPERLINK("http://x")'
    assert row["sources"] == "'+1 News"
    assert row["low"].isdigit()  # numbers are numbers, not defused text


def test_the_csv_honours_filters_and_permissions(researcher):
    shown = ClaimFactory(group_id="police")
    ClaimFactory(group_id="civilians")
    ClaimFactory(
        group_id="police", incident=IncidentFactory(status=Incident.Status.DRAFT)
    )
    client = APIClient()
    client.force_authenticate(researcher)

    rows = read_csv(client.get(CLAIMS, {"format": "csv", "group": "police"}))

    assert [int(row["id"]) for row in rows] == [shown.pk]


def test_a_bad_filter_on_the_csv_is_a_json_400(client):
    response = client.get(CLAIMS, {"format": "csv", "group": "aliens"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "group" in response.json()


def test_the_csv_needs_a_login():
    assert APIClient().get(CLAIMS, {"format": "csv"}).status_code in {401, 403}


def test_the_csv_is_only_for_the_list(client):
    claim = ClaimFactory()

    assert client.get(f"{CLAIMS}{claim.pk}/", {"format": "csv"}).status_code == 404


def test_the_csv_runs_one_query_per_chunk_whatever_the_rows(client, monkeypatch):
    monkeypatch.setattr(renderers, "CHUNK", 5)
    incident = IncidentFactory()
    report = ReportFactory()
    for _ in range(12):
        ClaimFactory(incident=incident, reports=[report])

    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(client.get(CLAIMS, {"format": "csv"}))

    assert len(rows) == 12
    source_queries = [q for q in queries if "sources_source" in q["sql"]]
    assert len(source_queries) == 3  # chunks of 5, 5 and 2


def test_the_csv_of_no_claims_is_its_header(client):
    response = client.get(CLAIMS, {"format": "csv"})

    body = b"".join(response.streaming_content).decode()
    assert body == ",".join(renderers.HEADER) + "\r\n"
