from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Location

pytestmark = pytest.mark.django_db


def _load(*codes) -> str:
    out = StringIO()
    call_command("load_gazetteer", *codes, stdout=out)
    return out.getvalue()


def test_it_loads_a_country_and_its_provinces_below_it():
    assert _load("PK") == "Locations: 8 created, 0 updated.\n"

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

    assert _load("PK") == "Locations: 0 created, 0 updated.\n"
    assert Location.objects.count() == count


def test_it_corrects_a_stored_row_and_keeps_its_subtree_below_it():
    _load("PK")
    balochistan = Location.objects.get(code="PK-BA")
    Location.objects.filter(pk=balochistan.pk).update(name="Baluchistan")
    wrong = Location.objects.create(name="Elsewhere", kind="country", code="ZZ")
    balochistan.parent = wrong
    balochistan.save()
    quetta = Location.objects.create(name="Quetta", kind="place", parent=balochistan)

    assert _load("PK") == "Locations: 0 created, 1 updated.\n"

    quetta.refresh_from_db()
    pakistan = Location.objects.get(code="PK")
    assert quetta.parent.name == "Balochistan"
    assert quetta.path == f"/{pakistan.pk}/{balochistan.pk}/{quetta.pk}/"


def test_it_leaves_out_subdivisions_nested_in_other_subdivisions():
    _load("GB")

    assert Location.objects.filter(code="GB-ENG", parent__code="GB").exists()
    assert not Location.objects.filter(code="GB-LDS").exists()  # Leeds, in England


def test_with_no_codes_it_loads_the_world_with_paths_like_save_gives():
    _load()

    assert Location.objects.filter(kind="country").count() > 240
    assert Location.objects.filter(kind="admin1").count() > 3000
    assert not Location.objects.filter(path="").exists()
    sample = Location.objects.filter(kind="admin1").select_related("parent")[:50]
    assert all(loc.path == f"{loc.parent.path}{loc.pk}/" for loc in sample)


def test_it_refuses_an_unknown_country_code():
    with pytest.raises(CommandError, match="'XX' is not an ISO 3166"):
        _load("XX")
    assert not Location.objects.exists()
