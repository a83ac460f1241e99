"""Keep the stored tallies equal to what the reconciliation rules give.

`casualties.reconcile` is the arithmetic; this module feeds it rows and writes
back only the rows that changed, each with a TallyChange naming the write that
caused it. Every entry computes both sets of figures of SPEC rule 9 at once,
the working ones (drafts included) and the published ones (published incidents
only), and stores one row where they agree:

- `refresh` (a claim or a review was written): the rows on the paths of the
  keys it touched, i.e. their incidents and every incident above, their
  groups and every group above, bottom-up, reading the other parts from their
  stored rows (SPEC rule 8). A fixed number of statements whatever the depth.
- `rebuild_trees` (an incident moved, or was published or retracted): every
  row of the trees involved.
- `recompute` (the command): every tree, in batches of trees, resumable.

Concurrency: tallies of different trees never feed each other (a claim may
supersede only a claim of its own tree), so a write locks the top-level
incident of each tree it touches (`lock_trees`), in ascending id order and
before it reads anything it computes from. Writes to one tree are thereby
serialised and writes to different trees never wait for each other; the
fixed order rules out deadlocks between them.
"""

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from casualties import reconcile
from casualties.models import (
    PUBLISHED,
    WORKING,
    Claim,
    ClaimReport,
    Tally,
    TallyChange,
    TallyRebuild,
    TallyReview,
    load_taxonomy,
)
from incidents.base import service_write
from incidents.models import Incident

Key = reconcile.Key
FIGURES = (WORKING, PUBLISHED)
Scope = Tally.Scope

# Rows created or changed at once past this size go through COPY on PostgreSQL.
COPY_THRESHOLD = 500


def counts_in(which: str, effective_status: str) -> bool:
    """Whether claims on an incident of this standing count in these figures."""
    if which == PUBLISHED:
        return effective_status == Incident.Status.PUBLISHED
    return effective_status != Incident.Status.RETRACTED


@dataclass(frozen=True)
class Cause:
    """The write a tally change is recorded against."""

    kind: str  # a TallyChange.Cause
    id: int | None = None
    user_id: int | None = None


# --- locking -------------------------------------------------------------------------


class _TreeMoved(Exception):
    pass


class Placement(NamedTuple):
    """Where an incident lies, as read under the lock of its tree."""

    root: int
    path: str
    standing: str  # its effective status


def lock_trees(incident_ids: Iterable[int]) -> dict[int, Placement]:
    """Lock the trees these incidents lie in; returns where each one lies.

    The roots are locked in one statement, in ascending id order (FOR NO KEY
    UPDATE, so rows that merely reference them can still be inserted). An
    incident moved to another tree between the lookup and the lock is caught
    by reading its root again; the savepoint is then rolled back, which
    releases the locks taken, and the lookup starts over, so the locks are
    always taken in order. SQLite takes its one write lock at BEGIN
    (transaction_mode IMMEDIATE), which serialises writers the same way.
    """
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    for _ in range(20):
        try:
            with transaction.atomic():
                rows = Incident.objects.filter(pk__in=ids)
                roots = (
                    Incident.objects.filter(pk__in=rows.values("root_id").distinct())
                    .order_by("pk")
                    .select_for_update(no_key=True)
                )
                locked = set(roots.values_list("pk", flat=True))
                placed = {
                    pk: Placement(*row)
                    for pk, *row in rows.values_list(
                        "pk", "root_id", "path", "effective_status"
                    )
                }
                if any(place.root not in locked for place in placed.values()):
                    raise _TreeMoved
                return placed
        except _TreeMoved:
            continue
    raise RuntimeError(f"incidents {ids} keep moving between trees")


def path_ids(path: str) -> list[int]:
    """Incident ids from the root down to the incident, read off its path."""
    return [int(part) for part in path.strip("/").split("/")]


# --- what is read ----------------------------------------------------------------


CLAIM_COLUMNS = (
    "id",
    "incident_id",
    "group_id",
    "outcome_id",
    "side_id",
    "low",
    "high",
    "point",
    "claimant_id",
    "asserted_at",
    "retracted_at",
    "assessment",
    "supersedes_id",
)
VALUE_FIELDS = (
    "low",
    "best",
    "high",
    "by_side",
    "disputed",
    "inconsistent",
    "unattributed",
    "claims",
    "sources",
    "status",
    "review_id",
)


class Stored(NamedTuple):
    """A stored tally as read for comparison (no model instance: rebuilds read
    millions of them)."""

    id: int
    scope: str
    key: Key
    version: int
    values: tuple

    @classmethod
    def read(cls, tallies) -> list["Stored"]:
        columns = ("id", "scope", "incident_id", "group_id", "outcome_id", "version")
        return [
            cls(row[0], row[1], (row[2], row[3], row[4]), row[5], tuple(row[6:]))
            for row in tallies.values_list(*columns, *VALUE_FIELDS).order_by()
        ]

    def part(self) -> reconcile.Part:
        return reconcile.Part(self.values[0], self.values[1], self.values[2])


@dataclass
class Snapshot:
    """What the figures of some rows are computed from, read in a few queries."""

    incidents: dict[int, tuple[int | None, str]]  # id -> (parent, standing)
    claims: list[tuple]  # CLAIM_COLUMNS
    superseders: list[tuple[int, bool, str]] = field(default_factory=list)
    sources: dict[int, set[int]] = field(default_factory=dict)
    stored: list[Stored] = field(default_factory=list)
    reviews: dict[Key, TallyReview] = field(default_factory=dict)

    def claim_data(self, which: str) -> list[reconcile.ClaimData]:
        """The claims as these figures see them: those on incidents that do not
        count here are never entered (a draft's claims for the published figures)."""
        incidents, sources = self.incidents, self.sources
        data = []
        for (
            pk,
            incident,
            group,
            outcome,
            side,
            low,
            high,
            point,
            claimant,
            asserted_at,
            retracted_at,
            assessment,
            supersedes,
        ) in self.claims:
            if incident not in incidents or not counts_in(
                which, incidents[incident][1]
            ):
                continue
            data.append(
                reconcile.ClaimData(
                    pk,
                    incident,
                    group,
                    outcome,
                    side,
                    low,
                    high,
                    point,
                    claimant,
                    asserted_at,
                    retracted_at is not None,
                    assessment,
                    supersedes,
                    frozenset(sources.get(pk, ())),
                )
            )
        return data

    def superseded_elsewhere(self, which: str) -> set[int]:
        """Ids replaced by live claims that were read only for that reason."""
        return {
            supersedes
            for supersedes, retracted, standing in self.superseders
            if not retracted and counts_in(which, standing)
        }

    def incident_parent(self, which: str) -> dict[int, int | None]:
        return {
            pk: parent
            for pk, (parent, standing) in self.incidents.items()
            if counts_in(which, standing)
        }

    def stored_parts(self, which: str) -> dict[Key, reconcile.Part]:
        covering = Scope.covering(which)
        return {row.key: row.part() for row in self.stored if row.scope in covering}


def _sources(claims) -> dict[int, set[int]]:
    sources: dict[int, set[int]] = defaultdict(set)
    for claim_id, source_id in claims.values_list("claim_id", "report__source_id"):
        sources[claim_id].add(source_id)
    return sources


def _read_paths(keys: Collection[Key], paths: Mapping[int, str], taxonomy) -> Snapshot:
    """The rows a write on these keys can move, and what they are made of;
    `paths` gives each key's incident path."""
    on_path = {i for incident, _, _ in keys for i in path_ids(paths[incident])}
    groups = {g for _, group, _ in keys for g in taxonomy.above(group)}
    outcomes = {outcome for _, _, outcome in keys}
    incidents = {
        pk: (parent, standing)
        for pk, parent, standing in Incident.objects.filter(
            Q(pk__in=on_path) | Q(parent_id__in=on_path)
        ).values_list("pk", "parent_id", "effective_status")
    }
    claims = list(
        Claim.objects.filter(
            incident_id__in=on_path, group_id__in=groups, outcome_id__in=outcomes
        )
        .order_by()
        .values_list(*CLAIM_COLUMNS)
    )
    ids = [claim[0] for claim in claims]
    superseders = [
        (supersedes, retracted_at is not None, standing)
        for supersedes, retracted_at, standing in Claim.objects.filter(
            supersedes_id__in=ids
        )
        .exclude(pk__in=ids)
        .order_by()
        .values_list("supersedes_id", "retracted_at", "incident__effective_status")
    ]
    parts_groups = groups | {
        sub for g in groups for sub in taxonomy.subgroups.get(g, ())
    }
    stored = Stored.read(
        Tally.objects.filter(
            group_id__in=parts_groups,
            outcome_id__in=outcomes,
            incident_id__in=incidents,
        )
    )
    reviews = {
        review.key: review
        for review in TallyReview.objects.filter(
            incident_id__in=on_path, group_id__in=groups, outcome_id__in=outcomes
        )
    }
    return Snapshot(
        incidents,
        claims,
        superseders,
        _sources(ClaimReport.objects.filter(claim_id__in=ids)),
        stored,
        reviews,
    )


def _read_trees(trees: Q) -> Snapshot:
    """Everything of whole trees; `trees` selects incidents (by root)."""
    incidents = {
        pk: (parent, standing)
        for pk, parent, standing in Incident.objects.filter(trees)
        .order_by()
        .values_list("pk", "parent_id", "effective_status")
    }
    claims = list(
        Claim.objects.filter(incident_id__in=incidents)
        .order_by()
        .values_list(*CLAIM_COLUMNS)
    )
    in_trees = Q(incident_id__in=incidents)
    sources = _sources(ClaimReport.objects.filter(claim__incident_id__in=incidents))
    reviews = TallyReview.objects.filter(in_trees)
    return Snapshot(
        incidents,
        claims,
        [],
        sources,
        Stored.read(Tally.objects.filter(in_trees)),
        {review.key: review for review in reviews},
    )


# --- computing --------------------------------------------------------------------


def _row_values(
    figures: reconcile.TallyFigures, review: TallyReview | None, which: str
) -> tuple:
    if review is not None:
        status = Tally.Status.STALE if review.is_stale(which) else Tally.Status.REVIEWED
    elif figures.disputed or figures.inconsistent:
        status = Tally.Status.NEEDS_REVIEW
    else:
        status = Tally.Status.AUTO
    by_side = {
        side: {"low": low, "high": high}
        for side, (low, high) in sorted(figures.by_side.items())
    }
    return (
        figures.low,
        figures.best,
        figures.high,
        by_side,
        figures.disputed,
        figures.inconsistent,
        figures.unattributed,
        figures.claims,
        figures.sources,
        status,
        None if review is None else review.pk,
    )


def _compute(
    snapshot: Snapshot,
    keys: Collection[Key] | None,
    taxonomy: reconcile.Taxonomy,
) -> dict[Key, dict[str, tuple]]:
    """The rows each key should have: {scope: values}, one `both` row where the
    two figures agree. `keys` None: every row the snapshot's claims reach."""
    reviews = {key: review.as_review() for key, review in snapshot.reviews.items()}
    computed = {}
    for which in FIGURES:
        parent = snapshot.incident_parent(which)
        counted = reconcile.counted_by_key(
            snapshot.claim_data(which), snapshot.superseded_elsewhere(which)
        )
        rows = keys
        if rows is None:
            rows = {
                row
                for incident, group, outcome in counted
                for row in reconcile.path_keys(
                    incident, group, outcome, parent, taxonomy
                )
            }
        # Whole trees are computed whole: a part that is not among the rows has
        # no row any more, whatever is stored for it.
        stored = snapshot.stored_parts(which) if keys is not None else None
        computed[which] = reconcile.reconcile_rows(
            rows, counted, parent, taxonomy, reviews, stored
        )
    wanted: dict[Key, dict[str, tuple]] = {}
    for key in set(computed[WORKING]) | set(computed[PUBLISHED]):
        review = snapshot.reviews.get(key)
        values = {
            which: _row_values(figures, review, which)
            for which in FIGURES
            if (figures := computed[which].get(key)) is not None
        }
        if len(values) == 2 and values[WORKING] == values[PUBLISHED]:
            values = {Scope.BOTH: values[WORKING]}
        wanted[key] = values
    return wanted


# Which stored row a wanted row reuses (and so keeps its id) when the scope of
# the figures changed: a working row keeps the id editors have open.
REUSE = {
    Scope.BOTH: (Scope.BOTH, Scope.WORKING, Scope.PUBLISHED),
    Scope.WORKING: (Scope.WORKING, Scope.BOTH, Scope.PUBLISHED),
    Scope.PUBLISHED: (Scope.PUBLISHED, Scope.BOTH, Scope.WORKING),
}


@dataclass
class Plan:
    """The writes that bring stored rows to the wanted ones."""

    create: list[tuple[Key, str, tuple]] = field(default_factory=list)
    change: list[tuple[Stored, str, tuple]] = field(default_factory=list)
    remove: list[Stored] = field(default_factory=list)

    def __len__(self):
        return len(self.create) + len(self.change) + len(self.remove)

    def differences(self) -> Iterator[str]:
        for key, scope, values in self.create:
            yield f"missing   {_key(key)} [{scope}]: {_figures(values)}"
        for row, scope, values in self.change:
            yield (
                f"differs   {_key(row.key)} [{row.scope}->{scope}]: stored "
                f"{_figures(row.values)}, computed {_figures(values)}"
            )
        for row in self.remove:
            yield f"unneeded  {_key(row.key)} [{row.scope}]: {_figures(row.values)}"


def _key(key: Key) -> str:
    return f"incident {key[0]} {key[1]}/{key[2]}"


def _figures(values: tuple) -> str:
    named = dict(zip(VALUE_FIELDS, values, strict=True))
    high = "open" if named["high"] is None else named["high"]
    extra = ", ".join(f"{name}={named[name]}" for name in VALUE_FIELDS[3:])
    return f"{named['low']}-{named['best']}-{high} ({extra})"


def _plan(
    wanted: Mapping[Key, dict[str, tuple]],
    stored: Iterable[Stored],
    keys: Collection[Key] | None,
) -> Plan:
    """Match wanted rows with stored ones; `keys` limits which stored rows are
    judged (None: all of them)."""
    by_key: dict[Key, list[Stored]] = defaultdict(list)
    for row in stored:
        if keys is None or row.key in keys:
            by_key[row.key].append(row)
    plan = Plan()
    for key in set(wanted) | set(by_key):
        pool = {row.scope: row for row in by_key.get(key, ())}
        for scope, values in wanted.get(key, {}).items():
            row = next((pool.pop(s) for s in REUSE[scope] if s in pool), None)
            if row is None:
                plan.create.append((key, scope, values))
            elif row.scope != scope or row.values != values:
                plan.change.append((row, scope, values))
        plan.remove.extend(pool.values())
    return plan


# --- writing ------------------------------------------------------------------------


def _write(plan: Plan, cause: Cause) -> int:
    """Apply the plan and log every row it touches; returns the rows touched."""
    if not plan:
        return 0
    now = timezone.now()
    log: list[tuple] = []  # (tally_id, scope, key, values, version, kind)
    # Removals first, then changes, then new rows: a key's rows never hold
    # two of the same figures at once (the partial unique constraints).
    if plan.remove:
        Tally.objects.filter(pk__in=[row.id for row in plan.remove]).delete()
        log.extend(
            (
                row.id,
                row.scope,
                row.key,
                row.values,
                row.version,
                TallyChange.Kind.REMOVED,
            )
            for row in plan.remove
        )
    if plan.change:
        changed = []
        for row, scope, values in plan.change:
            tally = Tally(
                id=row.id,
                scope=scope,
                **dict(zip(VALUE_FIELDS, values, strict=True)),
                version=row.version + 1,
                updated_at=now,
            )
            changed.append(tally)
            log.append(
                (
                    row.id,
                    scope,
                    row.key,
                    values,
                    row.version + 1,
                    TallyChange.Kind.CHANGED,
                )
            )
        Tally.objects.bulk_update(
            changed, ["scope", *VALUE_FIELDS, "version", "updated_at"], batch_size=500
        )
    if plan.create:
        rows = _insert_tallies(plan.create, now)
        log.extend(
            (pk, scope, key, values, 1, TallyChange.Kind.CREATED)
            for pk, scope, key, values in rows
        )
    _insert_changes(log, now, cause)
    return len(plan)


def _new_ids(count: int) -> list[int]:
    """Ids taken up front, so that rows and their changes can go through COPY."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
            "FROM generate_series(1, %s)",
            [Tally._meta.db_table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


TALLY_COLUMNS = (
    "id",
    "scope",
    "incident_id",
    "group_id",
    "outcome_id",
    *VALUE_FIELDS,
    "version",
    "created_at",
    "updated_at",
)


def _insert_tallies(create: list[tuple[Key, str, tuple]], now) -> list[tuple]:
    """Insert new rows; returns them as (id, scope, key, values)."""
    if connection.vendor == "postgresql" and len(create) > COPY_THRESHOLD:
        rows = [
            (pk, scope, key, values)
            for pk, (key, scope, values) in zip(
                _new_ids(len(create)), create, strict=True
            )
        ]
        _copy(
            Tally,
            TALLY_COLUMNS,
            (
                (pk, scope, *key, *_jsonb(values, 3), 1, now, now)
                for pk, scope, key, values in rows
            ),
        )
        return rows
    tallies = Tally.objects.bulk_create(
        [
            Tally(
                scope=scope,
                incident_id=key[0],
                group_id=key[1],
                outcome_id=key[2],
                **dict(zip(VALUE_FIELDS, values, strict=True)),
                created_at=now,
                updated_at=now,
            )
            for key, scope, values in create
        ],
        batch_size=500,
    )
    return [
        (tally.pk, scope, key, values)
        for tally, (key, scope, values) in zip(tallies, create, strict=True)
    ]


CHANGE_COLUMNS = (
    "tally_id",
    "scope",
    "incident_id",
    "group_id",
    "outcome_id",
    *VALUE_FIELDS[:-1],  # the review is recorded by its own history
    "version",
    "kind",
    "at",
    "cause",
    "cause_id",
    "user_id",
)


def _insert_changes(log: list[tuple], now, cause: Cause) -> None:
    tail = (cause.kind, cause.id, cause.user_id)
    if connection.vendor == "postgresql" and len(log) > COPY_THRESHOLD:
        _copy(
            TallyChange,
            CHANGE_COLUMNS,
            (
                (pk, scope, *key, *_jsonb(values[:-1], 3), version, kind, now, *tail)
                for pk, scope, key, values, version, kind in log
            ),
        )
        return
    TallyChange.objects.bulk_create(
        [
            TallyChange(
                tally_id=pk,
                scope=scope,
                incident_id=key[0],
                group_id=key[1],
                outcome_id=key[2],
                **dict(zip(VALUE_FIELDS[:-1], values[:-1], strict=True)),
                version=version,
                kind=kind,
                at=now,
                cause=cause.kind,
                cause_id=cause.id,
                user_id=cause.user_id,
            )
            for pk, scope, key, values, version, kind in log
        ],
        batch_size=500,
    )


def _jsonb(values: tuple, index: int) -> tuple:
    """COPY takes JSON as text."""
    return (*values[:index], json.dumps(values[index]), *values[index + 1 :])


def _copy(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    statement = f'COPY "{model._meta.db_table}" ({", ".join(columns)}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _mark_stale(reviews: Iterable[TallyReview], scopes: Collection[str]) -> None:
    """Rule 7: a review whose counted claims changed goes back in the queue."""
    for which in scopes:
        name = f"stale_{which}"
        ids = [r.pk for r in reviews if not getattr(r, name)]
        for review in reviews:
            setattr(review, name, True)
        if ids:
            TallyReview.objects.filter(pk__in=ids).update(**{name: True})


# --- the three entries ---------------------------------------------------------------


def refresh(
    keys: Collection[Key],
    placements: Mapping[int, Placement],
    *,
    cause: Cause,
    stale_in: Collection[str] = (),
) -> int:
    """Recompute the rows on the paths of these claim keys, in both figures.

    `placements` are the places `lock_trees` read (other incidents of the
    locked trees are looked up). Reviews on those rows go stale in the figures
    named by `stale_in` (the figures in which a counted claim changed).
    Returns the number of rows written.
    """
    if not keys:
        return 0
    taxonomy = load_taxonomy()
    paths = {pk: place.path for pk, place in placements.items()}
    missing = {incident for incident, _, _ in keys} - set(paths)
    if missing:
        paths |= dict(Incident.objects.filter(pk__in=missing).values_list("pk", "path"))
    snapshot = _read_paths(keys, paths, taxonomy)
    rows = {
        row
        for incident, group, outcome in keys
        for row in reconcile.path_keys(
            incident,
            group,
            outcome,
            {i: p for i, (p, _) in snapshot.incidents.items()},
            taxonomy,
        )
    }
    _mark_stale([r for k, r in snapshot.reviews.items() if k in rows], stale_in)
    wanted = _compute(snapshot, rows, taxonomy)
    return _write(_plan(wanted, snapshot.stored, rows), cause)


def rebuild_trees(
    root_ids: Collection[int],
    *,
    cause: Cause,
    stale: Mapping[str, Collection[Key]] | None = None,
) -> int:
    """Recompute every row of these trees (locked by the caller).

    `stale` names, per figures, the keys whose reviews go stale.
    """
    snapshot = _read_trees(Q(root_id__in=root_ids))
    for which, keys in (stale or {}).items():
        _mark_stale([r for k, r in snapshot.reviews.items() if k in keys], [which])
    wanted = _compute(snapshot, None, load_taxonomy())
    return _write(_plan(wanted, snapshot.stored, None), cause)


@dataclass
class RecomputeResult:
    trees: int = 0
    claims: int = 0
    changed: int = 0
    differences: list[str] = field(default_factory=list)


def recompute(
    *,
    batch_size: int = 2000,
    check: bool = False,
    restart: bool = False,
    progress=None,
    cause: Cause = Cause(TallyChange.Cause.RECOMPUTE),
) -> RecomputeResult:
    """Rebuild every tally from the claims, a batch of trees at a time.

    Each batch is read in a few queries, reconciled in memory and written in
    one transaction that also records how far the run got, so memory is
    bounded by the batch and a killed run resumes at the next batch (unless
    `restart`). `check` writes nothing and lists the rows that differ.
    `progress(trees_done, trees_total)` is called after every batch.
    """
    taxonomy = load_taxonomy()
    run = None
    after = 0
    if not check:
        with service_write():
            run = (
                None
                if restart
                else TallyRebuild.objects.filter(finished_at__isnull=True).first()
            )
            if run is None:
                run = TallyRebuild.objects.create()
        after = run.done_through
    roots = Incident.objects.filter(parent__isnull=True)
    total = roots.count()
    result = RecomputeResult(trees=roots.filter(pk__lte=after).count())
    while True:
        batch = list(
            roots.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        with service_write(), transaction.atomic():
            if not check:
                list(
                    Incident.objects.filter(pk__in=batch)
                    .order_by("pk")
                    .select_for_update(no_key=True)
                    .values_list("pk", flat=True)
                )
            snapshot = _read_trees(Q(root_id__gte=batch[0], root_id__lte=batch[-1]))
            plan = _plan(_compute(snapshot, None, taxonomy), snapshot.stored, None)
            if check:
                result.differences.extend(plan.differences())
            else:
                result.changed += _write(plan, cause)
                run.done_through = batch[-1]
                run.save(update_fields=["done_through"])
        after = batch[-1]
        result.trees += len(batch)
        result.claims += len(snapshot.claims)
        if progress is not None:
            progress(result.trees, total)
    if run is not None:
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    return result


# --- what an editor's review needs ---------------------------------------------------


def figures_without_review(tally: Tally) -> reconcile.TallyFigures | None:
    """The tally as rules 2 to 6 give it, ignoring its own review (but not the
    reviews of its parts: a reviewed part is what this whole is made of)."""
    taxonomy = load_taxonomy()
    path = Incident.objects.values_list("path", flat=True).get(pk=tally.incident_id)
    snapshot = _read_paths([tally.key], {tally.incident_id: path}, taxonomy)
    snapshot.reviews.pop(tally.key, None)
    which = PUBLISHED if tally.scope == Scope.PUBLISHED else WORKING
    parent = snapshot.incident_parent(which)
    counted = reconcile.counted_by_key(
        snapshot.claim_data(which), snapshot.superseded_elsewhere(which)
    )
    rows = reconcile.reconcile_rows(
        [tally.key], counted, parent, taxonomy, None, snapshot.stored_parts(which)
    )
    return rows[tally.key]


def set_aside(claims) -> dict[int, reconcile.SetAside]:
    """Why each of these claims does not count in the working figures (rule 1).

    Pass every claim of each key, retracted ones included (as `Claim.objects.
    feeding` does); a claim on a retracted incident is retracted with it.
    """
    rows = list(
        claims.order_by().values_list(*CLAIM_COLUMNS, "incident__effective_status")
    )
    ids = [row[0] for row in rows]
    superseders = Claim.objects.filter(supersedes_id__in=ids).exclude(pk__in=ids)
    elsewhere = {
        supersedes
        for supersedes, retracted_at, standing in superseders.values_list(
            "supersedes_id", "retracted_at", "incident__effective_status"
        )
        if retracted_at is None and counts_in(WORKING, standing)
    }
    data = [
        reconcile.ClaimData(
            *row[:10],
            row[10] is not None or not counts_in(WORKING, row[13]),
            *row[11:13],
        )
        for row in rows
    ]
    return reconcile.set_aside(data, elsewhere)
