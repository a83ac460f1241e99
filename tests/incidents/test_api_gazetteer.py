"""The gazetteer resources of /api/v1/: locations, actors and targets."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Actor, Incident, Location, Target
from tests.factories import ActorFactory, IncidentFactory, LocationFactory

pytestmark = pytest.mark.django_db

LOCATIONS = "/api/v1/locations/"
ACTORS = "/api/v1/actors/"
TARGETS = "/api/v1/targets/"
Kind = Location.Kind


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def places(db):
    def area(name, kind, code, parent=None):
        return LocationFactory(
            name=name,
            kind=kind,
            code=code,
            parent=parent,
            latitude=None,
            longitude=None,
        )

    pakistan = area("Pakistan", Kind.COUNTRY, "PK")
    balochistan = area("Balochistan", Kind.ADMIN1, "PK-BA", pakistan)
    district = LocationFactory(name="Mastung district", kind=Kind.ADMIN2)
    district.parent = balochistan
    district.save()
    return SimpleNamespace(
        pakistan=pakistan,
        balochistan=balochistan,
        district=district,
        mastung=LocationFactory(name="Mastung", parent=district),
        afghanistan=area("Afghanistan", Kind.COUNTRY, "AF"),
    )


def _same_queries_for_10_and_200(client, url, make):
    counts = []
    for rows in (10, 190):
        for _ in range(rows):
            make()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": 1000})
        assert response.status_code == 200
        counts.append((len(queries), len(response.json()["results"])))
    return counts


# Locations


def test_anyone_signed_in_reads_the_gazetteer(api, researcher, places):
    response = api(researcher).get(f"{LOCATIONS}{places.mastung.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": places.mastung.pk,
        "name": "Mastung",
        "kind": "place",
        "code": None,
        "parent": places.district.pk,
        "latitude": 30.0,
        "longitude": 67.0,
        "area": "Mastung district, Balochistan, Pakistan",
        "version": places.mastung.version,
    }
    assert response["ETag"] == f'"{places.mastung.version}"'


def test_anonymous_visitors_cannot_read_locations(api, places):
    assert api().get(LOCATIONS).status_code in (401, 403)


def test_a_missing_location_is_a_404(api, researcher):
    assert api(researcher).get(f"{LOCATIONS}999999/").status_code == 404


def test_locations_are_ordered_by_name_then_id(api, researcher, places):
    names = [row["name"] for row in api(researcher).get(LOCATIONS).json()["results"]]

    assert names == sorted(names)


def test_the_location_list_costs_the_same_queries_for_10_and_200_rows(api, researcher):
    counts = _same_queries_for_10_and_200(api(researcher), LOCATIONS, LocationFactory)

    assert [rows for _, rows in counts] == [10, 200]
    assert counts[0][0] == counts[1][0]


def test_it_filters_locations_by_kind(api, researcher, places):
    found = ids(api(researcher).get(LOCATIONS, {"kind": "country"}))

    assert set(found) == {places.pakistan.pk, places.afghanistan.pk}
    assert api(researcher).get(LOCATIONS, {"kind": "planet"}).status_code == 400


def test_it_filters_locations_by_parent(api, researcher, places):
    found = ids(api(researcher).get(LOCATIONS, {"parent": places.pakistan.pk}))

    assert found == [places.balochistan.pk]
    response = api(researcher).get(LOCATIONS, {"parent": 999999})
    assert response.status_code == 400
    assert "parent" in response.json()


def test_it_filters_locations_by_code(api, researcher, places):
    assert ids(api(researcher).get(LOCATIONS, {"code": "pk-ba"})) == [
        places.balochistan.pk
    ]


def test_it_searches_locations_by_name(api, researcher, places):
    found = ids(api(researcher).get(LOCATIONS, {"search": "mastung"}))

    assert set(found) == {places.mastung.pk, places.district.pk}


def test_search_finds_a_town_with_its_district_and_province(api, researcher):
    call_command("load_gazetteer", "PK", stdout=StringIO())

    response = api(researcher).get(LOCATIONS, {"search": "turbat"})

    first = response.json()["results"][0]
    assert (first["name"], first["kind"], first["area"]) == (
        "Turbat",
        "place",
        "Kech, Balochistan, Pakistan",
    )
    kech = api(researcher).get(LOCATIONS, {"search": "Kech"}).json()["results"][0]
    assert (kech["name"], kech["kind"]) == ("Kech", "admin2")  # not Marrakech


def test_a_former_unit_finds_the_division_that_holds_it_today(api, researcher):
    call_command("load_gazetteer", "PK", "--no-towns", stdout=StringIO())

    for name in ("FATA", "Federally Administered Tribal Areas", "nwfp"):
        found = api(researcher).get(LOCATIONS, {"search": name}).json()["results"]
        assert found[0]["code"] == "PK-KP", name


def test_search_results_follow_an_ordering_given(api, researcher, places):
    found = api(researcher).get(LOCATIONS, {"search": "mastung", "ordering": "-name"})

    assert [row["name"] for row in found.json()["results"]] == [
        "Mastung district",
        "Mastung",
    ]


def test_it_filters_locations_below_one(api, researcher, places):
    found = ids(api(researcher).get(LOCATIONS, {"below": places.balochistan.pk}))

    assert set(found) == {places.balochistan.pk, places.district.pk, places.mastung.pk}
    response = api(researcher).get(LOCATIONS, {"below": "x"})
    assert response.status_code == 400
    assert "below" in response.json()


NEW_PLACE = {"name": "Kalat", "kind": "place", "latitude": 29.03, "longitude": 66.59}


def test_an_analyst_adds_a_place_with_its_area_and_coordinates(api, analyst, places):
    payload = {**NEW_PLACE, "parent": places.balochistan.pk}

    response = api(analyst).post(LOCATIONS, payload)

    assert response.status_code == 201, response.content
    kalat = Location.objects.get(name="Kalat")
    assert kalat.path == f"{places.balochistan.path}{kalat.pk}/"
    assert (kalat.latitude, kalat.longitude) == (29.03, 66.59)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parent": None}, "parent"),
        ({"latitude": None, "longitude": None}, "latitude"),
        ({"latitude": 95}, "latitude"),
        ({"kind": "country"}, "kind"),
        ({"name": "<i>Kalat</i>"}, "name"),
        ({"code": "PK"}, "code"),
    ],
)
def test_a_place_without_what_it_needs_is_refused(api, analyst, places, change, field):
    payload = {**NEW_PLACE, "parent": places.balochistan.pk, **change}

    response = api(analyst).post(LOCATIONS, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not Location.objects.filter(name__contains="Kalat").exists()


def test_a_district_must_lie_in_a_province(api, analyst, places):
    payload = {**NEW_PLACE, "kind": "admin2", "parent": places.pakistan.pk}

    response = api(analyst).post(LOCATIONS, payload)

    assert response.status_code == 400
    assert "parent" in response.json()


def test_researchers_cannot_add_places(api, researcher, places):
    payload = {**NEW_PLACE, "parent": places.balochistan.pk}

    assert api(researcher).post(LOCATIONS, payload).status_code == 403
    assert not Location.objects.filter(name="Kalat").exists()


def test_an_analyst_corrects_a_place(api, analyst, places):
    url = f"{LOCATIONS}{places.mastung.pk}/"

    response = api(analyst).patch(
        url, {"latitude": 29.8, "longitude": 66.85, "version": places.mastung.version}
    )

    assert response.status_code == 200
    places.mastung.refresh_from_db()
    assert (places.mastung.latitude, places.mastung.longitude) == (29.8, 66.85)


def test_countries_and_provinces_are_not_edited_through_the_api(api, editor, places):
    url = f"{LOCATIONS}{places.balochistan.pk}/"

    response = api(editor).patch(
        url, {"name": "Baluchistan", "version": places.balochistan.version}
    )

    assert response.status_code == 400
    places.balochistan.refresh_from_db()
    assert places.balochistan.name == "Balochistan"


def test_locations_cannot_be_deleted(api, editor, places):
    response = api(editor).delete(f"{LOCATIONS}{places.mastung.pk}/")

    assert response.status_code == 405
    assert Location.objects.filter(pk=places.mastung.pk).exists()


# Actors


@pytest.fixture
def actors(db):
    government = ActorFactory(name="Government of Pakistan", kind="government")
    return SimpleNamespace(
        government=government,
        military=ActorFactory(
            name="Pakistan military", kind="military", parent=government
        ),
        bla=ActorFactory(
            name="Baloch Liberation Army", kind="armed_group", aliases=["BLA"]
        ),
    )


def test_researchers_read_actors(api, researcher, actors):
    response = api(researcher).get(f"{ACTORS}{actors.bla.pk}/")

    assert response.status_code == 200
    assert response.json()["aliases"] == ["BLA"]
    assert response.json()["kind"] == "armed_group"


def test_anonymous_visitors_cannot_read_actors(api, actors):
    assert api().get(ACTORS).status_code in (401, 403)


def test_a_missing_actor_is_a_404(api, researcher):
    assert api(researcher).get(f"{ACTORS}999999/").status_code == 404


def test_the_actor_list_costs_the_same_queries_for_10_and_200_rows(api, researcher):
    counts = _same_queries_for_10_and_200(api(researcher), ACTORS, ActorFactory)

    assert [rows for _, rows in counts] == [10, 200]
    assert counts[0][0] == counts[1][0]


def test_it_filters_actors_by_kind(api, researcher, actors):
    assert ids(api(researcher).get(ACTORS, {"kind": "military"})) == [
        actors.military.pk
    ]
    assert api(researcher).get(ACTORS, {"kind": "pirates"}).status_code == 400


def test_it_searches_actors_by_name_and_alias(api, researcher, actors):
    assert ids(api(researcher).get(ACTORS, {"search": "bla"})) == [actors.bla.pk]
    assert ids(api(researcher).get(ACTORS, {"search": "liberation"})) == [actors.bla.pk]


def test_it_filters_actors_by_parent(api, researcher, actors):
    found = ids(api(researcher).get(ACTORS, {"parent": actors.government.pk}))

    assert found == [actors.military.pk]
    assert api(researcher).get(ACTORS, {"parent": 999999}).status_code == 400


def test_an_analyst_adds_an_actor(api, analyst, actors, places):
    payload = {
        "name": "Frontier Corps",
        "kind": "paramilitary",
        "parent": actors.government.pk,
        "country": places.pakistan.pk,
        "aliases": ["FC"],
    }

    response = api(analyst).post(ACTORS, payload)

    assert response.status_code == 201, response.content
    actor = Actor.objects.get(name="Frontier Corps")
    assert (actor.parent, actor.country, actor.aliases) == (
        actors.government,
        places.pakistan,
        ["FC"],
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"aliases": ["<b>FC</b>"]}, "aliases"),
        ({"aliases": "FC"}, "aliases"),
        ({"name": "Baloch Liberation Army"}, "name"),
        ({"kind": "pirates"}, "kind"),
        ({"parent": 999999}, "parent"),
    ],
)
def test_a_bad_actor_is_refused(api, analyst, actors, change, field):
    response = api(analyst).post(ACTORS, {"name": "Frontier Corps", **change})

    assert response.status_code == 400
    assert field in response.json()
    assert Actor.objects.count() == 3


def test_a_country_of_an_actor_must_be_a_country(api, analyst, places):
    payload = {"name": "Provincial police", "country": places.balochistan.pk}

    response = api(analyst).post(ACTORS, payload)

    assert response.status_code == 400
    assert "country" in response.json()


def test_an_actor_cannot_belong_to_its_own_member(api, analyst, actors):
    url = f"{ACTORS}{actors.government.pk}/"

    response = api(analyst).patch(
        url, {"parent": actors.military.pk, "version": actors.government.version}
    )

    assert response.status_code == 400
    assert "parent" in response.json()
    actors.government.refresh_from_db()
    assert actors.government.parent is None


def test_researchers_cannot_add_actors(api, researcher):
    assert api(researcher).post(ACTORS, {"name": "X"}).status_code == 403
    assert not Actor.objects.exists()


# Targets


def test_targets_list_what_was_attacked(api, researcher):
    incident = IncidentFactory()
    target = Target.objects.create(
        incident=incident, category_id="prison", description="Mastung prison"
    )

    response = api(researcher).get(f"{TARGETS}{target.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": target.pk,
        "incident": incident.pk,
        "category": "prison",
        "description": "Mastung prison",
    }


def test_anonymous_visitors_cannot_read_targets(api):
    assert api().get(TARGETS).status_code in (401, 403)


def test_researchers_do_not_see_targets_of_drafts(api, researcher):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    hidden = Target.objects.create(incident=draft, category_id="police")

    assert ids(api(researcher).get(TARGETS)) == []
    assert api(researcher).get(f"{TARGETS}{hidden.pk}/").status_code == 404


def test_targets_are_read_only(api, editor):
    incident = IncidentFactory()
    payload = {"incident": incident.pk, "category": "police"}

    assert api(editor).post(TARGETS, payload).status_code == 405
    assert not Target.objects.exists()


def test_the_target_list_costs_the_same_queries_for_10_and_200_rows(api, researcher):
    incident = IncidentFactory()

    def make():
        Target.objects.create(incident=incident, category_id="rail")

    counts = _same_queries_for_10_and_200(api(researcher), TARGETS, make)

    assert [rows for _, rows in counts] == [10, 200]
    assert counts[0][0] == counts[1][0]


def test_it_filters_targets_by_incident(api, researcher):
    incident = IncidentFactory()
    wanted = Target.objects.create(incident=incident, category_id="rail")
    Target.objects.create(incident=IncidentFactory(), category_id="rail")

    assert ids(api(researcher).get(TARGETS, {"incident": incident.pk})) == [wanted.pk]
    response = api(researcher).get(TARGETS, {"incident": 999999})
    assert response.status_code == 400
    assert "incident" in response.json()


def test_it_filters_targets_by_category(api, researcher):
    incident = IncidentFactory()
    rail = Target.objects.create(incident=incident, category_id="rail")
    Target.objects.create(incident=incident, category_id="police")

    assert ids(api(researcher).get(TARGETS, {"category": "rail"})) == [rail.pk]
    response = api(researcher).get(TARGETS, {"category": "bridges"})
    assert response.status_code == 400
    assert "category" in response.json()


def test_a_stale_version_of_a_place_is_refused_and_changes_nothing(
    api, analyst, places
):
    url = f"{LOCATIONS}{places.mastung.pk}/"
    stale = places.mastung.version
    assert (
        api(analyst).patch(url, {"latitude": 29.8, "version": stale}).status_code == 200
    )

    response = api(analyst).patch(url, {"latitude": 10.0, "version": stale})

    assert response.status_code == 409
    places.mastung.refresh_from_db()
    assert places.mastung.latitude == 29.8


def test_an_empty_ordering_of_targets_is_refused(api, researcher):
    response = api(researcher).get(TARGETS, {"ordering": ","})

    assert response.status_code == 400
    assert "ordering" in response.json()
