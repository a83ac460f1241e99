"""What an importer reads a source row into, whatever the dataset: plain data
that `load` writes. Parsers (ucdp.py) know the datasets' columns; `load` knows
the database; this module is the contract between them."""

import datetime
import hashlib
import json
from dataclasses import dataclass, field


class BadFile(ValueError):
    """The file cannot be read on (a NUL byte, a broken quote): the batches
    before it stand, the run ends failed, and the message says where."""


class MissingColumns(BadFile):
    """The file lacks columns the importer needs: nothing is written."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(f"Missing required columns: {', '.join(missing)}.")


@dataclass(frozen=True)
class Dataset:
    """Who an importer's figures are attributed to: the dataset is the
    claimant (an independent side) and its publication the report's source."""

    slug: str
    claimant: str
    source: str
    source_url: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Party:
    name: str
    kind: str  # an Actor.Kind value


@dataclass(frozen=True)
class Figure:
    """One claim: the dataset's figure for one victim group (and party)."""

    group: str
    outcome: str
    low: int
    point: int
    high: int | None  # None: open-ended ("at least")
    party: str | None  # the Party's name, when the figure is that party's dead
    wording: str


@dataclass(frozen=True)
class Event:
    external_id: str
    title: str
    summary: str
    type: str  # an IncidentType slug
    start_date: datetime.date
    end_date: datetime.date | None
    date_precision: str  # an Incident.DatePrecision value
    country: str | None  # ISO alpha-2
    admin1: str | None  # ISO 3166-2
    admin2: str
    place: str
    latitude: float | None
    longitude: float | None
    location_precision: str  # an Incident.LocationPrecision value
    parties: tuple[Party, ...]
    figures: tuple[Figure, ...]
    report_title: str
    report_url: str
    citation: str  # the row's own sources, for the report's excerpt
    flags: tuple[str, ...] = ()
    parent: str = ""  # the external id of the event it is part of, if any
    # Not part of what the event says: where it was read, and the row as given.
    line: int = field(default=0, compare=False)
    row: dict = field(default_factory=dict, compare=False)

    @property
    def digest(self) -> str:
        """Changes when anything imported from the row changes (not the line).

        The same text `asdict` gives (its deep copy of the row cost a quarter
        of a second per thousand events): digests stored by earlier imports
        still match."""
        data = {
            name: value
            for name, value in vars(self).items()
            if name not in ("line", "row")
        }
        data["parties"] = [vars(party) for party in self.parties]
        data["figures"] = [vars(figure) for figure in self.figures]
        if not data["parent"]:  # as digests were before events had parents
            data.pop("parent")
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Refusal:
    line: int
    external_id: str
    reasons: tuple[str, ...]
