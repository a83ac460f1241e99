"""Incidents as rows in the layouts of the datasets researchers use
(`?format=ucdp`, `?format=acled` on incidents/), so that a file made here
loads where theirs do, and `import_ucdp` reads it back with the same figures.

Figures are the stored tallies the user may read (published or working); a
party's dead are the counted claims naming it at the incident itself. Rows
are read a chunk at a time: an export of every incident streams.
"""

from collections import defaultdict
from collections.abc import Iterator
from itertools import batched

import pycountry

from casualties import engine
from casualties.models import Claim, Tally, figures_for
from incidents.base import path_ids
from incidents.interop import acled, ucdp
from incidents.models import Incident, IncidentActor, Location

CHUNK = 2000

UCDP_COLUMNS = (
    "id",
    "year",
    "type_of_violence",
    "conflict_name",
    "dyad_name",
    "side_a",
    "side_b",
    "number_of_sources",
    "source_article",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "country",
    "iso3",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
)
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "iso",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)

DATE_PREC = {"day": 1, "week": 2, "month": 4, "year": 5}
WHERE_PREC = {"exact": 1, "near": 2, "district": 3, "province": 4, "country": 6}
TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3}
GEO_PRECISION = {"exact": 1, "near": 1, "district": 2, "province": 3, "country": 3}
ACLED_EVENT_TYPES = {
    "armed-clash": ("Battles", "Armed clash"),
    "bombing": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "suicide-attack": ("Explosions/Remote violence", "Suicide bomb"),
    "airstrike": ("Explosions/Remote violence", "Air/drone strike"),
    "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
    "attack": ("Violence against civilians", "Attack"),
}
ACLED_INTER = {"military": 1, "police": 1, "paramilitary": 1, "armed_group": 3}


class _Chunk:
    """What the rows of one chunk of incidents read, in a fixed number of
    queries: figures, parties, their dead, and the places above each."""

    def __init__(self, incidents: list[Incident], user):
        ids = [incident.pk for incident in incidents]
        scopes = Tally.Scope.covering(figures_for(user))
        self.killed = {
            (t.incident_id, t.group_id): t
            for t in Tally.objects.filter(
                incident_id__in=ids, outcome_id="killed", scope__in=scopes
            ).order_by()
        }
        self.parties: dict[int, list] = defaultdict(list)
        sides = (IncidentActor.Role.PARTY, IncidentActor.Role.PERPETRATOR)
        for role in (
            IncidentActor.objects.filter(incident_id__in=ids, role__in=sides)
            .select_related("actor")
            .order_by("incident_id", "id")
        ):
            self.parties[role.incident_id].append(role.actor)
        self.dead = _party_dead(ids)
        wanted = {
            pk
            for incident in incidents
            if incident.location is not None
            for pk in path_ids(incident.location.path)
        }
        self.places = Location.objects.in_bulk(wanted)

    def areas(self, incident: Incident) -> dict[str, Location]:
        """The location's country, admin1 and admin2 (by kind)."""
        if incident.location is None:
            return {}
        return {
            place.kind: place
            for pk in path_ids(incident.location.path)
            if (place := self.places.get(pk)) is not None
        }

    def best(self, incident: Incident, group: str) -> int:
        tally = self.killed.get((incident.pk, group))
        return 0 if tally is None else tally.best


def _party_dead(ids: list[int]) -> dict[tuple[int, int], int]:
    """(incident, party) -> the points of the counted claims naming that party
    at the incident itself (killed, any group)."""
    claims = Claim.objects.filter(
        incident_id__in=ids, outcome_id="killed", party__isnull=False
    )
    reasons = engine.set_aside(claims)
    dead: dict[tuple[int, int], int] = defaultdict(int)
    for pk, incident, party, low, point in claims.values_list(
        "pk", "incident_id", "party_id", "low", "point"
    ):
        if pk not in reasons:
            dead[(incident, party)] += low if point is None else point
    return dead


def _chunks(incidents, user) -> Iterator[tuple[_Chunk, list[Incident]]]:
    rows = incidents.select_related("location").order_by("start_date", "pk")
    for chunk in batched(rows.iterator(chunk_size=CHUNK), CHUNK):
        yield _Chunk(list(chunk), user), chunk


def ucdp_rows(incidents, user) -> Iterator[dict]:
    """One UCDP GED row per incident (ask for `top_level=true` to have one per
    tree: a whole's figures include its parts')."""
    for chunk, rows in _chunks(incidents, user):
        for incident in rows:
            yield _ucdp_row(incident, chunk)


def _ucdp_row(incident: Incident, chunk: _Chunk) -> dict:
    areas = chunk.areas(incident)
    country = areas.get(Location.Kind.COUNTRY)
    parties = chunk.parties.get(incident.pk, [])[:2]
    side_a = parties[0].name if parties else ""
    side_b = parties[1].name if len(parties) > 1 else ""
    if incident.type_id == "attack" and len(parties) < 2:
        side_b = ucdp.CIVILIANS
    dead = [chunk.dead.get((incident.pk, p.pk), 0) for p in parties]
    dead += [0] * (2 - len(dead))
    total = chunk.killed.get((incident.pk, "all"))
    best = 0 if total is None else total.best
    civilians = chunk.best(incident, "civilians")
    unknown = max(0, best - dead[0] - dead[1] - civilians)
    place = incident.location
    return {
        "id": incident.external_id if incident.dataset == ucdp.DATASET else incident.pk,
        "year": incident.start_date.year,
        "type_of_violence": 3 if side_b == ucdp.CIVILIANS else 1,
        "conflict_name": "",
        "dyad_name": f"{side_a} - {side_b}" if side_a and side_b else side_a,
        "side_a": side_a,
        "side_b": side_b,
        "number_of_sources": "",
        "source_article": "",
        "where_prec": WHERE_PREC.get(incident.location_precision, 6),
        "where_coordinates": "" if place is None else place.name,
        "where_description": incident.summary.split("\n", 1)[0],
        "adm_1": _name(areas.get(Location.Kind.ADMIN1)),
        "adm_2": _name(areas.get(Location.Kind.ADMIN2)),
        "latitude": None if place is None else place.latitude,
        "longitude": None if place is None else place.longitude,
        "country": _name(country),
        "iso3": _iso3(country),
        "date_prec": DATE_PREC.get(incident.date_precision, 1),
        "date_start": incident.start_date,
        "date_end": incident.end_date or incident.start_date,
        "deaths_a": dead[0],
        "deaths_b": dead[1],
        "deaths_civilians": civilians,
        "deaths_unknown": unknown,
        "best": best,
        "high": best if total is None or total.high is None else total.high,
        "low": 0 if total is None else total.low,
    }


def acled_rows(incidents, user) -> Iterator[dict]:
    """One ACLED row per incident; `fatalities` is the all/killed low (ACLED
    codes the conservative figure)."""
    for chunk, rows in _chunks(incidents, user):
        for incident in rows:
            yield _acled_row(incident, chunk)


def _acled_row(incident: Incident, chunk: _Chunk) -> dict:
    areas = chunk.areas(incident)
    country = areas.get(Location.Kind.COUNTRY)
    parties = chunk.parties.get(incident.pk, [])[:2] + [None, None]
    event_type, sub_event_type = ACLED_EVENT_TYPES.get(
        incident.type_id, ("Strategic developments", "Other")
    )
    total = chunk.killed.get((incident.pk, "all"))
    place = incident.location
    numeric = _numeric(country)
    return {
        "event_id_cnty": incident.external_id
        if incident.dataset == acled.DATASET
        else incident.pk,
        "event_date": incident.start_date,
        "year": incident.start_date.year,
        "time_precision": TIME_PRECISION.get(incident.date_precision, 1),
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": _name(parties[0]),
        "inter1": _inter(parties[0]),
        "actor2": _name(parties[1]),
        "inter2": _inter(parties[1]),
        "iso": numeric,
        "country": _name(country),
        "admin1": _name(areas.get(Location.Kind.ADMIN1)),
        "admin2": _name(areas.get(Location.Kind.ADMIN2)),
        "location": "" if place is None else place.name,
        "latitude": None if place is None else place.latitude,
        "longitude": None if place is None else place.longitude,
        "geo_precision": GEO_PRECISION.get(incident.location_precision, 3),
        "source": "",
        "notes": incident.summary,
        "fatalities": 0 if total is None else total.low,
    }


def _name(row) -> str:
    return "" if row is None else row.name


def _iso3(country: Location | None) -> str:
    found = country and pycountry.countries.get(alpha_2=country.code or "")
    return found.alpha_3 if found else ""


def _numeric(country: Location | None) -> str:
    found = country and pycountry.countries.get(alpha_2=country.code or "")
    return str(int(found.numeric)) if found else ""


def _inter(actor) -> str:
    return "" if actor is None else str(ACLED_INTER.get(actor.kind, 8))
