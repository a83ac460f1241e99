"""The import service: events read from a dataset (records.Event) become
incidents, parties, reports and claims, a batch of rows per transaction.

Every importer and every door (the commands, the web upload) runs this one
function. New events are written in bulk, with history rows, and their tallies
built by the engine's whole-tree rebuild; an event whose row changed since the
last import goes through the ordinary write services, so its figures are
superseded, never overwritten. A batch commits whole with the import records
that name its rows, so a killed run leaves whole events behind and a rerun
finds them unchanged.
"""

from collections.abc import Callable, Iterable
from itertools import chain, islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from casualties import engine
from casualties import services as claim_services
from casualties.models import (
    Claim,
    ClaimReport,
    Outcome,
    Tally,
    TallyChange,
    VictimGroup,
)
from core import bulk
from core.validators import no_markup
from incidents import gazetteer, services
from incidents.base import service_write
from incidents.interop.records import BadFile, Dataset, Event, Refusal
from incidents.models import (
    Actor,
    ImportRecord,
    ImportRun,
    Incident,
    IncidentActor,
    IncidentType,
    Location,
)
from sources.models import Report, Source

BATCH_SIZE = 1000
# An import of this many events (each about ten rows: the incident, its claims,
# report, links, tallies and their history) refreshes the statistics after.
ANALYZE_AFTER_EVENTS = 1000

Kind = Location.Kind


def import_events(
    *,
    dataset: Dataset,
    items: Iterable[Event | Refusal],
    file_name: str,
    user=None,
    status: str = Incident.Status.PUBLISHED,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    run: ImportRun | None = None,
) -> ImportRun:
    """Import the events of one file; returns the run with its summary.

    `items` is a parser's output; a parser raises MissingColumns before its
    first item, so a file the importer cannot read writes nothing at all
    (not even the run, unless the caller made it: a web upload's). A file
    that breaks further on (BadFile) keeps the batches before the break, and
    the run says where it failed. `progress(rows)` is called after each batch.
    """
    items = iter(items)
    try:
        first = list(islice(items, 1))  # the header is checked here
    except BadFile as error:
        if run is not None:
            _failed(run, error)
        raise
    if run is None:
        run = ImportRun(dataset=dataset.slug, file_name=file_name[-300:], user=user)
    run.status = ImportRun.Status.RUNNING
    run.save()
    names = _Names(dataset, user)
    seen: dict[str, int] = {}
    parents: dict[str, Event] = {}  # event id -> the event, for those in a tree
    broken = None

    def flush(batch):
        with service_write(), transaction.atomic():
            events = _import_batch(batch, run, names, seen, user=user, status=status)
            parents.update((e.external_id, e) for e in events if e.parent)
            run.save()
        if progress is not None:
            progress(run.rows)

    batch, rows = [], chain(first, items)
    while True:
        try:
            batch.append(next(rows))
        except StopIteration:
            break
        except BadFile as error:  # every row before the break is imported
            broken = error
            break
        if len(batch) == batch_size:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    if broken is not None:
        _failed(run, broken)
        raise broken
    _link_parents(parents, run, user=user)
    if run.created + run.updated >= ANALYZE_AFTER_EVENTS:
        bulk.analyze(Incident, Claim, ClaimReport, Report, Tally, TallyChange)
    run.status = ImportRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def _failed(run: ImportRun, error: Exception) -> None:
    run.status = ImportRun.Status.FAILED
    run.error = str(error)
    run.finished_at = timezone.now()
    run.save()


def _import_batch(batch, run: ImportRun, names, seen: dict, *, user, status):
    events = []
    for item in batch:
        run.rows += 1
        if isinstance(item, Refusal):
            run.refused.append(_said(item.line, item.external_id, item.reasons))
            continue
        if item.external_id in seen:
            reason = f"id {item.external_id} is also on line {seen[item.external_id]}."
            run.refused.append(_said(item.line, item.external_id, [reason]))
            continue
        problems = _refusals(item) + _unknown_terms(item, names)
        if problems:
            run.refused.append(_said(item.line, item.external_id, problems))
            continue
        seen[item.external_id] = item.line
        events.append(item)
    records = {
        record.external_id: record
        for record in ImportRecord.objects.filter(
            dataset=run.dataset, external_id__in=[e.external_id for e in events]
        )
    }
    new = [e for e in events if e.external_id not in records]
    changed = [
        e
        for e in events
        if e.external_id in records and records[e.external_id].digest != e.digest
    ]
    run.unchanged += len(events) - len(new) - len(changed)
    names.prepare(new + changed)
    if new:
        _create(new, run, names, user=user, status=status)
    for event in changed:
        _update(event, records[event.external_id], run, names, user=user)
    run.created += len(new)
    run.updated += len(changed)
    run.flagged.extend(
        _said(e.line, e.external_id, e.flags) for e in new + changed if e.flags
    )
    return events


def _link_parents(events: dict[str, Event], run: ImportRun, *, user) -> None:
    """Put each event under the event it is part of, once every row is in (a
    parent may come after its parts in the file). Each move goes through the
    incident service, which rebuilds the trees' figures; an event already in
    place is left alone, so a rerun after a kill finishes the job."""
    if not events:
        return
    wanted = set(events) | {e.parent for e in events.values()}
    incidents = {
        incident.external_id: incident
        for incident in Incident.objects.filter(
            dataset=run.dataset, external_id__in=wanted
        )
    }
    for external_id, event in events.items():
        child, parent = incidents.get(external_id), incidents.get(event.parent)
        if child is None:
            continue  # refused: said already
        if parent is None:
            reason = (
                f"parent {event.parent} is in neither this file nor an earlier import."
            )
        elif child.parent_id == parent.pk:
            continue
        else:
            try:
                services.update_incident(incident=child, user=user, parent=parent)
                continue
            except ValidationError as error:
                reason = f"parent {event.parent}: " + " ".join(error.messages)
        run.flagged.append(_said(event.line, external_id, [reason]))
    run.save(update_fields=["flagged"])


def _said(line: int, external_id: str, reasons) -> dict:
    return {"line": line, "id": external_id, "reasons": list(reasons)}


def _refusals(event: Event) -> list[str]:
    """Markup in the text an incident takes, or a NUL anywhere in the row: the
    same refusals as every other door's."""
    problems = []
    nul = sorted(name for name, value in event.row.items() if "\x00" in value)
    if nul:
        problems.append(f"{', '.join(nul)}: a NUL character is not text.")
    for name in ("title", "summary", "place", "citation"):
        try:
            no_markup(getattr(event, name))
        except ValidationError as error:
            problems.extend(f"{name}: {message}" for message in error.messages)
    return problems


def _unknown_terms(event: Event, names: "_Names") -> list[str]:
    """Victim groups, outcomes and incident types this database does not have
    (a file from another tracker may use its own)."""
    taxonomy = names.taxonomy()
    problems = [
        f"{figure.group}/{figure.outcome}: no such victim group and outcome here."
        for figure in event.figures
        if figure.group not in taxonomy["groups"]
        or figure.outcome not in taxonomy["outcomes"]
    ]
    if event.type not in taxonomy["types"]:
        problems.append(f"type: {event.type!r} is not an incident type here.")
    return problems


# --- what events refer to: parties, the dataset, places --------------------------


class _Names:
    """Actors, the dataset's source and places by name, created the first time
    an event needs them and remembered for the rest of the run."""

    def __init__(self, dataset: Dataset, user):
        self.dataset, self.user = dataset, user
        self.actors: dict[str, int] = {}
        self.locations: dict[tuple, int] = {}  # (code,) or (parent, name)
        self.where: dict[str, int | None] = {}  # event id -> its location
        self.claimant_id = None
        self.source_id = None
        self._taxonomy: dict[str, set[str]] | None = None

    def taxonomy(self) -> dict[str, set[str]]:
        if self._taxonomy is None:
            self._taxonomy = {
                "groups": set(VictimGroup.objects.values_list("slug", flat=True)),
                "outcomes": set(Outcome.objects.values_list("slug", flat=True)),
                "types": set(IncidentType.objects.values_list("slug", flat=True)),
            }
        return self._taxonomy

    def prepare(self, events: list[Event]) -> None:
        if self.claimant_id is None:
            self.claimant_id = self._actors(
                {self.dataset.claimant: Actor.Kind.OTHER},
                aliases={self.dataset.claimant: list(self.dataset.aliases)},
            )[self.dataset.claimant]
            self.source_id = self._source()
        parties = {p.name: p.kind for e in events for p in e.parties}
        self._actors({n: k for n, k in parties.items() if n not in self.actors})
        self._places(events)

    def _actors(self, kinds: dict[str, str], aliases=None) -> dict[str, int]:
        if not kinds:
            return {}
        found = dict(Actor.objects.filter(name__in=kinds).values_list("name", "id"))
        missing = [
            Actor(name=name, kind=kind, aliases=(aliases or {}).get(name, []))
            for name, kind in kinds.items()
            if name not in found
        ]
        bulk.insert(missing, user=self.user)
        found |= {actor.name: actor.pk for actor in missing}
        self.actors |= found
        return found

    def _source(self) -> int:
        source = Source.objects.filter(name=self.dataset.source).first()
        if source is None:
            source = Source(
                name=self.dataset.source,
                kind=Source.Kind.NGO,
                url=self.dataset.source_url,
            )
            source._history_user = self.user
            source.save()
        return source.pk

    # Places: the country and its divisions from the gazetteer, districts and
    # places created under them as events name them.

    def _places(self, events: list[Event]) -> None:
        countries = {e.country for e in events if e.country}
        known = set(
            Location.objects.filter(code__in=countries).values_list("code", flat=True)
        )
        if countries - known:
            gazetteer.load(sorted(countries - known))
        codes = countries | {e.admin1 for e in events if e.admin1}
        by_code = dict(
            Location.objects.filter(code__in=codes).values_list("code", "id")
        )
        for code, pk in by_code.items():
            self.locations[(code,)] = pk
        self._points(events, by_code)
        districts = {
            (self.locations[_division(e)], e.admin2): e
            for e in events
            if e.admin2 and _division(e) in self.locations
        }
        self._below(districts, Kind.ADMIN2)
        places = {}
        for e in events:
            if e.location_precision in ("exact", "near") and e.place:
                parent = self._parent_of_place(e)
                if parent is not None:
                    places[(parent, e.place)] = e
        self._below(places, Kind.PLACE)
        for e in events:
            self.where[e.external_id] = _where(e, self)

    def _parent_of_place(self, e: Event) -> int | None:
        division = self.locations.get(_division(e))
        if division is None:
            return None
        return (
            self.locations.get((division, e.admin2), division) if e.admin2 else division
        )

    def _below(self, wanted: dict[tuple[int, str], Event], kind: str) -> None:
        """Locations of `kind` named under parents; made where missing, with the
        first event's coordinates as their point."""
        missing = {key for key in wanted if key not in self.locations}
        if not missing:
            return
        parents = {parent for parent, _ in missing}
        for pk, parent, name in Location.objects.filter(
            parent_id__in=parents, kind=kind, name__in={n for _, n in missing}
        ).values_list("pk", "parent_id", "name"):
            self.locations.setdefault((parent, name), pk)
        new = []
        for key in sorted(k for k in missing if k not in self.locations):
            event = wanted[key]
            new.append(
                Location(
                    parent_id=key[0],
                    name=key[1][:200],
                    kind=kind,
                    latitude=event.latitude,
                    longitude=event.longitude,
                )
            )
        if not new:
            return
        Location.objects.bulk_create(new)
        made = Location.objects.filter(pk__in=[location.pk for location in new])
        gazetteer.set_paths(made)  # then the history rows hold the paths
        get_history_manager_for_model(Location).bulk_history_create(
            list(made), batch_size=500, default_user=self.user
        )
        for location in new:
            self.locations[(location.parent_id, location.name)] = location.pk

    def _points(self, events: list[Event], by_code: dict[str, int]) -> None:
        """A division or country without coordinates takes those UCDP gives
        for an event located at that level (its representative point)."""
        points = {}
        for e in events:
            if e.latitude is None:
                continue
            if e.location_precision == "province" and e.admin1:
                points.setdefault(by_code.get(e.admin1), (e.latitude, e.longitude))
            elif e.location_precision == "country" and e.country:
                points.setdefault(by_code.get(e.country), (e.latitude, e.longitude))
        points.pop(None, None)
        for location in Location.objects.filter(pk__in=points, latitude__isnull=True):
            location.latitude, location.longitude = points[location.pk]
            location._history_user = self.user
            location.save()


def _division(e: Event) -> tuple:
    return (e.admin1,) if e.admin1 else (e.country,)


# --- new events, in bulk -----------------------------------------------------------


def _create(events: list[Event], run: ImportRun, names: _Names, *, user, status):
    """New events in bulk: rows as values (core.bulk.insert_rows), each table
    in one COPY with its history on PostgreSQL, then the trees' tallies."""
    reason = f"Imported from {run.file_name}"
    user_id = getattr(user, "pk", None)
    ids = _insert_trees(
        [_incident(e, names, user_id, status) for e in events], user, reason
    )
    bulk.insert_rows(
        IncidentActor,
        [
            {"incident_id": pk, "actor_id": names.actors[p.name], "role": "party"}
            for pk, e in zip(ids, events, strict=True)
            for p in e.parties
        ],
        user=user,
        reason=reason,
    )
    report_ids = bulk.insert_rows(
        Report,
        [_report(e, names, user_id) for e in events],
        user=user,
        reason=reason,
    )
    claims, links = [], []
    for pk, report_id, e in zip(ids, report_ids, events, strict=True):
        for figure in e.figures:
            claims.append(_claim_fields(figure, pk, names) | {"created_by_id": user_id})
            links.append(report_id)
    claim_ids = bulk.insert_rows(Claim, claims, user=user, reason=reason)
    bulk.insert_rows(
        ClaimReport,
        [
            {"claim_id": claim_id, "report_id": report_id}
            for claim_id, report_id in zip(claim_ids, links, strict=True)
        ],
        user=user,
        reason=reason,
    )
    bulk.insert_rows(
        ImportRecord,
        [
            {
                "dataset": run.dataset,
                "external_id": e.external_id,
                "incident_id": pk,
                "digest": e.digest,
                "row": e.row,
                "flags": list(e.flags),
                "run_id": run.pk,
            }
            for pk, e in zip(ids, events, strict=True)
        ],
        history=False,
    )
    cause = engine.Cause(TallyChange.Cause.IMPORT, run.pk, user_id)
    engine.rebuild_trees(ids, cause=cause)


def _insert_trees(rows: list[dict], user, reason: str) -> list[int]:
    """New top-level incidents, each a tree of its own, with what
    `stamp_subtree` would set (path, root, standing) in the rows inserted;
    returns their ids."""
    if bulk.copies(len(rows)):
        ids = bulk.new_ids(Incident, len(rows))
        for row, pk in zip(rows, ids, strict=True):
            row |= {"id": pk, "path": f"/{pk}/", "depth": 0, "root_id": pk}
            row["effective_status"] = row["status"]
        bulk.insert_rows(Incident, rows, user=user, reason=reason)
        return ids
    incidents = [Incident(**row) for row in rows]
    Incident.objects.bulk_create(incidents, batch_size=500)
    Incident.objects.filter(pk__in=[incident.pk for incident in incidents]).update(
        path=Concat(Value("/"), Cast("id", CharField()), Value("/")),
        depth=0,
        root_id=F("id"),
        effective_status=F("status"),
    )
    for incident in incidents:
        incident.path, incident.depth = f"/{incident.pk}/", 0
        incident.root_id, incident.effective_status = incident.pk, incident.status
    get_history_manager_for_model(Incident).bulk_history_create(
        incidents, batch_size=500, default_user=user, default_change_reason=reason
    )
    return [incident.pk for incident in incidents]


def _where(e: Event, names: _Names) -> int | None:
    division = names.locations.get(_division(e))
    if e.location_precision in ("exact", "near") and e.place:
        parent = names._parent_of_place(e)
        if parent is not None and (parent, e.place) in names.locations:
            return names.locations[(parent, e.place)]
    if e.location_precision in ("exact", "near", "district") and e.admin2:
        if (division, e.admin2) in names.locations:
            return names.locations[(division, e.admin2)]
    if e.location_precision != "country" and division is not None:
        return division
    return names.locations.get((e.country,))


def _precision(e: Event, location_id: int | None, names: _Names) -> str:
    """The precision the incident's location has: coarser where the place the
    row names could not be matched."""
    if location_id is None:
        return Incident.LocationPrecision.COUNTRY
    if location_id == names.locations.get((e.country,)):
        return Incident.LocationPrecision.COUNTRY
    if e.admin1 and location_id == names.locations.get((e.admin1,)):
        if e.location_precision in ("exact", "near", "district"):
            return Incident.LocationPrecision.PROVINCE
    return e.location_precision


def _incident_fields(e: Event, names: _Names) -> dict:
    location = names.where.get(e.external_id)
    return {
        "title": e.title,
        "summary": e.summary,
        "type_id": e.type,
        "start_date": e.start_date,
        "end_date": e.end_date,
        "date_precision": e.date_precision,
        "location_id": location,
        "location_precision": _precision(e, location, names),
    }


def _incident(e: Event, names: _Names, user_id, status) -> dict:
    return _incident_fields(e, names) | {
        "status": status,
        "created_by_id": user_id,
        "dataset": names.dataset.slug,
        "external_id": e.external_id,
    }


def _report(e: Event, names: _Names, user_id) -> dict:
    return {
        "source_id": names.source_id,
        "url": e.report_url,
        "title": e.report_title,
        "excerpt": e.citation,
        "created_by_id": user_id,
    }


def _claim_fields(figure, incident_id: int, names: _Names) -> dict:
    """A figure as the claim it is: the dataset's, an independent side's."""
    return {
        "incident_id": incident_id,
        "claimant_id": names.claimant_id,
        "side_id": "independent",
        "party_id": None if figure.party is None else names.actors[figure.party],
        "group_id": figure.group,
        "outcome_id": figure.outcome,
        "low": figure.low,
        "point": figure.point,
        "high": figure.high,
        "wording": figure.wording,
    }


# --- changed events, through the write services -----------------------------------


def _update(e: Event, record: ImportRecord, run: ImportRun, names: _Names, *, user):
    """A row that changed since its last import: the incident is edited and
    each changed figure superseded (a figure no longer given is retracted)."""
    incident = Incident.objects.get(pk=record.incident_id)
    wanted = _incident_fields(e, names)
    # The write service takes relations by id (`type_id`), as importers hold them.
    changes = {
        name: value
        for name, value in wanted.items()
        if getattr(incident, name) != value
    }
    if changes:
        incident = services.update_incident(incident=incident, user=user, **changes)
    roles = [{"actor_id": names.actors[p.name], "role": "party"} for p in e.parties]
    others = [
        {"actor_id": r.actor_id, "role": r.role}
        for r in incident.actor_roles.exclude(role="party")
    ]
    services.set_incident_rows(incident=incident, user=user, actor_roles=others + roles)
    report = Report.objects.filter(
        claims__incident=incident, source_id=names.source_id
    ).first()
    if report is not None and report.excerpt != e.citation:
        report.excerpt = e.citation
        report._history_user = user
        report.save()
    _supersede(e, incident, report, names, user=user, reason=run.file_name)
    record.digest, record.row, record.flags, record.run = (
        e.digest,
        e.row,
        list(e.flags),
        run,
    )
    record.save()


def _supersede(e: Event, incident, report, names: _Names, *, user, reason: str):
    live = {}
    for claim in Claim.objects.filter(
        incident=incident, claimant_id=names.claimant_id, retracted_at__isnull=True
    ).order_by("id"):
        live[(claim.group_id, claim.outcome_id, claim.party_id)] = claim
    superseded = set(
        Claim.objects.filter(supersedes__in=live.values()).values_list(
            "supersedes_id", flat=True
        )
    )
    live = {k: c for k, c in live.items() if c.pk not in superseded}
    reports = [report] if report is not None else []
    for figure in e.figures:
        party = None if figure.party is None else names.actors[figure.party]
        key = (figure.group, figure.outcome, party)
        old = live.pop(key, None)
        values = (figure.low, figure.point, figure.high, figure.wording)
        if old is not None and (old.low, old.point, old.high, old.wording) == values:
            continue
        claim_services.create_claim(
            user=user,
            reports=reports,
            supersedes=old,
            **_claim_fields(figure, incident.pk, names),
        )
    for old in live.values():
        claim_services.retract_claim(
            claim=old, user=user, reason=f"Not in {reason} any more."
        )
