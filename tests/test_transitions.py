"""One state contract, whatever the door: the API, the pages and the admin
allow and refuse the same transitions of incidents and claims."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from casualties import services
from casualties.models import Claim
from incidents.models import Incident
from incidents.services import retract_incident
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    UserFactory,
    admin_form_data,
)

pytestmark = pytest.mark.django_db

Status = Incident.Status
INCIDENTS = "/api/v1/incidents/"
CLAIMS = "/api/v1/claims/"


@pytest.fixture
def retracted(editor):
    incident = IncidentFactory(status=Status.PUBLISHED)
    return retract_incident(incident=incident, user=editor, reason="Duplicate")


def _claim_body(incident) -> dict:
    return {
        "incident": incident.pk,
        "side": "official",
        "group": "civilians",
        "outcome": "killed",
        "low": 4,
        "high": 4,
        "point": 4,
    }


def test_an_editor_cannot_republish_a_retracted_incident(api, editor, retracted):
    response = api(editor).patch(
        f"{INCIDENTS}{retracted.pk}/",
        {"status": "published", "version": retracted.version},
    )

    assert response.status_code == 400
    retracted.refresh_from_db()
    assert retracted.status == Status.RETRACTED
    assert retracted.retraction_reason == "Duplicate"


def test_an_editor_cannot_unpublish(api, editor):
    incident = IncidentFactory(status=Status.PUBLISHED)

    response = api(editor).patch(
        f"{INCIDENTS}{incident.pk}/", {"status": "draft", "version": 1}
    )

    assert response.status_code == 400
    assert "retract it" in str(response.json())
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED


def test_no_one_edits_a_retracted_incident(api, editor, retracted):
    response = api(editor).patch(
        f"{INCIDENTS}{retracted.pk}/",
        {"title": "Renamed", "version": retracted.version},
    )

    assert response.status_code == 400
    assert "cannot be edited" in str(response.json())
    retracted.refresh_from_db()
    assert retracted.title != "Renamed"


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_no_claim_is_added_under_a_retracted_incident(api, retracted, role, request):
    user = request.getfixturevalue(role)
    child = Incident.objects.get(pk=IncidentFactory(parent=retracted).pk)

    on_it = api(user).post(CLAIMS, _claim_body(retracted))
    below = api(user).post(CLAIMS, _claim_body(child))

    for response in (on_it, below):
        assert response.status_code == 400
        assert "incident" in response.json()
    assert not Claim.objects.exists()


def test_the_claim_service_refuses_a_retracted_incident_for_every_door(
    analyst, retracted
):
    child = IncidentFactory(parent=retracted)

    with pytest.raises(ValidationError) as refused:
        services.create_claim(user=analyst, **_claim_fields(child))

    assert "retracted" in refused.value.message_dict["incident"][0]
    assert not Claim.objects.exists()


def _claim_fields(incident) -> dict:
    body = _claim_body(incident)
    body["incident"] = incident
    return {
        (
            "side_id"
            if k == "side"
            else "group_id"
            if k == "group"
            else "outcome_id"
            if k == "outcome"
            else k
        ): v
        for k, v in body.items()
    }


def test_a_claim_is_not_moved_onto_a_retracted_incident(api, analyst, retracted):
    claim = ClaimFactory()

    response = api(analyst).patch(
        f"{CLAIMS}{claim.pk}/", {"incident": retracted.pk, "version": claim.version}
    )

    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.incident_id != retracted.pk


def test_a_retracted_claim_cannot_be_edited(api, editor):
    claim = ClaimFactory()
    api(editor).delete(f"{CLAIMS}{claim.pk}/", {"reason": "Misread"})
    claim.refresh_from_db()

    response = api(editor).patch(
        f"{CLAIMS}{claim.pk}/", {"low": 1, "version": claim.version}
    )

    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.low != 1


@pytest.mark.parametrize("resource", ["incidents", "claims"])
def test_a_second_delete_is_answered_alike(api, editor, resource):
    row = IncidentFactory() if resource == "incidents" else ClaimFactory()
    url = f"/api/v1/{resource}/{row.pk}/"
    client = api(editor)

    first = client.delete(url, {"reason": "Wrong"})
    second = client.delete(url, {"reason": "Again"})

    assert first.status_code == 204
    assert second.status_code == 400
    assert second.json() == {"reason": ["This record is already retracted."]}
    row.refresh_from_db()
    assert row.retraction_reason == "Wrong"


def _staff(client, role):
    user = UserFactory(username=f"staff-{role}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


def test_the_admin_refuses_to_edit_a_retracted_incident(client, retracted):
    client = _staff(client, "editor")
    url = reverse("admin:incidents_incident_change", args=[retracted.pk])
    page = client.get(url)
    stored = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    stored.update(title="Renamed in the admin", status="published")
    data = admin_form_data(client, url, **stored)

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the message
    assert "cannot be edited" in response.content.decode()
    retracted.refresh_from_db()
    assert retracted.title != "Renamed in the admin"
    assert retracted.status == Status.RETRACTED


def test_a_published_incident_moved_under_a_draft_leaves_the_researchers_view(
    api, analyst, researcher
):
    """Its own status stays published, but it is read as its least public
    ancestor: no researcher ever sees a draft's id as its parent."""
    draft = IncidentFactory(status=Status.DRAFT)
    moved = IncidentFactory(status=Status.PUBLISHED)

    response = api(analyst).patch(
        f"{INCIDENTS}{moved.pk}/", {"parent": draft.pk, "version": moved.version}
    )
    assert response.status_code == 200

    reader = api(researcher)
    assert reader.get(f"{INCIDENTS}{moved.pk}/").status_code == 404
    listed = [row["id"] for row in reader.get(INCIDENTS).json()["results"]]
    assert moved.pk not in listed


def test_the_admin_refuses_to_edit_a_retracted_claim(admin_client, editor):
    claim = ClaimFactory()
    services.retract_claim(claim=claim, user=editor, reason="Misread")
    url = reverse("admin:casualties_claim_change", args=[claim.pk])
    page = admin_client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(low=1, high=1, point=1)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "cannot be changed" in response.content.decode()
    claim.refresh_from_db()
    assert claim.low != 1
