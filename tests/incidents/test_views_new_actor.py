"""Adding a party from the claims page, without leaving it."""

import pytest
from django.urls import reverse

from incidents.models import Actor
from tests.factories import ActorFactory, IncidentFactory

pytestmark = pytest.mark.django_db

URL = reverse("incidents:actor-create")


def _post(client, **fields):
    data = {
        "new_actor-name": "Balochistan Liberation Front",
        "new_actor-kind": "armed_group",
        "new_actor-parent": "",
        "new_actor-aliases": "BLF",
        **{f"new_actor-{name}": value for name, value in fields.items()},
    }
    return client.post(URL, data, HTTP_HX_REQUEST="true")


def test_an_analyst_adds_a_party_and_it_is_chosen(analyst_client, analyst):
    response = _post(analyst_client)
    assert response.status_code == 200
    actor = Actor.objects.get(name="Balochistan Liberation Front")
    assert (actor.kind, actor.aliases) == ("armed_group", ["BLF"])
    assert actor.history.get().history_user == analyst
    page = response.content.decode()
    assert "Added Balochistan Liberation Front" in page
    assert f'<option value="{actor.pk}" selected>' in page
    assert 'id="id_claimant" hx-swap-oob="outerHTML"' in page


def test_a_name_already_recorded_as_an_alias_asks_first(analyst_client):
    ActorFactory(name="Baloch Liberation Front", aliases=["blf"])
    response = _post(analyst_client, aliases="")
    page = response.content.decode()
    assert "already recorded under this name or an alias" not in page  # other name
    assert Actor.objects.filter(name="Balochistan Liberation Front").exists()

    response = _post(analyst_client, name="B L F", aliases="  BLF ")
    page = response.content.decode()
    assert "already recorded under this name or an alias" in page
    assert "Baloch Liberation Front (also blf)" in page
    assert not Actor.objects.filter(name="B L F").exists()
    assert 'value="B L F"' in page  # kept as typed

    _post(analyst_client, name="B L F", aliases="BLF", different="on")
    assert Actor.objects.filter(name="B L F").exists()


def test_a_taken_name_and_markup_are_refused_beside_the_field(analyst_client):
    ActorFactory(name="Levies")
    page = _post(analyst_client, name="levies", aliases="").content.decode()
    assert "already recorded" in page
    page = _post(analyst_client, name="<b>Front</b>", aliases="").content.decode()
    assert "HTML markup is not allowed here." in page
    assert not Actor.objects.filter(name__contains="Front").exists()


def test_researchers_may_not_add_parties(researcher_client):
    assert _post(researcher_client).status_code == 403
    assert not Actor.objects.filter(name="Balochistan Liberation Front").exists()


def test_the_claims_page_offers_it(analyst_client):
    incident = IncidentFactory()
    page = analyst_client.get(reverse("incidents:claims", args=[incident.pk]))
    assert "A claimant not in the list" in page.content.decode()
