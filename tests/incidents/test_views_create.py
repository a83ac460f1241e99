"""Creating an incident: its parent, place, targets and actors."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, Location
from tests.factories import ActorFactory, IncidentFactory, LocationFactory
from tests.incidents.form_data import incident_data

pytestmark = pytest.mark.django_db

CREATE = reverse("incidents:create")


def _errors(response, name):
    return response.context["form"].errors.get(name, [])


def test_an_analyst_creates_a_draft_incident_with_targets_and_actors(
    analyst_client, analyst
):
    place = LocationFactory(name="Turbat")
    actor = ActorFactory(name="Baloch Liberation Army")
    rival = ActorFactory(name="Baloch Liberation Front")
    data = incident_data(
        location=place.pk,
        **{
            "responsibility-TOTAL_FORMS": "3",
            "responsibility-0-actor": actor.pk,
            "responsibility-0-how": "A statement on Telegram",
            "responsibility-1-actor": rival.pk,
            "responsibility-1-how": "A video",
            "responsibility-2-actor": "",  # the blank row the page offers
            "targets-TOTAL_FORMS": "1",
            "targets-0-category": "police",
            "targets-0-description": "Police post",
            "actors-TOTAL_FORMS": "1",
            "actors-0-actor": actor.pk,
            "actors-0-role": "perpetrator",
        },
    )
    response = analyst_client.post(CREATE, data)
    incident = Incident.objects.get(title="Attack on a police post")
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.status == Incident.Status.DRAFT
    assert incident.location == place
    assert incident.created_by == analyst
    assert list(incident.responsibility_claims.values_list("actor", "how")) == [
        (actor.pk, "A statement on Telegram"),
        (rival.pk, "A video"),
    ]
    assert [(t.category_id, t.description) for t in incident.targets.all()] == [
        ("police", "Police post")
    ]
    assert [(r.actor, r.role) for r in incident.actor_roles.all()] == [
        (actor, "perpetrator")
    ]
    assert incident.history.get().history_user == analyst


def test_it_creates_a_sub_incident_under_the_parent_given(analyst_client):
    parent = IncidentFactory()
    analyst_client.post(CREATE, incident_data(parent=parent.pk))
    child = Incident.objects.get(title="Attack on a police post")
    assert child.parent == parent
    assert child.path == f"{parent.path}{child.pk}/"


def test_the_parent_in_the_address_is_chosen_with_its_type_and_day(analyst_client):
    parent = IncidentFactory(title="Wave of attacks", type_id="coordinated-attack")
    response = analyst_client.get(CREATE, {"parent": parent.pk})
    page = response.content.decode()
    assert response.context["chosen_parent"] == parent
    assert f'name="parent" value="{parent.pk}"' in page
    assert '<option value="coordinated-attack" selected>' in page
    assert 'value="2026-01-31"' in page
    assert "New sub-incident" in page


def test_a_sub_incident_starts_from_its_parents_place_and_dates(analyst_client):
    place = Location.objects.create(
        name="Balochistan", kind=Location.Kind.ADMIN1, code="PK-BA"
    )
    parent = IncidentFactory(
        location=place,
        location_precision="province",
        start_date=datetime.date(2026, 1, 30),
        end_date=datetime.date(2026, 2, 1),
        date_precision="day",
    )
    response = analyst_client.get(CREATE, {"parent": parent.pk})
    form = response.context["form"]
    assert form["location"].value() == place.pk
    assert form["location_precision"].value() == "province"
    assert str(form["end_date"].value()) == "2026-02-01"
    assert response.context["chosen_location"].name == "Balochistan"
    assert 'value="2026-02-01"' in response.content.decode()


def test_an_unseen_parent_in_the_address_is_ignored(researcher, analyst_client):
    hidden = IncidentFactory(
        status=Incident.Status.RETRACTED, retraction_reason="Duplicate"
    )
    response = analyst_client.get(CREATE, {"parent": hidden.pk})
    assert response.context["chosen_parent"] is None


def test_it_creates_a_new_place_in_the_province_named_by_its_code(analyst_client):
    province = Location.objects.create(
        name="Balochistan", kind=Location.Kind.ADMIN1, code="PK-BA"
    )
    data = incident_data(
        new_place_name="Kalat",
        new_place_area="pk-ba",
        new_place_latitude="29.03",
        new_place_longitude="66.59",
    )
    analyst_client.post(CREATE, data)
    place = Incident.objects.get(title="Attack on a police post").location
    assert (place.name, place.kind, place.parent) == ("Kalat", "place", province)
    assert (place.latitude, place.longitude) == (29.03, 66.59)
    assert place.path == f"{province.path}{place.pk}/"


def test_a_new_place_needs_its_area_and_coordinates(analyst_client):
    response = analyst_client.post(CREATE, incident_data(new_place_name="Kalat"))
    assert response.status_code == 200
    assert _errors(response, "new_place_area") == [
        "Say which country or province the place lies in."
    ]
    assert _errors(response, "new_place_latitude") == [
        "Give the coordinates of the place."
    ]
    assert not Incident.objects.exists()
    assert not Location.objects.filter(name="Kalat").exists()


def test_a_new_place_gets_the_models_message_for_a_bad_latitude(analyst_client):
    Location.objects.create(name="Pakistan", kind=Location.Kind.COUNTRY, code="PK")
    data = incident_data(
        new_place_name="Nowhere",
        new_place_area="PK",
        new_place_latitude="123",
        new_place_longitude="66",
    )
    response = analyst_client.post(CREATE, data)
    assert _errors(response, "new_place_latitude") == [
        "Latitude must be between -90 and 90."
    ]
    assert not Location.objects.filter(name="Nowhere").exists()


def test_a_place_is_chosen_or_described_not_both(analyst_client):
    place = LocationFactory()
    response = analyst_client.post(
        CREATE, incident_data(location=place.pk, new_place_name="Kalat")
    )
    assert _errors(response, "location") == [
        "Choose a gazetteer entry or describe a new place, not both."
    ]
    assert not Incident.objects.exists()


def test_invalid_input_is_refused_next_to_its_fields_and_kept(analyst_client):
    data = incident_data(
        title="",
        summary="Kept summary",
        start_date="2026-02-02",
        end_date="2026-02-01",
    )
    response = analyst_client.post(CREATE, data)
    assert response.status_code == 200
    assert _errors(response, "title") == ["This field is required."]
    assert _errors(response, "end_date") == [
        "The end date cannot be before the start date."
    ]
    page = response.content.decode()
    assert "Kept summary" in page
    assert 'id="id_title_error"' in page
    assert not Incident.objects.exists()


def test_markup_is_refused_and_shown_back_escaped(analyst_client):
    response = analyst_client.post(
        CREATE, incident_data(title="<script>alert(1)</script>")
    )
    assert _errors(response, "title") == ["HTML markup is not allowed here."]
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not Incident.objects.exists()


def test_an_unknown_parent_is_refused(analyst_client):
    response = analyst_client.post(CREATE, incident_data(parent="999999"))
    assert _errors(response, "parent") == ["No incident you may see has that number."]
    assert not Incident.objects.exists()


def test_a_retracted_parent_is_refused(analyst_client):
    retracted = IncidentFactory(
        status=Incident.Status.RETRACTED, retraction_reason="Duplicate"
    )
    response = analyst_client.post(CREATE, incident_data(parent=retracted.pk))
    assert _errors(response, "parent") == ["No incident you may see has that number."]
    assert Incident.objects.count() == 1


def test_a_posted_status_is_ignored_for_analysts(analyst_client):
    analyst_client.post(CREATE, incident_data(status="published", created_by="1"))
    incident = Incident.objects.get(title="Attack on a police post")
    assert incident.status == Incident.Status.DRAFT


def test_a_tampered_row_count_saves_nothing(analyst_client):
    data = incident_data(**{"targets-TOTAL_FORMS": "5000"})
    response = analyst_client.post(CREATE, data)
    assert response.status_code == 200
    assert not Incident.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_researchers_may_not_create_incidents(researcher_client, method):
    response = getattr(researcher_client, method)(CREATE, incident_data())
    assert response.status_code == 403
    assert not Incident.objects.exists()


def test_editors_and_admins_may_create_incidents(editor_client, admin_client):
    for client in (editor_client, admin_client):
        assert client.get(CREATE).status_code == 200


def test_the_nav_offers_a_new_incident_to_analysts_only(analyst_client, researcher):
    assert CREATE in analyst_client.get(reverse("incidents:list")).content.decode()
    analyst_client.force_login(researcher)
    assert CREATE not in analyst_client.get(reverse("incidents:list")).content.decode()


def test_the_create_form_runs_a_fixed_number_of_queries(
    analyst_client, django_assert_num_queries
):
    parent = IncidentFactory()
    ActorFactory()
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(CREATE, {"parent": parent.pk})
    for _ in range(20):
        ActorFactory()
        LocationFactory()
        IncidentFactory(parent=parent)
    with django_assert_num_queries(len(few)):
        analyst_client.get(CREATE, {"parent": parent.pk})


def test_the_form_saves_dates_as_dates(analyst_client):
    analyst_client.post(
        CREATE, incident_data(end_date="2026-02-01", date_precision="week")
    )
    incident = Incident.objects.get()
    assert incident.end_date == datetime.date(2026, 2, 1)
    assert incident.date_precision == "week"


SEARCH = reverse("incidents:parent-search")


def test_the_parent_is_found_by_words_of_its_title(analyst_client):
    wave = IncidentFactory(title="Wave of attacks in Balochistan")
    IncidentFactory(title="Flood relief convoy")
    hidden = IncidentFactory(
        title="Wave of arrests", status=Incident.Status.RETRACTED, retraction_reason="x"
    )
    page = analyst_client.get(SEARCH, {"q": "wave"}, HTTP_HX_REQUEST="true")
    found = page.context["found"]
    assert found == [wave]
    assert hidden not in found
    assert f"?choose={wave.pk}" in page.content.decode()

    chosen = analyst_client.get(SEARCH, {"choose": wave.pk}, HTTP_HX_REQUEST="true")
    html = chosen.content.decode()
    assert f'name="parent" value="{wave.pk}"' in html
    assert "Part of: <a" in html and "Wave of attacks in Balochistan" in html


def test_parent_search_is_for_those_who_record_incidents(researcher_client):
    assert researcher_client.get(SEARCH, {"q": "wave"}).status_code == 403
