"""The history of a record and of everything recorded about it, as one feed.

An incident's feed holds its own changes, those of its claims, of the reports
its claims were read in, of the editors' reviews of its tallies and of the
tallies themselves (each with the write that caused it). Claims, reports and
sources have feeds of their own. The API's history endpoints and the incident
page read the same feed, so they cannot tell two stories.

A page of the feed is one UNION query over the history tables (newest first),
then two queries per kind of record on the page (the rows, and the rows
before them for the differences), then one per kind of name shown: a fixed
number of queries however long the history.

Values are told in words: a place, an actor or a victim group by its name,
a choice by its label, never an id. Researchers (the published figures) see
only what is published: no retracted claim or report, and only the tally
changes of the published figures.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.fields import CharField

from casualties.models import (
    PUBLISHED,
    Claim,
    ClaimReport,
    Tally,
    TallyChange,
    TallyReview,
    figures_for,
)
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    Location,
    ResponsibilityClaim,
    Target,
)
from sources.models import Report, Source

# Bookkeeping that changes on every save and says nothing to a reader.
UNTOLD_FIELDS = {
    "version",
    "updated_at",
    "created_at",
    "path",
    "depth",
    "root",
    "effective_status",
    "created_by",
}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
TALLY_FIELDS = ("low", "best", "high", "status", "disputed", "unattributed", "claims")


@dataclass
class FieldChange:
    field: str  # the model field's name
    label: str  # its name for people
    old: str | None
    new: str | None


@dataclass
class Entry:
    """One change: when, by whom, to which record, and what changed."""

    at: datetime.datetime
    user: str | None
    record: str  # incident, claim, report, source, review or tally
    object_id: int
    label: str
    action: str  # created, changed, deleted (a tally: created, changed, removed)
    changes: list[FieldChange] = field(default_factory=list)
    cause: str = ""  # a tally change: the write that caused it


# --- what a feed holds ------------------------------------------------------------


@dataclass
class Part:
    """The history rows of one kind of record in a feed."""

    record: str
    rows: QuerySet  # history rows (or TallyChange rows)

    def keyed(self) -> QuerySet:
        """(record, row id, time): the columns every part shares in the union."""
        row, at = (
            ("id", "at") if self.record == "tally" else ("history_id", "history_date")
        )
        return (
            self.rows.order_by()
            .annotate(
                feed_record=Value(self.record, output_field=CharField()),
                feed_row=F(row),
                feed_at=F(at),
            )
            .values_list("feed_record", "feed_row", "feed_at")
        )


def _published_only(user) -> bool:
    return figures_for(user) == PUBLISHED


def incident_parts(incident: Incident, user) -> list[Part]:
    readers = _published_only(user)
    claims = Claim.objects.filter(incident=incident)
    if readers:
        claims = claims.filter(retracted_at__isnull=True)
    reports = Report.objects.filter(
        pk__in=ClaimReport.objects.filter(claim__in=claims).values("report_id")
    )
    if readers:
        reports = reports.filter(retracted_at__isnull=True)
    tallies = TallyChange.objects.filter(incident=incident)
    if readers:
        tallies = tallies.filter(scope__in=Tally.Scope.covering(PUBLISHED))
    return [
        Part("incident", Incident.history.filter(id=incident.pk)),
        Part("target", Target.history.filter(incident_id=incident.pk)),
        Part("actor_role", IncidentActor.history.filter(incident_id=incident.pk)),
        Part(
            "responsibility",
            ResponsibilityClaim.history.filter(incident_id=incident.pk),
        ),
        Part("claim", Claim.history.filter(id__in=claims.values("pk"))),
        Part(
            "claim_link", ClaimReport.history.filter(claim_id__in=claims.values("pk"))
        ),
        Part("report", Report.history.filter(id__in=reports.values("pk"))),
        Part("review", TallyReview.history.filter(incident_id=incident.pk)),
        Part("tally", tallies),
    ]


def location_parts(location: Location, user) -> list[Part]:
    return [Part("location", Location.history.filter(id=location.pk))]


def actor_parts(actor: Actor, user) -> list[Part]:
    return [Part("actor", Actor.history.filter(id=actor.pk))]


def claim_parts(claim: Claim, user) -> list[Part]:
    return [Part("claim", Claim.history.filter(id=claim.pk))]


def report_parts(report: Report, user) -> list[Part]:
    return [Part("report", Report.history.filter(id=report.pk))]


def source_parts(source: Source, user) -> list[Part]:
    return [Part("source", Source.history.filter(id=source.pk))]


def feed(parts: list[Part]) -> QuerySet:
    """Every change of the parts, newest first: rows of (record, row id, time),
    ready to be paged (count and slice run in the database)."""
    first, *rest = [part.keyed() for part in parts]
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("-feed_at", "-feed_row")


# --- a page of it, told in words ------------------------------------------------------

HISTORY_MODELS = {
    "location": Location,
    "actor": Actor,
    "incident": Incident,
    "target": Target,
    "actor_role": IncidentActor,
    "responsibility": ResponsibilityClaim,
    "claim": Claim,
    "claim_link": ClaimReport,
    "report": Report,
    "source": Source,
    "review": TallyReview,
}


def entries(rows: Iterable[tuple[str, int, datetime.datetime]]) -> list[Entry]:
    """The entries of a page of `feed` rows, in the page's order."""
    rows = list(rows)
    wanted: dict[str, list[int]] = defaultdict(list)
    for record, row, _ in rows:
        wanted[record].append(row)
    names = _Names()
    built: dict[tuple[str, int], Entry] = {}
    for record, ids in wanted.items():
        if record == "tally":
            built.update(_tally_entries(ids, names))
        else:
            built.update(_history_entries(record, ids, names))
    names.resolve()
    for entry in built.values():
        for change in entry.changes:
            change.old = names.tell(change.old)
            change.new = names.tell(change.new)
    return [built[(record, row)] for record, row, _ in rows if (record, row) in built]


class _Name:
    """A value to be told by name once every name on the page is read."""

    def __init__(self, model, pk):
        self.model, self.pk = model, pk


class _Names:
    """The names of related rows on one page, read in one query per model."""

    FIELDS = ("title", "name", "username")

    def __init__(self):
        self.wanted: dict[type, set] = defaultdict(set)
        self.known: dict[tuple[type, object], str] = {}

    def later(self, model, pk) -> _Name:
        self.wanted[model].add(pk)
        return _Name(model, pk)

    def resolve(self) -> None:
        for model, pks in self.wanted.items():
            label = next((f for f in self.FIELDS if _has_field(model, f)), None)
            if label is None:
                continue
            for pk, name in model._base_manager.filter(pk__in=pks).values_list(
                "pk", label
            ):
                self.known[(model, pk)] = name

    def tell(self, value):
        if isinstance(value, _Name):
            verbose = value.model._meta.verbose_name
            return self.known.get((value.model, value.pk), f"{verbose} {value.pk}")
        return value


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _told(model_field, value, names: _Names):
    """A stored value as a person reads it (None for nothing)."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if model_field.is_relation:
        return names.later(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


RECORD_LABELS = {
    "location": lambda row: f"Place: {row.name}",
    "actor": lambda row: f"Actor: {row.name}",
    "incident": lambda row: f"Incident: {row.title}",
    "target": lambda row: f"Target: {row.description or row.category_id}",
    "actor_role": lambda row: f"Actor role: {row.get_role_display()}",
    "responsibility": lambda row: "Claim of responsibility",
    "claim": lambda row: f"Claim {row.id} ({row.group_id}, {row.outcome_id})",
    "claim_link": lambda row: f"Reports of claim {row.claim_id}",
    "report": lambda row: f"Report: {row.title}",
    "source": lambda row: f"Source: {row.name}",
    "review": lambda row: f"Review of {row.group_id} · {row.outcome_id}",
}


def _record_label(record: str, row) -> str:
    return RECORD_LABELS[record](row)


def _with_previous(rows: QuerySet, previous: QuerySet, key: str) -> list:
    """The rows, each with `.before`: the row before it of the same record
    (`previous`, correlated to the row by OuterRef), in two queries."""
    model = rows.model
    rows = list(rows.annotate(previous_id=Subquery(previous.values(key)[:1])))
    earlier = model.objects.in_bulk(
        {row.previous_id for row in rows if row.previous_id}
    )
    for row in rows:
        row.before = earlier.get(row.previous_id)
    return rows


def _history_entries(record: str, ids: list[int], names: _Names) -> dict:
    model = HISTORY_MODELS[record]
    history = model.history.model
    rows = _with_previous(
        history.objects.filter(history_id__in=ids).select_related("history_user"),
        history.objects.filter(
            id=OuterRef("id"), history_date__lt=OuterRef("history_date")
        ).order_by("-history_date", "-history_id"),
        "history_id",
    )
    built = {}
    for row in rows:
        before = row.before
        built[(record, row.history_id)] = Entry(
            at=row.history_date,
            user=row.history_user.get_username() if row.history_user else None,
            record=record,
            object_id=row.id,
            label=_record_label(record, row),
            action=ACTIONS.get(row.history_type, row.history_type),
            changes=_changes(model, row, before, names),
        )
    return built


def _changes(model, row, before, names: _Names) -> list[FieldChange]:
    tracked = [
        f
        for f in row.instance_type._meta.fields
        if f.name not in UNTOLD_FIELDS and _has_field(row.__class__, f.attname)
    ]
    changes = []
    for model_field in tracked:
        new = getattr(row, model_field.attname)
        old = None if before is None else getattr(before, model_field.attname)
        if before is not None and old == new:
            continue
        if before is None and _told(model_field, new, names) is None:
            continue  # a new record: only what it was given
        changes.append(
            FieldChange(
                field=model_field.name,
                label=_label(model, model_field.name),
                old=_told(model_field, old, names),
                new=_told(model_field, new, names),
            )
        )
    return changes


def _tally_entries(ids: list[int], names: _Names) -> dict:
    rows = _with_previous(
        TallyChange.objects.filter(pk__in=ids).select_related(
            "user", "group", "outcome"
        ),
        TallyChange.objects.filter(
            tally_id=OuterRef("tally_id"), id__lt=OuterRef("id")
        ).order_by("-id"),
        "id",
    )
    built = {}
    for row in rows:
        before = row.before
        changes = []
        for name in TALLY_FIELDS:
            model_field = TallyChange._meta.get_field(name)
            new = getattr(row, name)
            old = None if before is None else getattr(before, name)
            if before is not None and old == new:
                continue
            changes.append(
                FieldChange(
                    field=name,
                    label=_label(TallyChange, name),
                    old=_told(model_field, old, names),
                    new=_told(model_field, new, names),
                )
            )
        cause = row.get_cause_display()
        if row.cause_id is not None:
            cause = f"{cause} ({row.cause} {row.cause_id})"
        figures = (
            ""
            if row.scope == Tally.Scope.BOTH
            else f" ({row.get_scope_display().lower()})"
        )
        built[("tally", row.pk)] = Entry(
            at=row.at,
            user=row.user.get_username() if row.user else None,
            record="tally",
            object_id=row.tally_id,
            label=f"Tally {row.group.name} · {row.outcome.name}{figures}",
            action=row.kind,
            changes=changes,
            cause=cause,
        )
    return built
