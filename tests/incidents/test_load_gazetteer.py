import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Location, Outline

pytestmark = pytest.mark.django_db


def _load(*codes) -> str:
    out = StringIO()
    call_command("load_gazetteer", *codes, stdout=out)
    return out.getvalue()


def test_it_loads_a_country_and_its_provinces_below_it():
    assert _load("PK", "--no-towns").startswith("Locations: 8 created, 0 updated.\n")

    pakistan = Location.objects.get(code="PK")
    balochistan = Location.objects.get(code="PK-BA")
    assert (pakistan.name, pakistan.kind, pakistan.parent) == (
        "Pakistan",
        "country",
        None,
    )
    assert (balochistan.name, balochistan.kind) == ("Balochistan", "admin1")
    assert balochistan.parent == pakistan
    assert balochistan.path == f"/{pakistan.pk}/{balochistan.pk}/"
    assert (pakistan.depth, balochistan.depth) == (0, 1)


def test_a_second_run_creates_nothing():
    _load("PK")
    count = Location.objects.count()

    assert _load("PK").startswith("Locations: 0 created, 0 updated.\n")
    assert Location.objects.count() == count


def test_provinces_and_the_country_have_a_representative_point():
    _load("PK", "--no-towns")

    points = dict(
        Location.objects.filter(code__in=["PK", "PK-BA"]).values_list(
            "code", "latitude"
        )
    )
    assert points == {"PK": 30.0, "PK-BA": 28.0}
    assert not Location.objects.filter(kind="admin1", latitude__isnull=True).exists()


def test_it_loads_districts_and_towns_with_their_points():
    out = _load("PK")

    turbat = Location.objects.get(name="Turbat", kind="place")
    kech = turbat.parent
    assert (kech.name, kech.kind, kech.parent.code) == ("Kech", "admin2", "PK-BA")
    assert (turbat.latitude, turbat.longitude) == (26.00122, 63.04849)
    # A district stands at its principal town.
    assert (kech.latitude, kech.longitude) == (turbat.latitude, turbat.longitude)
    assert turbat.path == f"{kech.path}{turbat.pk}/"
    # A town GeoNames puts in no district lies in its province.
    gwadar = Location.objects.get(name="Gwadar", kind="place")
    assert gwadar.parent.code == "PK-BA"
    towns = Location.objects.filter(kind="place").count()
    assert towns > 450
    assert out.startswith(
        f"Locations: {Location.objects.count()} created, 0 updated.\n"
    )


def test_towns_join_the_districts_and_places_already_there():
    _load("PK", "--no-towns")
    balochistan = Location.objects.get(code="PK-BA")
    kech = Location.objects.create(
        name="Kech", kind="admin2", parent=balochistan, latitude=26.0, longitude=63.0
    )
    turbat = Location.objects.create(
        name="Turbat", kind="place", parent=kech, latitude=26.1, longitude=63.1
    )

    _load("PK")

    assert Location.objects.filter(name="Kech").count() == 1
    assert Location.objects.filter(name="Turbat").count() == 1
    turbat.refresh_from_db()
    assert (turbat.latitude, turbat.longitude) == (26.1, 63.1)  # kept as it was


def test_a_point_already_set_on_a_province_is_kept():
    _load("PK", "--no-towns")
    Location.objects.filter(code="PK-BA").update(latitude=27.5, longitude=65.5)

    assert _load("PK", "--no-towns").startswith("Locations: 0 created, 0 updated.\n")
    assert Location.objects.get(code="PK-BA").latitude == 27.5


def test_it_corrects_a_stored_row_and_keeps_its_subtree_below_it():
    _load("PK", "--no-towns")
    balochistan = Location.objects.get(code="PK-BA")
    Location.objects.filter(pk=balochistan.pk).update(name="Baluchistan")
    wrong = Location.objects.create(name="Elsewhere", kind="country", code="ZZ")
    balochistan.parent = wrong
    balochistan.save()
    quetta = Location.objects.create(name="Quetta", kind="place", parent=balochistan)

    assert _load("PK", "--no-towns").startswith("Locations: 0 created, 1 updated.\n")

    quetta.refresh_from_db()
    pakistan = Location.objects.get(code="PK")
    assert quetta.parent.name == "Balochistan"
    assert quetta.path == f"/{pakistan.pk}/{balochistan.pk}/{quetta.pk}/"


def test_it_leaves_out_subdivisions_nested_in_other_subdivisions():
    _load("GB", "--no-towns")

    assert Location.objects.filter(code="GB-ENG", parent__code="GB").exists()
    assert not Location.objects.filter(code="GB-LDS").exists()  # Leeds, in England


def test_with_no_codes_it_loads_the_world_with_paths_like_save_gives():
    _load("--no-towns")

    assert Location.objects.filter(kind="country").count() > 240
    assert Location.objects.filter(kind="admin1").count() > 3000
    assert Outline.objects.count() > 3000
    assert not Location.objects.filter(path="").exists()
    sample = Location.objects.filter(kind="admin1").select_related("parent")[:50]
    assert all(loc.path == f"{loc.parent.path}{loc.pk}/" for loc in sample)


def test_it_refuses_an_unknown_country_code():
    with pytest.raises(CommandError, match="'XX' is not an ISO 3166"):
        _load("XX")
    assert not Location.objects.exists()


def test_it_loads_the_provinces_outlines_with_former_units_merged_in():
    out = _load("PK", "--no-towns")
    assert "Province outlines: 7 created or changed." in out

    outlines = {
        outline.location.code: outline
        for outline in Outline.objects.select_related("location")
    }
    assert sorted(outlines) == [
        "PK-BA", "PK-GB", "PK-IS", "PK-JK", "PK-KP", "PK-PB", "PK-SD",
    ]  # fmt: skip
    balochistan = outlines["PK-BA"]
    geometry = json.loads(balochistan.geometry)
    assert geometry["type"] == "Polygon"
    # Turbat (63.05 E, 26.00 N) lies inside Balochistan's box.
    assert balochistan.west < 63.05 < balochistan.east
    assert balochistan.south < 26.0 < balochistan.north
    # Natural Earth still draws FATA (PK-TA); it joins Khyber Pakhtunkhwa,
    # reaching west to the Afghan border near 69.2 E.
    khyber = outlines["PK-KP"]
    assert json.loads(khyber.geometry)["type"] == "MultiPolygon"
    assert khyber.west < 69.5

    again = _load("PK", "--no-towns")
    assert "Province outlines: 0 created or changed." in again
    assert Outline.objects.count() == 7
