"""Division names as the datasets write them, matched to ISO 3166-2 codes
(incidents.interop.places), on names from UCDP's real global sample."""

import csv

import pytest

from incidents.interop import places
from tests.incidents.test_import_ucdp import SAMPLE


@pytest.mark.parametrize(
    ("country", "name", "code"),
    [
        # ISO's local form differs; the English name finds it.
        ("SY", "Aleppo governorate", "SY-HL"),
        ("SY", "Deir ez Zor governorate", "SY-DY"),
        ("ET", "Tigray state", "ET-TI"),
        ("RU", "Kabardino-Balkaria republic", "RU-KB"),
        # With or without the Arabic article, and the ayn and hamza marks.
        ("YE", "Hudaydah governorate", "YE-HU"),
        ("YE", "Dali governorate", "YE-DA"),
        ("YE", "Şa‘dah governorate", "YE-SD"),
        ("YE", "Şan‘ā’ governorate", "YE-SN"),
        # One letter off one division's name, and no other's.
        ("AF", "Hilmand province", "AF-HEL"),
        ("AF", "Paktya province", "AF-PIA"),  # not Paktika, two letters off
        ("SO", "Middle Shabelle region", "SO-SD"),
        # GeoNames' English names, by where their towns lie.
        ("UA", "Sumy oblast", "UA-59"),
        ("SD", "Southern Darfur state", "SD-DS"),
        # The kind of division tells the oblast from the city.
        ("UA", "Kyiv oblast", "UA-32"),
        ("UA", "Kyiv city", "UA-30"),
        # Former and renamed units.
        ("PK", "North-West Frontier Province", "PK-KP"),
        ("PK", "FATA", "PK-KP"),
        ("RU", "Chechnya republic", "RU-CE"),
        ("IN", "Orissa state", "IN-OD"),
        # As before: ISO's own names, suffixes and all.
        ("PK", "Khyber Pakhtunkwa province", "PK-KP"),
        ("PK", "Balochistan province", "PK-BA"),
        ("LB", "South Lebanon province", "LB-JA"),
    ],
)
def test_a_division_is_found_by_the_name_a_dataset_gives_it(country, name, code):
    assert places.admin1_code(country, name) == code


@pytest.mark.parametrize(
    ("country", "name"),
    [
        # Units whose land is in several divisions today: no guess.
        ("KE", "Rift Valley province"),
        ("NP", "Bheri zone"),
        ("LK", "North Eastern province"),  # not Eastern, nor North Western
        ("CD", "Orientale province"),
        ("PK", "Nowhere province"),
    ],
)
def test_a_name_of_no_single_division_matches_none(country, name):
    assert places.admin1_code(country, name) is None


def test_almost_every_division_of_the_global_sample_is_found():
    with SAMPLE.open(newline="", encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if not row["id"].startswith("#")]
    named = [row for row in rows if row["adm_1"]]
    unmatched = [
        row["adm_1"]
        for row in named
        if places.admin1_code(places.country_code(row["country"]), row["adm_1"]) is None
    ]
    # 293 of them before English names were read; those left are former
    # units now split between divisions, and Gaza and the West Bank, which
    # UCDP places in Israel.
    assert len(named) > 900
    assert len(unmatched) <= 55, sorted(set(unmatched))
