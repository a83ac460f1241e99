"""Countries and their first-level subdivisions from pycountry.

The top two levels of the gazetteer come from ISO 3166 as pycountry maintains
it, never typed in (SPEC section 2). Rows are matched by code, so a second run
changes nothing. New rows go in by bulk insert and get their materialised
path from one UPDATE per level, which loads the whole world in seconds where
5,000 `Location.save()` calls would take minutes. `load_gazetteer` and the
importers (which load a country the first time one of its events arrives)
call `load`.
"""

from dataclasses import dataclass

import pycountry
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

from incidents.models import Location

Kind = Location.Kind


class UnknownCountry(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    kind: str
    parent_code: str | None


def load(country_codes: list[str]) -> tuple[int, int]:
    """Load these countries (all if none) and their divisions: (created, updated)."""
    entries = gazetteer(country_codes)
    with transaction.atomic():
        created, updated = 0, 0
        for kind in (Kind.COUNTRY, Kind.ADMIN1):  # parents before children
            level = [entry for entry in entries if entry.kind == kind]
            created += _create_missing(level)
            updated += _update_changed(level)
    return created, updated


def gazetteer(country_codes: list[str]) -> list[Entry]:
    """The countries asked for (all if none) and their top-level subdivisions.

    Subdivisions nested under another subdivision (GB-LDS under GB-ENG) are
    left out: they are not first-level divisions.
    """
    countries = [_country(code) for code in country_codes] or list(pycountry.countries)
    entries = [
        Entry(c.alpha_2, getattr(c, "common_name", c.name), Kind.COUNTRY, None)
        for c in countries
    ]
    for country in countries:
        for sub in pycountry.subdivisions.get(country_code=country.alpha_2) or []:
            if sub.parent_code is None:
                entries.append(Entry(sub.code, sub.name, Kind.ADMIN1, country.alpha_2))
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
        )
        for entry in entries
        if entry.code not in existing
    ]
    Location.objects.bulk_create(new, batch_size=500)
    if new:
        set_paths(Location.objects.filter(code__in=[loc.code for loc in new]))
    return len(new)


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
        if any(getattr(location, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(location, field, value)
            location.save()
            updated += 1
    return updated
