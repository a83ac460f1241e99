"""Countries, their first-level subdivisions, districts and towns.

The top two levels of the gazetteer come from ISO 3166 as pycountry maintains
it, never typed in (SPEC section 2), each with a representative point; with
`towns`, the districts and towns GeoNames knows come below them
(incidents.interop.geodata), a district standing at its principal town.
Countries and provinces are matched by code, districts and towns by name
under their parent (as the importers match the places events name), so a
second run changes nothing. New rows go in by bulk insert and get their
materialised path from one UPDATE per level, which loads the whole world in
seconds where 155,000 `Location.save()` calls would take an hour; that first
load is not recorded in history. A point already set (by an analyst, or by an
import) is kept. `load_gazetteer` and the importers (which load a country the
first time one of its events arrives) call `load`.
"""

from dataclasses import dataclass

import pycountry
from django.db import transaction
from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Concat

from incidents.interop import geodata, outlines, places
from incidents.models import Location, Outline

Kind = Location.Kind


class UnknownCountry(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    kind: str
    parent_code: str | None
    point: geodata.Point | None = None


@dataclass
class Loaded:
    created: int = 0
    updated: int = 0
    left_out: int = 0  # towns GeoNames places in no division we know
    outlines: int = 0  # province outlines created or changed
    outlines_missing: str = ""  # why none could be read


def load(
    country_codes: list[str], *, towns: bool = False, with_outlines: bool = False
) -> Loaded:
    """Load these countries (all if none) and their divisions, and with `towns`
    their districts and towns, with `with_outlines` the provinces' outlines
    for the map. Importers leave outlines to `load_gazetteer`: reading
    Natural Earth's layer takes a second or two, more than a small import."""
    entries = gazetteer(country_codes)
    loaded = Loaded()
    with transaction.atomic():
        for kind in (Kind.COUNTRY, Kind.ADMIN1):  # parents before children
            level = [entry for entry in entries if entry.kind == kind]
            loaded.created += _create_missing(level)
            loaded.updated += _update_changed(level)
        if towns:
            for entry in entries:
                if entry.kind == Kind.COUNTRY:
                    _load_towns(entry.code, loaded)
        if with_outlines:
            countries = {entry.code for entry in entries if entry.kind == Kind.COUNTRY}
            _load_outlines(countries, loaded)
    return loaded


def search(text: str, locations=None):
    """Locations by name, ISO code or former name (FATA finds Khyber
    Pakhtunkhwa), best first: exact names and codes, then names that start so,
    then the rest; larger units before smaller ones of the same rank."""
    text = text.strip()
    # Codes are stored in capitals, so they are matched by their index; the
    # name's part by the trigram index on PostgreSQL (migration 0013).
    codes = {text.upper()} | places.alias_codes(text)
    rank = Case(
        When(Q(name__iexact=text) | Q(code__in=codes), then=Value(0)),
        When(name__istartswith=text, then=Value(1)),
        default=Value(2),
    )
    found = (Location.objects if locations is None else locations).filter(
        Q(name__icontains=text) | Q(code__in=codes)
    )
    return found.alias(rank=rank).order_by("rank", "depth", "name", "id")


def gazetteer(country_codes: list[str]) -> list[Entry]:
    """The countries asked for (all if none) and their top-level subdivisions.

    Subdivisions nested under another subdivision (GB-LDS under GB-ENG) are
    left out: they are not first-level divisions.
    """
    countries = [_country(code) for code in country_codes] or list(pycountry.countries)
    entries = [
        Entry(
            c.alpha_2,
            getattr(c, "common_name", c.name),
            Kind.COUNTRY,
            None,
            geodata.country_point(c.alpha_2),
        )
        for c in countries
    ]
    for country in countries:
        points = geodata.division_points(country.alpha_2)
        for sub in pycountry.subdivisions.get(country_code=country.alpha_2) or []:
            if sub.parent_code is None:
                entries.append(
                    Entry(
                        sub.code,
                        sub.name,
                        Kind.ADMIN1,
                        country.alpha_2,
                        points.get(sub.code),
                    )
                )
    return entries


def _country(code: str):
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        raise UnknownCountry(f"{code!r} is not an ISO 3166 alpha-2 country code.")
    return country


def _ids(codes) -> dict[str, int]:
    return dict(Location.objects.filter(code__in=codes).values_list("code", "id"))


def _create_missing(entries: list[Entry]) -> int:
    """Insert the entries not yet stored, then set their paths in one UPDATE."""
    existing = _ids([entry.code for entry in entries])
    parents = _ids({entry.parent_code for entry in entries if entry.parent_code})
    new = [
        Location(
            code=entry.code,
            name=entry.name,
            kind=entry.kind,
            parent_id=parents.get(entry.parent_code),
            latitude=entry.point[0] if entry.point else None,
            longitude=entry.point[1] if entry.point else None,
        )
        for entry in entries
        if entry.code not in existing
    ]
    Location.objects.bulk_create(new, batch_size=500)
    if new:
        set_paths(Location.objects.filter(code__in=[loc.code for loc in new]))
    return len(new)


def _load_outlines(countries: set[str], loaded: Loaded) -> None:
    """Store each province's outline; an unchanged one is left as it is."""
    try:
        found = outlines.outlines(countries)
    except outlines.Missing as error:
        loaded.outlines_missing = str(error)
        return
    ids = _ids([outline.code for outline in found])
    fields = ["geometry", "west", "south", "east", "north"]
    stored = {
        row[0]: row[1:]
        for row in Outline.objects.filter(location_id__in=ids.values()).values_list(
            "location_id", *fields
        )
    }
    changed = [
        Outline(
            location_id=ids[outline.code],
            **{field: getattr(outline, field) for field in fields},
        )
        for outline in found
        if outline.code in ids
        and stored.get(ids[outline.code])
        != tuple(getattr(outline, field) for field in fields)
    ]
    for chunk in _chunks(changed, 200):
        Outline.objects.bulk_create(
            chunk,
            update_conflicts=True,
            unique_fields=["location"],
            update_fields=fields,
        )
    loaded.outlines += len(changed)


def _load_towns(country: str, loaded: Loaded) -> None:
    """The country's districts, then its towns under their district (or their
    province where GeoNames names no district)."""
    towns, left_out = geodata.towns(country)
    loaded.left_out += left_out
    provinces = _ids({town.admin1 for town in towns})
    towns = [town for town in towns if town.admin1 in provinces]
    by_district = {}
    for town in towns:
        if town.district:
            by_district.setdefault((provinces[town.admin1], town.district), []).append(
                town
            )
    districts = _create_below(
        Kind.ADMIN2,
        {key: geodata.principal_town(group) for key, group in by_district.items()},
        loaded,
    )
    wanted = {}
    for town in towns:
        province = provinces[town.admin1]
        parent = districts[(province, town.district)] if town.district else province
        wanted.setdefault((parent, town.name), town)
    _create_below(Kind.PLACE, wanted, loaded)


def _create_below(kind: str, wanted: dict, loaded: Loaded) -> dict:
    """Rows of `kind` named under parents, (parent id, name) -> id; the missing
    ones made at their town's point."""
    found = {}
    parents = {parent for parent, _ in wanted}
    for chunk in _chunks(sorted(parents), 5000):
        rows = Location.objects.filter(parent_id__in=chunk, kind=kind)
        for pk, parent, name in rows.values_list("pk", "parent_id", "name"):
            found.setdefault((parent, name), pk)
    new = [
        Location(
            parent_id=parent,
            name=name,
            kind=kind,
            latitude=town.latitude,
            longitude=town.longitude,
        )
        for (parent, name), town in sorted(wanted.items())
        if (parent, name) not in found
    ]
    for chunk in _chunks(new, 5000):
        Location.objects.bulk_create(chunk)
        set_paths(Location.objects.filter(pk__in=[location.pk for location in chunk]))
    loaded.created += len(new)
    found.update(((loc.parent_id, loc.name), loc.pk) for loc in new)
    return found


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def set_paths(rows) -> None:
    """Give new rows of one level (bulk inserted) the path and depth
    `TreeNode.save` would."""
    parent = Location.objects.filter(pk=OuterRef("parent_id"))
    own = Concat(Cast("id", CharField()), Value("/"))
    rows.filter(parent__isnull=True).update(path=Concat(Value("/"), own), depth=0)
    rows.filter(parent__isnull=False).update(
        path=Concat(Subquery(parent.values("path")[:1]), own),
        depth=Subquery(parent.values("depth")[:1]) + 1,
    )


def _update_changed(entries: list[Entry]) -> int:
    """Bring stored rows in line with pycountry; `save()` moves any subtree."""
    stored = Location.objects.in_bulk(
        [entry.code for entry in entries], field_name="code"
    )
    parents = _ids({entry.parent_code for entry in entries if entry.parent_code})
    updated = 0
    for entry in entries:
        location = stored[entry.code]
        wanted = {
            "name": entry.name,
            "kind": entry.kind,
            "parent_id": parents.get(entry.parent_code),
        }
        if entry.point and location.latitude is None:
            wanted["latitude"], wanted["longitude"] = entry.point
        if any(getattr(location, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(location, field, value)
            location.save()
            updated += 1
    return updated
