"""Our own incident CSV export (`incidents/?format=csv`) read back into
`records.Event`s, so that one team's tracker can load another's. The mapping
is in the README ("Importing our own CSV"); in short:

- a row is an incident with the exporting tracker's id as its external id, its
  date and precision, its place (country, province by name, the place itself)
  and its parent, which the import links once every row is in;
- the row's figures are the exporting tracker's reconciled tallies: each
  (group, outcome) with a low becomes one claim by the file's publisher, low
  and best as given, an empty high open-ended. A whole's figure includes its
  parts, which reconciliation never adds again (parts are lower bounds), so
  the figures come back as they were exported.
"""

import re
from collections.abc import Iterable, Iterator

from incidents.interop import fields, places
from incidents.interop.fields import choice, coordinate, count, cut, day
from incidents.interop.records import Dataset, Event, Figure, Refusal
from incidents.models import Incident

DATASET = "tracker"
SOURCE = "Incident tracker export"
TRACKER = Dataset(slug=DATASET, claimant=SOURCE, source=SOURCE, source_url="")

REQUIRED = (
    "id",
    "title",
    "type",
    "start_date",
    "date_precision",
    "location_precision",
    "killed_low",
    "killed_best",
    "killed_high",
)
OUTCOMES = ("killed", "injured")
# `killed_low` is group all's figure; `civilians_killed_low` a headline group's.
FIGURE_COLUMN = re.compile(
    rf"^(?:(?P<group>[a-z0-9-]+)_)?(?P<outcome>{'|'.join(OUTCOMES)})_low$"
)
DATE_PRECISION = {value: value for value in Incident.DatePrecision.values}
LOCATION_PRECISION = {value: value for value in Incident.LocationPrecision.values}


def read(lines: Iterable[str]) -> Iterator[Event | Refusal]:
    """Events and refusals, in file order. Raises MissingColumns first."""
    for line, row in fields.rows(lines, REQUIRED):
        yield event(row, line)


def event(row: dict, line: int) -> Event | Refusal:
    external_id = row["id"]
    errors: list[str] = []
    if not external_id:
        errors.append("id: empty.")
    if row.get("status") == Incident.Status.RETRACTED:
        errors.append("status: a retracted incident is not imported.")
    start = day(row["start_date"], "start_date", errors)
    end = day(row["end_date"], "end_date", errors) if row.get("end_date") else None
    date_precision = choice(
        row["date_precision"], DATE_PRECISION, "date_precision", errors
    )
    location_precision = choice(
        row["location_precision"], LOCATION_PRECISION, "location_precision", errors
    )
    latitude = coordinate(row.get("latitude", ""), "latitude", 90, errors)
    longitude = coordinate(row.get("longitude", ""), "longitude", 180, errors)
    if (latitude is None) != (longitude is None):
        errors.append("latitude, longitude: give both or neither.")
    if not row["title"]:
        errors.append("title: empty.")
    figures = _figures(row, errors)
    if errors:
        return Refusal(line, external_id, tuple(errors))

    flags = []
    country = places.country_code(row.get("country_code", ""))
    if country is None and row.get("country_code"):
        flags.append(
            f"country_code {row['country_code']!r} is not an ISO 3166 country."
        )
    admin1 = places.admin1_code(country, row.get("admin1", ""))
    if admin1 is None and row.get("admin1"):
        flags.append(f"admin1 {row['admin1']!r} matches no division of {country}.")
    name = cut(row.get("location_name", ""), 200)
    return Event(
        external_id=external_id,
        title=cut(row["title"], 300),
        summary=row.get("summary", ""),
        type=row["type"],
        start_date=start,
        end_date=end,
        date_precision=date_precision,
        country=country,
        admin1=admin1,
        admin2=name if location_precision == "district" else "",
        place=name if location_precision in ("exact", "near") else "",
        latitude=latitude,
        longitude=longitude,
        location_precision=location_precision,
        parties=(),
        figures=figures,
        report_title=f"{SOURCE}: incident {external_id}",
        report_url="",
        citation="",
        flags=tuple(flags),
        parent=row.get("parent", ""),
        line=line,
        row=row,
    )


def _figures(row: dict, errors: list) -> tuple[Figure, ...]:
    figures = []
    for column in row:
        match = FIGURE_COLUMN.match(column)
        if match is None or not row[column]:
            continue
        group, outcome = match["group"] or "all", match["outcome"]
        stem = column.removesuffix("_low")
        low = count(row[column], column, errors)
        best = count(row.get(f"{stem}_best") or row[column], f"{stem}_best", errors)
        high_text = row.get(f"{stem}_high", "")
        high = count(high_text, f"{stem}_high", errors) if high_text else None
        if errors:
            continue
        if not low <= best <= (best if high is None else high):
            errors.append(
                f"{stem}: low {low}, best {best}, high {high} are not in order."
            )
            continue
        figures.append(
            Figure(
                group,
                outcome,
                low,
                best,
                high,
                None,
                f"{stem}: low {low}, best {best}, high {_open(high)}",
            )
        )
    return tuple(figures)


def _open(high: int | None) -> str:
    return "open" if high is None else str(high)
