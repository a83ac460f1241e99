"""History through the API: who changed what and when, in words, paged, and
only what the reader may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casualties import services as claim_services
from casualties.models import Tally
from incidents import services
from incidents.models import Incident
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    LocationFactory,
    ReportFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

Status = Incident.Status


def _history(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def _url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/history/"


def test_an_incidents_history_tells_each_change_in_words(api, analyst, editor):
    quetta = LocationFactory(name="Quetta")
    incident = IncidentFactory(title="Attack", created_by=analyst)
    services.update_incident(
        incident=incident, user=analyst, title="Attack on a checkpoint", location=quetta
    )
    claim = ClaimFactory(incident=incident, low=5, high=5, point=5, created_by=analyst)

    body = _history(api(editor), _url(incident))
    entries = body["results"]

    edit = next(
        e for e in entries if e["record"] == "incident" and e["action"] == "changed"
    )
    assert edit["user"] == "analyst"
    changes = {change["field"]: change for change in edit["changes"]}
    assert changes["title"]["old"] == "Attack"
    assert changes["title"]["new"] == "Attack on a checkpoint"
    assert changes["location"]["label"] == "Location"
    assert (changes["location"]["old"], changes["location"]["new"]) == (None, "Quetta")
    created = next(e for e in entries if e["record"] == "claim")
    assert created["object_id"] == claim.pk
    assert created["action"] == "created"
    told = {change["field"]: change["new"] for change in created["changes"]}
    assert told["group"] == "Civilians"
    assert told["side"] == "Official"
    tally = next(e for e in entries if e["record"] == "tally")
    assert tally["action"] == "created"
    assert tally["cause"].startswith("A claim was written")
    assert {c["field"]: c["new"] for c in tally["changes"]}["best"] == "5"
    # Newest first.
    times = [entry["at"] for entry in entries]
    assert times == sorted(times, reverse=True)


def test_reviews_and_reports_are_in_the_incidents_history(api, editor):
    incident = IncidentFactory()
    report = ReportFactory(title="Dawn, 1 February")
    ClaimFactory(incident=incident, low=5, high=10, point=7, reports=[report])
    ClaimFactory(incident=incident, low=20, high=20, point=20, side_id="perpetrator")
    tally = Tally.objects.get(incident=incident, group="civilians", outcome="killed")
    claim_services.review_tally(
        tally_id=tally.pk,
        user=editor,
        best=12,
        low=None,
        high=None,
        rationale="Hospital lists",
        version=tally.version,
    )

    records = {e["record"] for e in _history(api(editor), _url(incident))["results"]}

    assert {"incident", "claim", "report", "review", "tally"} <= records


def test_the_history_is_paged(api, editor):
    incident = IncidentFactory()
    for n in range(5):
        services.update_incident(incident=incident, user=editor, title=f"Title {n}")

    first = _history(api(editor), _url(incident), page_size=2)

    assert first["count"] == 6
    assert len(first["results"]) == 2
    assert first["next"] is not None
    last = _history(api(editor), _url(incident), page_size=2, page=3)
    assert last["next"] is None
    assert last["results"][-1]["action"] == "created"


def test_the_history_runs_a_fixed_number_of_queries(api, editor):
    def queries(changes: int) -> int:
        incident = IncidentFactory(location=LocationFactory())
        for n in range(changes):
            services.update_incident(incident=incident, user=editor, title=f"Title {n}")
            ClaimFactory(incident=incident, low=n, high=n, point=n)
        client = api(editor)
        client.get(_url(incident))  # sessions and permissions warm
        with CaptureQueriesContext(connection) as captured:
            client.get(_url(incident))
        return len(captured)

    assert queries(2) == queries(12)


def test_researchers_see_no_history_of_a_draft(api, researcher):
    draft = IncidentFactory(status=Status.DRAFT)

    assert api(researcher).get(_url(draft)).status_code == 404


def test_researchers_see_no_retracted_claim_in_the_history(api, researcher, editor):
    incident = IncidentFactory()
    kept = ClaimFactory(incident=incident)
    dropped = ClaimFactory(incident=incident, group_id="police")
    claim_services.retract_claim(claim=dropped, user=editor, reason="Misread")

    entries = _history(api(researcher), _url(incident))["results"]
    claims = {e["object_id"] for e in entries if e["record"] == "claim"}

    assert claims == {kept.pk}
    editors = _history(api(editor), _url(incident))["results"]
    assert dropped.pk in {e["object_id"] for e in editors if e["record"] == "claim"}


def test_researchers_see_only_the_published_figures_history(api, researcher):
    root = IncidentFactory()
    draft = IncidentFactory(parent=root, status=Status.DRAFT)
    ClaimFactory(incident=draft, low=500, high=500, point=500)

    entries = _history(api(researcher), _url(root))["results"]

    assert not [e for e in entries if e["record"] == "tally"]


def test_claims_reports_and_sources_have_their_own_history(api, editor):
    source = SourceFactory(name="Dawn")
    report = ReportFactory(source=source)
    claim = ClaimFactory(reports=[report])
    claim_services.update_claim(claim=claim, user=editor, wording="at least 5")
    client = api(editor)

    claim_entries = _history(client, f"/api/v1/claims/{claim.pk}/history/")
    report_entries = _history(client, f"/api/v1/reports/{report.pk}/history/")
    source_entries = _history(client, f"/api/v1/sources/{source.pk}/history/")

    assert [e["action"] for e in claim_entries["results"]] == ["changed", "created"]
    change = claim_entries["results"][0]["changes"]
    assert [(c["field"], c["new"]) for c in change] == [("wording", "at least 5")]
    assert report_entries["results"][0]["record"] == "report"
    assert source_entries["results"][0]["label"] == "Source: Dawn"


def test_anonymous_visitors_get_no_history(api):
    incident = IncidentFactory()

    assert api().get(_url(incident)).status_code == 401


def test_targets_actor_roles_and_report_links_are_in_the_history(api, analyst, editor):
    from tests.factories import ActorFactory

    incident = IncidentFactory()
    group = ActorFactory(name="Armed group")
    client = api(analyst)
    response = client.patch(
        f"/api/v1/incidents/{incident.pk}/",
        {
            "targets": [{"category": "police", "description": "Checkpoint"}],
            "actors": [{"actor": group.pk, "role": "perpetrator"}],
            "responsibility_claims": [{"actor": group.pk, "how": "A video"}],
            "version": incident.version,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    report = ReportFactory(title="Dawn, 1 February")
    claim = ClaimFactory(incident=incident)
    claim_services.update_claim(claim=claim, user=analyst, reports=[report])

    entries = _history(api(editor), _url(incident))["results"]
    by_record = {}
    for entry in entries:
        by_record.setdefault(entry["record"], []).append(entry)

    target = by_record["target"][0]
    assert target["user"] == "analyst"
    assert {c["field"]: c["new"] for c in target["changes"]}["category"] == "Police"
    role = by_record["actor_role"][0]
    assert {c["field"]: c["new"] for c in role["changes"]}["actor"] == "Armed group"
    claimed = by_record["responsibility"][0]
    assert claimed["label"] == "Claim of responsibility"
    assert {c["field"]: c["new"] for c in claimed["changes"]}["how"] == "A video"
    link = by_record["claim_link"][0]
    assert {c["field"]: c["new"] for c in link["changes"]}["report"] == (
        "Dawn, 1 February"
    )


def test_resending_the_same_targets_records_nothing(api, analyst):
    incident = IncidentFactory()
    client = api(analyst)
    body = {"targets": [{"category": "police", "description": "Checkpoint"}]}
    client.patch(
        f"/api/v1/incidents/{incident.pk}/", {**body, "version": incident.version}
    )
    incident.refresh_from_db()

    client.patch(
        f"/api/v1/incidents/{incident.pk}/", {**body, "version": incident.version}
    )

    entries = _history(client, _url(incident))["results"]
    assert len([e for e in entries if e["record"] == "target"]) == 1


def test_places_and_actors_have_their_history(api, analyst):
    from tests.factories import ActorFactory

    client = api(analyst)
    actor = ActorFactory(name="Armed group")
    renamed = client.patch(
        f"/api/v1/actors/{actor.pk}/", {"name": "Armed group (BLA)", "version": 1}
    )
    assert renamed.status_code == 200, renamed.content
    place = LocationFactory(name="Quetta")

    actor_entries = _history(client, f"/api/v1/actors/{actor.pk}/history/")
    place_entries = _history(client, f"/api/v1/locations/{place.pk}/history/")

    change = actor_entries["results"][0]
    assert change["user"] == "analyst"
    assert [(c["field"], c["old"], c["new"]) for c in change["changes"]] == [
        ("name", "Armed group", "Armed group (BLA)")
    ]
    assert place_entries["results"][0]["label"] == "Place: Quetta"
