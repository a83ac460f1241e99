"""Editing an incident: its rows, its version, and who may."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, IncidentActor, Location, Target
from incidents.services import update_incident
from tests.factories import ActorFactory, IncidentFactory, LocationFactory
from tests.incidents.form_data import edit_data, incident_data

pytestmark = pytest.mark.django_db

CREATE = reverse("incidents:create")


def _edit(incident):
    return reverse("incidents:edit", args=[incident.pk])


def _errors(response, name):
    return response.context["form"].errors.get(name, [])


def _with_rows(incident, count):
    actors = [ActorFactory() for _ in range(count)]
    for actor in actors:
        Target.objects.create(incident=incident, category_id="police")
        IncidentActor.objects.create(incident=incident, actor=actor, role="other")


def test_an_analyst_edits_an_incident_and_its_targets(analyst_client, analyst):
    incident = IncidentFactory(title="Old title")
    target = Target.objects.create(incident=incident, category_id="rail")
    data = edit_data(
        incident,
        title="New title",
        **{"targets-0-description": "Jaffar Express track"},
    )
    response = analyst_client.post(_edit(incident), data)
    assert response.status_code == 302
    incident.refresh_from_db()
    target.refresh_from_db()
    assert (incident.title, incident.version) == ("New title", 2)
    assert target.description == "Jaffar Express track"
    assert incident.history.first().history_user == analyst


def test_rows_ticked_for_deletion_are_removed(analyst_client):
    incident = IncidentFactory()
    actor = ActorFactory()
    IncidentActor.objects.create(incident=incident, actor=actor, role="perpetrator")
    data = edit_data(incident, **{"actors-0-DELETE": "on"})
    analyst_client.post(_edit(incident), data)
    assert not incident.actor_roles.exists()


def test_moving_an_incident_under_its_own_child_is_refused(analyst_client):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    response = analyst_client.post(_edit(root), edit_data(root, parent=child.pk))
    assert _errors(response, "parent") == [
        "This parent lies below the record: that would make a cycle."
    ]
    root.refresh_from_db()
    assert root.parent is None


def test_a_stale_version_saves_nothing_and_says_so(analyst_client, editor):
    incident = IncidentFactory(title="Theirs")
    data = edit_data(incident, title="Mine")
    update_incident(incident=incident, user=editor, summary="Someone else's edit")
    response = analyst_client.post(_edit(incident), data)
    assert response.status_code == 200
    assert "changed by someone else" in response.context["form"].non_field_errors()[0]
    page = response.content.decode()
    assert 'value="Mine"' in page
    assert ">Theirs</a>" in page
    incident.refresh_from_db()
    assert (incident.title, incident.version) == ("Theirs", 2)


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_missing_or_tampered_version_is_refused(analyst_client, version):
    incident = IncidentFactory(title="Theirs")
    data = edit_data(incident, title="Mine", version=version)
    response = analyst_client.post(_edit(incident), data)
    assert _errors(response, "version")
    assert "Version:" in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Theirs"


def test_a_target_of_another_incident_cannot_be_edited_from_here(analyst_client):
    incident = IncidentFactory()
    other = Target.objects.create(incident=IncidentFactory(), category_id="rail")
    data = edit_data(
        incident,
        **{
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "1",
            "targets-0-id": other.pk,
            "targets-0-category": "police",
        },
    )
    response = analyst_client.post(_edit(incident), data)
    assert response.status_code == 200
    assert response.context["targets"].non_form_errors() == [
        "A row here is not one of this incident's: reload the page."
    ]
    other.refresh_from_db()
    assert (other.incident_id, other.category_id) != (incident.pk, "police")
    assert not incident.targets.exists()


def test_the_edit_form_shows_the_place_by_name(analyst_client):
    province = Location.objects.create(
        name="Balochistan", kind=Location.Kind.ADMIN1, code="PK-BA"
    )
    place = LocationFactory(name="Gwadar", parent=province)
    incident = IncidentFactory(location=place)
    page = analyst_client.get(_edit(incident)).content.decode()
    assert f'name="location" id="id_location" min="1" value="{place.pk}"' in page
    assert "Gwadar" in page
    assert "Balochistan" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_researchers_may_not_edit_incidents(researcher_client, method):
    incident = IncidentFactory(title="Theirs")
    response = getattr(researcher_client, method)(
        _edit(incident), edit_data(incident, title="Mine")
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.title == "Theirs"


def test_it_asks_anonymous_visitors_to_log_in(client):
    incident = IncidentFactory()
    for url in (CREATE, _edit(incident)):
        response = client.post(url, incident_data())
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Incident.objects.count() == 1


def test_a_missing_incident_is_a_404(analyst_client):
    assert analyst_client.get(reverse("incidents:edit", args=[999999])).status_code == (
        404
    )


def test_a_retracted_incident_is_not_edited(editor_client):
    incident = IncidentFactory(
        status=Incident.Status.RETRACTED, retraction_reason="Duplicate"
    )
    response = editor_client.post(_edit(incident), edit_data(incident, title="New"))
    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.title != "New"


def test_the_edit_form_runs_the_same_queries_however_many_rows(
    analyst_client, django_assert_num_queries
):
    location = LocationFactory()
    small, large = (
        IncidentFactory(location=location),
        IncidentFactory(location=location),
    )
    _with_rows(small, 1)
    _with_rows(large, 12)
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(_edit(small))
    with django_assert_num_queries(len(few)):
        analyst_client.get(_edit(large))
