"""claims/: reading, writing, roles, bad input, versions and retraction."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casualties.models import Claim, Tally
from casualties.services import retract_claim
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


def detail(claim) -> str:
    return f"{CLAIMS}{claim.pk}/"


@pytest.fixture
def incident():
    return IncidentFactory()


@pytest.fixture
def payload(incident):
    return {
        "incident": incident.pk,
        "side": "official",
        "group": "civilians",
        "outcome": "killed",
        "wording": "at least 10 civilians were killed",
        "low": 10,
        "high": None,
        "point": None,
    }


def killed_civilians(incident) -> Tally:
    return Tally.objects.get(incident=incident, group="civilians", outcome="killed")


# Reading


def test_it_lists_a_claim_with_its_claimant_reports_and_period(api, researcher):
    actor = ActorFactory(name="Police spokesman")
    source = SourceFactory(name="Dawn", reliability="B")
    report = ReportFactory(source=source, title="Attack", url="https://a.example/1")
    claim = ClaimFactory(
        claimant=actor,
        low=5,
        high=7,
        point=6,
        wording="five to seven",
        period_label="over 48 hours",
        reports=[report],
    )

    response = api(researcher).get(CLAIMS)

    assert response.status_code == 200
    assert response.data["count"] == 1
    row = response.json()["results"][0]
    assert row["claimant"] == {"id": actor.pk, "name": "Police spokesman"}
    assert (row["side"], row["group"], row["outcome"]) == (
        "official",
        "civilians",
        "killed",
    )
    assert row["reports"] == [
        {
            "id": report.pk,
            "title": "Attack",
            "url": "https://a.example/1",
            "source": source.pk,
            "source_name": "Dawn",
            "source_reliability": "B",
            "credibility": 6,
        }
    ]
    assert (row["low"], row["high"], row["point"]) == (5, 7, 6)
    assert row["period"] == {"start": None, "end": None, "label": "over 48 hours"}
    assert row["incident"] == claim.incident_id
    assert row["assessment"] == "unassessed"
    assert row["version"] == 1


def test_it_gives_a_claim_with_its_version_as_etag(api, researcher):
    claim = ClaimFactory()

    response = api(researcher).get(detail(claim))

    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def test_it_answers_404_for_a_missing_claim(api, researcher):
    assert api(researcher).get(f"{CLAIMS}999999/").status_code == 404


def test_researchers_see_only_claims_of_published_incidents(api, researcher):
    published = ClaimFactory()
    draft = ClaimFactory(incident=IncidentFactory(status=Incident.Status.DRAFT))

    client = api(researcher)
    response = client.get(CLAIMS)

    assert [row["id"] for row in response.data["results"]] == [published.pk]
    assert client.get(detail(draft)).status_code == 404


def test_analysts_see_claims_of_draft_incidents(api, analyst):
    draft = ClaimFactory(incident=IncidentFactory(status=Incident.Status.DRAFT))

    response = api(analyst).get(CLAIMS)

    assert [row["id"] for row in response.data["results"]] == [draft.pk]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_refused(api, method):
    claim = ClaimFactory()

    assert getattr(api(), method)(CLAIMS).status_code in {401, 403}
    assert api().get(detail(claim)).status_code in {401, 403}


def test_anonymous_visitors_read_published_claims_when_public_read_is_on(api, settings):
    settings.PUBLIC_READ = True
    claim = ClaimFactory()
    ClaimFactory(incident=IncidentFactory(status=Incident.Status.DRAFT))

    response = api().get(CLAIMS)

    assert [row["id"] for row in response.data["results"]] == [claim.pk]
    assert api().post(CLAIMS, {}, format="json").status_code in {401, 403}


@pytest.mark.parametrize("rows", [10, 200])
def test_the_list_runs_a_fixed_number_of_queries(api, researcher, rows):
    incident = IncidentFactory()
    actor = ActorFactory()
    report = ReportFactory()
    for _ in range(rows):
        ClaimFactory(incident=incident, claimant=actor, reports=[report])
    client = api(researcher)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(CLAIMS, {"page_size": 1000})

    assert len(response.data["results"]) == rows
    # Session, user and the permissions (one lookup), then the count, the claims with
    # their claimants, and the reports with their sources.
    assert len(queries) == 6


# Writing


def test_analysts_create_a_claim_and_the_tally_follows(api, analyst, payload):
    first, second = ReportFactory(), ReportFactory()
    payload["reports"] = [first.pk, second.pk]

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 201, response.data
    claim = Claim.objects.get()
    assert response.data["id"] == claim.pk
    assert response.data["claimant"] is None
    assert {r["id"] for r in response.data["reports"]} == {first.pk, second.pk}
    assert claim.created_by == analyst
    tally = killed_civilians(claim.incident)
    assert (tally.low, tally.high, tally.claims, tally.sources) == (10, None, 1, 2)


def test_a_claim_is_created_with_its_period(api, analyst, payload):
    start = datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC)
    payload["period"] = {
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=48)).isoformat(),
        "label": "over 48 hours",
    }

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 201, response.data
    claim = Claim.objects.get()
    assert (claim.period_start, claim.period_label) == (start, "over 48 hours")
    assert response.data["period"]["label"] == "over 48 hours"


def test_analysts_cannot_set_an_assessment(api, analyst, payload):
    payload.update(assessment="discounted", assessment_note="no")

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 201
    claim = Claim.objects.get()
    assert (claim.assessment, claim.assessment_note) == ("unassessed", "")
    assert response.data["assessment"] == "unassessed"


def test_analysts_cannot_change_an_assessment(api, analyst):
    claim = ClaimFactory()

    response = api(analyst).patch(
        detail(claim), {"assessment": "discounted", "version": 1}, format="json"
    )

    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.assessment == "unassessed"


def test_editors_assess_a_claim_and_the_tally_follows(api, editor):
    claim = ClaimFactory(low=10)
    ClaimFactory(
        incident=claim.incident,
        side_id="perpetrator",
        low=30,
        high=30,
        point=30,
    )

    response = api(editor).patch(
        detail(claim),
        {"assessment": "discounted", "assessment_note": "Retold", "version": 1},
        format="json",
    )

    assert response.status_code == 200, response.data
    claim.refresh_from_db()
    assert (claim.assessment, claim.assessment_note) == ("discounted", "Retold")
    assert response.data["version"] == claim.version == 2
    assert response["ETag"] == '"2"'
    assert killed_civilians(claim.incident).low == 30


def test_researchers_cannot_write(api, researcher, payload):
    claim = ClaimFactory()
    client = api(researcher)

    assert client.post(CLAIMS, payload, format="json").status_code == 403
    assert client.patch(detail(claim), {"low": 1, "version": 1}).status_code == 403
    assert Claim.objects.count() == 1
    claim.refresh_from_db()
    assert claim.low == 10


def test_a_claim_on_an_unreadable_incident_is_refused(api, analyst, payload):
    retracted = IncidentFactory(
        status=Incident.Status.RETRACTED, retraction_reason="Duplicate"
    )
    payload["incident"] = retracted.pk

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 400
    assert response.data == {"incident": ["Unknown incident."]}
    assert not Claim.objects.exists()


def test_setting_reports_recounts_the_sources(api, analyst):
    claim = ClaimFactory()
    reports = [ReportFactory(), ReportFactory(), ReportFactory()]

    response = api(analyst).patch(
        detail(claim), {"reports": [r.pk for r in reports], "version": 1}
    )

    assert response.status_code == 200, response.data
    assert killed_civilians(claim.incident).sources == 3


def test_a_stale_version_gets_409_and_changes_nothing(api, analyst):
    claim = ClaimFactory()
    client = api(analyst)

    first = client.patch(detail(claim), {"low": 8, "version": 1}, format="json")
    second = client.patch(detail(claim), {"low": 9, "version": 1}, format="json")

    assert (first.status_code, second.status_code) == (200, 409)
    assert second.data["version"] == 2
    claim.refresh_from_db()
    assert (claim.low, claim.version) == (8, 2)


def test_an_update_without_a_version_is_refused(api, analyst):
    claim = ClaimFactory()

    response = api(analyst).patch(detail(claim), {"low": 8}, format="json")

    assert response.status_code == 400
    assert "version" in response.data
    claim.refresh_from_db()
    assert claim.low == 10


def test_a_stale_if_match_gets_412(api, analyst):
    claim = ClaimFactory()

    response = api(analyst).patch(
        detail(claim), {"low": 8}, format="json", headers={"If-Match": '"7"'}
    )

    assert response.status_code == 412
    claim.refresh_from_db()
    assert claim.low == 10


def future() -> str:
    return (timezone.now() + datetime.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"low": "ten"}, "low"),
        ({"low": -1}, "low"),
        ({"high": -3}, "high"),
        ({"low": 2**31, "high": None}, "low"),
        ({"low": 1.5}, "low"),
        ({"low": True}, "low"),
        ({"low": 10, "high": 5, "point": None}, "high"),
        ({"low": 10, "high": 20, "point": 25}, "point"),
        ({"low": 10, "high": 20, "point": 5}, "point"),
        ({"asserted_at": "yesterday"}, "asserted_at"),
        ({"asserted_at": future()}, "asserted_at"),
        ({"side": "nobody"}, "side"),
        ({"group": "aliens"}, "group"),
        ({"outcome": "vanished"}, "outcome"),
        ({"claimant": 999999}, "claimant"),
        ({"incident": 999999}, "incident"),
        ({"incident": "one"}, "incident"),
        ({"reports": [999999]}, "reports"),
        ({"supersedes": 999999}, "supersedes"),
        ({"wording": "x" * 501}, "wording"),
        ({"wording": "<script>alert(1)</script>"}, "wording"),
        ({"period": {"label": "<i>two days</i>"}}, "period"),
        ({"period": {"start": future(), "end": "2020-01-01T00:00:00Z"}}, "period"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    api, analyst, payload, change, field
):
    payload.update(change)

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 400
    assert field in response.data, response.data
    assert not Claim.objects.exists()
    assert not Tally.objects.exists()


def test_a_missing_required_field_is_named(api, analyst, payload):
    del payload["low"]

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 400
    assert "low" in response.data


def test_a_bad_update_changes_nothing(api, analyst):
    claim = ClaimFactory(low=10, high=10, point=10)

    response = api(analyst).patch(
        detail(claim), {"high": 3, "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert "high" in response.data
    claim.refresh_from_db()
    assert (claim.high, claim.version) == (10, 1)


def test_a_claim_may_supersede_one_by_its_claimant_only(api, analyst, payload):
    earlier = ClaimFactory(claimant=ActorFactory())
    payload.update(supersedes=earlier.pk, claimant=ActorFactory().pk)

    response = api(analyst).post(CLAIMS, payload, format="json")

    assert response.status_code == 400
    assert "supersedes" in response.data
    assert Claim.objects.count() == 1


# Retraction


def test_editors_retract_a_claim_and_the_tallies_follow(api, editor):
    claim = ClaimFactory()
    assert killed_civilians(claim.incident).best == 10

    response = api(editor).delete(
        detail(claim), {"reason": "Misread the report"}, format="json"
    )

    assert response.status_code == 204
    claim.refresh_from_db()
    assert claim.retracted_at is not None
    assert claim.retraction_reason == "Misread the report"
    assert not Tally.objects.filter(incident=claim.incident).exists()


def test_retraction_needs_a_reason(api, editor):
    claim = ClaimFactory()

    response = api(editor).delete(detail(claim), {"reason": " "}, format="json")

    assert response.status_code == 400
    assert "reason" in response.data
    claim.refresh_from_db()
    assert claim.retracted_at is None
    assert killed_civilians(claim.incident).best == 10


def test_a_claim_is_retracted_only_once(api, editor):
    claim = ClaimFactory()
    retract_claim(claim=claim, user=editor, reason="First")

    response = api(editor).delete(detail(claim), {"reason": "Again"}, format="json")

    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.retraction_reason == "First"


def test_analysts_cannot_retract(api, analyst):
    claim = ClaimFactory()

    response = api(analyst).delete(detail(claim), {"reason": "No"}, format="json")

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.retracted_at is None


def test_retracted_claims_leave_the_list_but_editors_may_ask_for_them(api, editor):
    live = ClaimFactory()
    gone = ClaimFactory(incident=live.incident)
    retract_claim(claim=gone, user=editor, reason="Duplicate")
    client = api(editor)

    default = client.get(CLAIMS)
    everything = client.get(CLAIMS, {"include_retracted": "true"})

    assert [row["id"] for row in default.data["results"]] == [live.pk]
    assert {row["id"] for row in everything.data["results"]} == {live.pk, gone.pk}
    assert client.get(detail(gone)).data["retraction_reason"] == "Duplicate"


def test_include_retracted_is_ignored_for_analysts(api, analyst, editor):
    gone = ClaimFactory()
    retract_claim(claim=gone, user=editor, reason="Duplicate")
    client = api(analyst)

    response = client.get(CLAIMS, {"include_retracted": "true"})

    assert response.data["count"] == 0
    assert client.get(detail(gone)).status_code == 404
