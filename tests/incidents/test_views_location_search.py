"""Picking an incident's place from the gazetteer."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Location
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

URL = reverse("incidents:location-search")


@pytest.fixture
def gazetteer():
    pakistan = Location.objects.create(name="Pakistan", kind="country", code="PK")
    province = Location.objects.create(
        name="Balochistan", kind="admin1", code="PK-BA", parent=pakistan
    )
    return {
        "province": province,
        "gwadar": LocationFactory(name="Gwadar", parent=province),
        "quetta": LocationFactory(name="Quetta", parent=province),
    }


def test_htmx_gets_options_with_their_province_and_country(analyst_client, gazetteer):
    response = analyst_client.get(URL, {"q": "gwa"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.context["places"] == [gazetteer["gwadar"]]
    assert "<html" not in page
    assert "Balochistan, Pakistan" in page
    assert f"?choose={gazetteer['gwadar'].pk}" in page


def test_an_iso_code_finds_its_area_first(analyst_client, gazetteer):
    response = analyst_client.get(URL, {"q": "pk-ba"}, HTTP_HX_REQUEST="true")
    assert response.context["places"][0] == gazetteer["province"]


def test_choosing_puts_the_place_into_the_form_field(analyst_client, gazetteer):
    quetta = gazetteer["quetta"]
    response = analyst_client.get(URL, {"choose": quetta.pk}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert f'name="location" id="id_location" min="1" value="{quetta.pk}"' in page
    assert "Quetta" in page
    assert 'id="location-results" hx-swap-oob="true"' in page


def test_choosing_an_unknown_number_says_so(analyst_client):
    response = analyst_client.get(URL, {"choose": "999999"}, HTTP_HX_REQUEST="true")
    assert "No gazetteer entry has that number." in response.content.decode()


def test_without_htmx_it_is_a_page_of_numbers(analyst_client, gazetteer):
    response = analyst_client.get(URL, {"q": "quetta"})
    page = response.content.decode()
    assert "<html" in page
    assert f"<td>{gazetteer['quetta'].pk}</td>" in page


def test_a_short_query_finds_nothing(analyst_client, gazetteer):
    response = analyst_client.get(URL, {"q": "q"}, HTTP_HX_REQUEST="true")
    assert response.context["places"] == []


def test_the_query_is_escaped(analyst_client):
    response = analyst_client.get(URL, {"q": "<script>x"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<script>" not in page
    assert "&lt;script&gt;x" in page


def test_researchers_may_not_use_it(researcher_client):
    assert researcher_client.get(URL, {"q": "gwa"}).status_code == 403


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL, {"q": "gwa"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_runs_the_same_queries_however_many_places_match(
    analyst_client, gazetteer, django_assert_num_queries
):
    province = gazetteer["province"]
    LocationFactory(parent=province)
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(URL, {"q": "place"}, HTTP_HX_REQUEST="true")
    for _ in range(40):
        LocationFactory(parent=province)
    with django_assert_num_queries(len(few)):
        response = analyst_client.get(URL, {"q": "place"}, HTTP_HX_REQUEST="true")
    assert len(response.context["places"]) == 20


def test_the_form_finds_towns_and_former_units_of_the_loaded_gazetteer(analyst_client):
    call_command("load_gazetteer", "PK", stdout=StringIO())

    page = analyst_client.get(URL, {"q": "Turbat"}, HTTP_HX_REQUEST="true")
    assert page.context["places"][0].name == "Turbat"
    assert "place, Kech, Balochistan, Pakistan" in page.content.decode()

    page = analyst_client.get(URL, {"q": "FATA"}, HTTP_HX_REQUEST="true")
    assert page.context["places"][0].code == "PK-KP"
