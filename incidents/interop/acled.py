"""ACLED events (the standard export's columns) read into `records.Event`s.
The mapping is in the README ("Importing ACLED"); in short:

- an event is an incident with ACLED's `event_id_cnty`, its date
  (`time_precision` 1 day, 2 week, 3 month) and place (`geo_precision` 1
  exact, 2 district, 3 province), `actor1` and `actor2` as parties;
- `fatalities` is ACLED's conservative figure: the all/killed claim "at least
  N" (low and point N, no upper bound), attributed to ACLED. ACLED does not
  split it by victim group, so neither does the import.
"""

import datetime
from collections.abc import Iterable, Iterator

import pycountry

from incidents.interop import fields, places
from incidents.interop.fields import choice, coordinate, count, cut
from incidents.interop.records import (
    Dataset,
    Event,
    Figure,
    Party,
    Refusal,
)

DATASET = "acled"
CLAIMANT = "Armed Conflict Location & Event Data Project (ACLED)"
SOURCE = "ACLED"
ACLED = Dataset(
    slug=DATASET,
    claimant=CLAIMANT,
    source=SOURCE,
    source_url="https://acleddata.com/",
    aliases=("ACLED",),
)

REQUIRED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
)
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
GEO_PRECISION = {"1": "exact", "2": "district", "3": "province"}
# ACLED's actor types (inter1/inter2): who is a party, and of which kind.
INTER_KIND = {
    "1": "military",  # state forces
    "2": "armed_group",  # rebel groups
    "3": "armed_group",  # political militias
    "4": "armed_group",  # identity militias
    "5": "other",  # rioters
    "6": "other",  # protesters
    "8": "other",  # external / other forces
}
CIVILIANS = "7"
SUB_EVENT_TYPES = {
    "Air/drone strike": "airstrike",
    "Shelling/artillery/missile attack": "airstrike",
    "Suicide bomb": "suicide-attack",
    "Remote explosive/landmine/IED": "bombing",
    "Grenade": "bombing",
    "Abduction/forced disappearance": "abduction",
    "Armed clash": "armed-clash",
    "Attack": "attack",
    "Looting/property destruction": "sabotage",
}
EVENT_TYPES = {
    "Battles": "armed-clash",
    "Explosions/Remote violence": "bombing",
    "Violence against civilians": "attack",
}


def read(lines: Iterable[str]) -> Iterator[Event | Refusal]:
    """Events and refusals, in file order. Raises MissingColumns first."""
    for line, row in fields.rows(lines, REQUIRED):
        yield event(row, line)


def event(row: dict, line: int) -> Event | Refusal:
    external_id = row["event_id_cnty"]
    errors: list[str] = []
    if not external_id:
        errors.append("event_id_cnty: empty.")
    fatalities = count(row["fatalities"], "fatalities", errors)
    when = _date(row["event_date"], errors)
    precision = choice(row["time_precision"], TIME_PRECISION, "time_precision", errors)
    where = choice(row["geo_precision"], GEO_PRECISION, "geo_precision", errors)
    latitude = coordinate(row["latitude"], "latitude", 90, errors)
    longitude = coordinate(row["longitude"], "longitude", 180, errors)
    if (latitude is None) != (longitude is None):
        errors.append("latitude, longitude: give both or neither.")
    if not row["actor1"]:
        errors.append("actor1: empty.")
    if errors:
        return Refusal(line, external_id, tuple(errors))

    country = _country(row)
    flags = []
    if country is None and row["country"]:
        flags.append(f"country {row['country']!r} is not an ISO 3166 country.")
    admin1 = places.admin1_code(country, row["admin1"])
    if admin1 is None and row["admin1"]:
        flags.append(f"admin1 {row['admin1']!r} matches no division of {country}.")
    parties = tuple(
        party
        for party in (
            _party(row["actor1"], row.get("inter1", "")),
            _party(row["actor2"], row.get("inter2", "")),
        )
        if party is not None
    )
    kind = SUB_EVENT_TYPES.get(row["sub_event_type"]) or EVENT_TYPES.get(
        row["event_type"], "other"
    )
    title = f"{row['sub_event_type'] or row['event_type']}: {row['location']}"
    return Event(
        external_id=external_id,
        title=cut(title, 300),
        summary=row.get("notes", ""),
        type=kind,
        start_date=when,
        end_date=None,
        date_precision=precision,
        country=country,
        admin1=admin1,
        admin2=places.district_name(row.get("admin2", "")),
        place=cut(row["location"], 200),
        latitude=latitude,
        longitude=longitude,
        location_precision=where,
        parties=parties,
        figures=(
            Figure(
                "all",
                "killed",
                fatalities,
                fatalities,
                None,
                None,
                f"ACLED fatalities (conservative estimate): {fatalities}",
            ),
        ),
        report_title=f"ACLED event {external_id}",
        report_url="",
        citation=_citation(row),
        flags=tuple(flags),
        line=line,
        row=row,
    )


def _date(text: str, errors: list) -> datetime.date | None:
    """ISO dates, or the "12 May 2023" of older exports."""
    for parse in (
        datetime.date.fromisoformat,
        lambda t: datetime.datetime.strptime(t, "%d %B %Y").date(),
    ):
        try:
            value = parse(text)
        except ValueError:
            continue
        tomorrow = datetime.date.today() + datetime.timedelta(days=1)
        if not datetime.date(1900, 1, 1) <= value <= tomorrow:
            errors.append(f"event_date: {value} is before 1900 or in the future.")
            return None
        return value
    errors.append(f"event_date: {text!r} is not a date.")
    return None


def _country(row: dict) -> str | None:
    """By ISO numeric code (ACLED's `iso`), else by name."""
    numeric = row.get("iso", "")
    if numeric.isdigit():
        country = pycountry.countries.get(numeric=numeric.zfill(3))
        if country is not None:
            return country.alpha_2
    return places.country_code(row["country"])


def _party(name: str, inter: str) -> Party | None:
    if not name or inter == CIVILIANS:
        return None
    return Party(cut(name, 200), INTER_KIND.get(inter, "other"))


def _citation(row: dict) -> str:
    parts = []
    if row.get("source"):
        parts.append(f"Sources: {row['source']}")
    if row.get("source_scale"):
        parts.append(f"Source scale: {row['source_scale']}")
    return "\n".join(parts)
