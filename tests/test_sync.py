"""Researchers stay in sync: `updated_since` on incidents, claims and tallies,
and the changes feed with tombstones, so that a mirror can be kept exact."""

import datetime

import pytest
from django.utils import timezone

from casualties import services as claim_services
from casualties.models import Tally
from incidents import services
from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _mark():
    """A moment strictly after every write so far."""
    return (timezone.now() + datetime.timedelta(microseconds=1)).isoformat()


def test_updated_since_lists_what_changed_after_the_moment(api, researcher, editor):
    old = IncidentFactory(status=Incident.Status.PUBLISHED)
    claim = ClaimFactory(incident=old)
    since = _mark()
    new = IncidentFactory(status=Incident.Status.PUBLISHED)
    client = api(researcher)

    assert _ids(client.get("/api/v1/incidents/", {"updated_since": since})) == {new.pk}
    assert _ids(client.get("/api/v1/claims/", {"updated_since": since})) == set()
    # A change of its tallies is a change of the incident.
    ClaimFactory(incident=old, low=40, high=40, point=40)
    assert _ids(client.get("/api/v1/incidents/", {"updated_since": since})) == {
        new.pk,
        old.pk,
    }
    tallies = client.get("/api/v1/tallies/", {"updated_since": since})
    assert _ids(tallies) == set(
        Tally.objects.filter(incident=old).values_list("pk", flat=True)
    )
    claim_services.assess_claim(
        claim=claim, user=editor, assessment="credible", note="Matches"
    )
    assert claim.pk in _ids(client.get("/api/v1/claims/", {"updated_since": since}))


@pytest.mark.parametrize("url", ["/api/v1/incidents/", "/api/v1/claims/"])
def test_a_bad_updated_since_is_a_400_naming_it(api, researcher, url):
    response = api(researcher).get(url, {"updated_since": "last week"})

    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_the_feed_names_changes_and_retractions_as_tombstones(api, researcher, editor):
    kept = IncidentFactory(status=Incident.Status.PUBLISHED)
    umbrella = IncidentFactory(status=Incident.Status.PUBLISHED)
    part = IncidentFactory(status=Incident.Status.PUBLISHED, parent=umbrella)
    claim = ClaimFactory(incident=kept)
    since = _mark()

    claim_services.retract_claim(claim=claim, user=editor, reason="Duplicate")
    services.retract_incident(incident=umbrella, user=editor, reason="Hoax")
    draft = IncidentFactory(status=Incident.Status.DRAFT)

    response = api(researcher).get(CHANGES, {"since": since})

    assert response.status_code == 200
    rows = [(r["kind"], r["id"], r["change"]) for r in response.json()["results"]]
    assert ("claim", claim.pk, "retracted") in rows
    assert ("incident", umbrella.pk, "retracted") in rows
    assert ("incident", part.pk, "retracted") in rows  # gone with its whole
    assert any(kind == "tally" and change == "removed" for kind, _, change in rows)
    assert all(pk != draft.pk for kind, pk, _ in rows if kind == "incident")
    moments = [r["at"] for r in response.json()["results"]]
    assert moments == sorted(moments)


def test_the_feed_needs_a_valid_since(api, researcher):
    assert "since" in api(researcher).get(CHANGES).json()
    response = api(researcher).get(CHANGES, {"since": "2026-13-01"})
    assert response.status_code == 400
    assert "since" in response.json()


def test_an_analyst_sees_drafts_in_the_feed(api, analyst):
    since = _mark()
    draft = IncidentFactory(status=Incident.Status.DRAFT)

    rows = api(analyst).get(CHANGES, {"since": since}).json()["results"]

    assert {"kind": "incident", "id": draft.pk, "change": "updated"}.items() <= (
        rows[0].items()
    )
