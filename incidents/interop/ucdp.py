"""UCDP Georeferenced Event Dataset (GED) rows, versions 22.1 and later, read
into `records.Event`s. The mapping is written out in the README ("Importing
UCDP GED"); in short:

- an event is an incident with the dataset's id, its dates and precision
  (`date_prec` 1 day, 2-3 week, 4 month, 5 year), its place (`where_prec` 1
  exact, 2 near, 3 district, 4-5 province, 6-7 country) and both sides as
  parties;
- `low`/`best`/`high` are the all/killed figures; a row where they are out of
  order is stored as the smallest interval that holds all three, with `best`
  as the point, and flagged;
- `deaths_a`/`deaths_b` are the dead of side A/B (security forces for a
  government, militants for an armed group, civilians for UCDP's "Civilians"),
  each naming its party, so both survive when both sides share a group;
  `deaths_civilians` and `deaths_unknown` are civilians and unknown. Their
  intervals are 0 to the event's high: UCDP estimates a range only for the
  event as a whole.
"""

from collections.abc import Iterable, Iterator

from incidents.interop import fields, places
from incidents.interop.fields import choice, coordinate, count, cut, day
from incidents.interop.records import (
    Dataset,
    Event,
    Figure,
    Party,
    Refusal,
)

DATASET = "ucdp-ged"
CLAIMANT = "Uppsala Conflict Data Program (UCDP)"
SOURCE = "UCDP Georeferenced Event Dataset"
UCDP = Dataset(
    slug=DATASET,
    claimant=CLAIMANT,
    source=SOURCE,
    source_url="https://ucdp.uu.se/downloads/",
    aliases=("UCDP",),
)

REQUIRED = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "date_prec",
    "date_start",
    "date_end",
    "where_prec",
    "latitude",
    "longitude",
    "country",
    "adm_1",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "low",
    "high",
)
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
WHERE_PRECISION = {
    "1": "exact",
    "2": "near",
    "3": "district",
    "4": "province",
    "5": "province",
    "6": "country",
    "7": "country",
}
VIOLENCE = {"1": "armed-clash", "2": "armed-clash", "3": "attack"}
VIOLENCE_NAME = {"1": "state-based", "2": "non-state", "3": "one-sided"}
CIVILIANS = "Civilians"  # UCDP's side B of one-sided violence: not a party


def read(lines: Iterable[str]) -> Iterator[Event | Refusal]:
    """Events and refusals, in file order. Raises MissingColumns first."""
    for line, row in fields.rows(lines, REQUIRED):
        if not _is_tag_row(row):
            yield event(row, line)


def _is_tag_row(row: dict) -> bool:
    """HDX's HXL row (`#date+year`, ...) under the header."""
    return not row["id"] and any(value.startswith("#") for value in row.values())


def event(row: dict, line: int) -> Event | Refusal:
    """One row as an event, or why it cannot be one."""
    external_id = row["id"]
    errors: list[str] = []
    if not external_id:
        errors.append("id: empty.")
    numbers = {
        name: count(row[name], name, errors)
        for name in ("best", "low", "high", *DEATHS)
    }
    start = day(row["date_start"], "date_start", errors)
    end = day(row["date_end"], "date_end", errors)
    if start and end and end < start:
        errors.append("date_end: before date_start.")
    date_precision = choice(row["date_prec"], DATE_PRECISION, "date_prec", errors)
    where = choice(row["where_prec"], WHERE_PRECISION, "where_prec", errors)
    kind = choice(row["type_of_violence"], VIOLENCE, "type_of_violence", errors)
    latitude = coordinate(row["latitude"], "latitude", 90, errors)
    longitude = coordinate(row["longitude"], "longitude", 180, errors)
    if (latitude is None) != (longitude is None):
        errors.append("latitude, longitude: give both or neither.")
    if not row["side_a"] or not row["side_b"]:
        errors.append("side_a, side_b: both sides are needed.")
    if errors:
        return Refusal(line, external_id, tuple(errors))

    country = places.country_code(row["country"], row.get("iso3", ""))
    flags = []
    if country is None and row["country"]:
        flags.append(f"country {row['country']!r} is not an ISO 3166 country.")
    admin1 = places.admin1_code(country, row["adm_1"])
    if admin1 is None and row["adm_1"]:
        flags.append(f"adm_1 {row['adm_1']!r} matches no division of {country}.")
    figures, figure_flags = _figures(row, numbers)
    flags += figure_flags
    side_a, side_b = _party(row["side_a"]), _party(row["side_b"])
    where_name = row.get("where_coordinates", "")
    dyad = row.get("dyad_name") or f"{row['side_a']} - {row['side_b']}"
    return Event(
        external_id=external_id,
        title=cut(f"{dyad}: {where_name}" if where_name else dyad, 300),
        summary=_summary(row),
        type=kind,
        start_date=start,
        end_date=None if end == start else end,
        date_precision=date_precision,
        country=country,
        admin1=admin1,
        admin2=places.district_name(row.get("adm_2", "")),
        place=cut(where_name, 200),
        latitude=latitude,
        longitude=longitude,
        location_precision=where,
        parties=tuple(p for p in (side_a, side_b) if p is not None),
        figures=figures,
        report_title=f"UCDP GED event {external_id}",
        report_url=f"https://ucdp.uu.se/event/{external_id}",
        citation=_citation(row),
        flags=tuple(flags),
        line=line,
        row=row,
    )


DEATHS = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")


def _figures(row: dict, n: dict) -> tuple[tuple[Figure, ...], list[str]]:
    low, best, high = n["low"], n["best"], n["high"]
    flags = []
    if low > best:
        flags.append(f"low {low} is above best {best}.")
    if best > high:
        flags.append(f"best {best} is above high {high}.")
    deaths = sum(n[name] for name in DEATHS)
    if deaths != best:
        flags.append(f"best {best} differs from the deaths columns' sum {deaths}.")
    low, high = min(low, best, high), max(low, best, high)
    figures = [
        Figure(
            "all",
            "killed",
            low,
            best,
            high,
            None,
            f"UCDP GED estimate: best {n['best']}, low {n['low']}, high {n['high']}",
        )
    ]
    sides = {"deaths_a": row["side_a"], "deaths_b": row["side_b"]}
    for name in DEATHS:
        dead = n[name]
        if not dead:
            continue
        side = sides.get(name)
        party = _party(side) if side else None
        if name == "deaths_civilians" or side == CIVILIANS:
            group, whose = "civilians", "civilian"
        elif name == "deaths_unknown":
            group, whose = "unknown", "unidentified"
        elif party.kind == "government":
            group, whose = "security-forces", side
        else:
            group, whose = "militants", side
        figures.append(
            Figure(
                group,
                "killed",
                0,
                dead,
                max(high, dead),
                None if party is None else party.name,
                cut(f"UCDP GED best estimate: {dead} {whose} deaths", 500),
            )
        )
    return tuple(figures), flags


def _party(name: str) -> Party | None:
    if not name or name == CIVILIANS:
        return None
    kind = "government" if name.startswith("Government of") else "armed_group"
    return Party(cut(name, 200), kind)


def _summary(row: dict) -> str:
    parts = [row.get("where_description", "")]
    if row.get("conflict_name"):
        violence = VIOLENCE_NAME.get(row["type_of_violence"], "")
        parts.append(f"UCDP conflict: {row['conflict_name']} ({violence} violence).")
    if row.get("adm_1"):
        parts.append(
            f"Place as given: {row['adm_1']}"
            + (f", {row['adm_2']}." if row.get("adm_2") else ".")
        )
    return "\n".join(p for p in parts if p)


def _citation(row: dict) -> str:
    parts = [row.get("source_article", "")]
    if row.get("source_headline"):
        parts.append(f"Headline: {row['source_headline']}")
    if row.get("source_original"):
        parts.append(f"Original source: {row['source_original']}")
    return "\n".join(p for p in parts if p)
