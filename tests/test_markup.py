"""One rule for markup, on the model fields: every door refuses it alike."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from casualties import services as claim_services
from incidents import services
from incidents.models import Incident
from sources.models import Source
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    UserFactory,
    admin_form_data,
)
from tests.incidents.form_data import incident_data
from tests.incidents.test_api_incidents import NEW, URL

pytestmark = pytest.mark.django_db

TITLE = "<script>alert(1)</script>Raid"
MESSAGE = "HTML markup is not allowed here."


def test_the_api_refuses_markup(api, analyst):
    response = api(analyst).post(URL, {**NEW, "title": TITLE})

    assert response.status_code == 400
    assert response.json()["title"] == [MESSAGE]


def test_the_page_refuses_markup(analyst_client):
    response = analyst_client.post("/incidents/new/", incident_data(title=TITLE))

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


def test_the_service_refuses_markup(analyst):
    with pytest.raises(ValidationError) as refused:
        services.create_incident(
            user=analyst, title=TITLE, type_id="attack", start_date="2026-01-31"
        )

    assert refused.value.message_dict["title"] == [MESSAGE]


def test_the_admin_refuses_markup(client):
    user = UserFactory(username="staff-analyst", is_staff=True)
    user.groups.add(Group.objects.get(name="analyst"))
    client.force_login(user)
    url = reverse("admin:incidents_incident_add")
    data = admin_form_data(
        client,
        url,
        title=TITLE,
        type="attack",
        start_date="2026-01-31",
        date_precision="day",
        location_precision="exact",
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Incident.objects.exists()


def test_the_admin_refuses_a_markup_source_name(admin_client):
    response = admin_client.post(
        reverse("admin:sources_source_add"),
        {"name": "<b>Daily</b>", "kind": "other", "reliability": "F"},
    )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Source.objects.filter(name="<b>Daily</b>").exists()


def test_a_retraction_reason_with_markup_is_refused(editor):
    claim = ClaimFactory()

    with pytest.raises(ValidationError):
        claim_services.retract_claim(claim=claim, user=editor, reason="<i>dup</i>")

    claim.refresh_from_db()
    assert not claim.is_retracted


def test_an_api_retraction_reason_with_markup_is_a_400(api, editor):
    incident = IncidentFactory()

    response = api(editor).delete(f"{URL}{incident.pk}/", {"reason": "<b>x</b>"})

    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.status != Incident.Status.RETRACTED
