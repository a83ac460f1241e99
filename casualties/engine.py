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

import functools
import gc
import json
import multiprocessing
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, connections, transaction
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
from core import bulk
from incidents.base import path_ids, service_write
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
    "party_id",
)
SUPERSEDES = CLAIM_COLUMNS.index("supersedes_id")
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

    incidents: dict[int, tuple[int | None, str, int]]  # id -> (parent, standing, root)
    claims: list[tuple]  # CLAIM_COLUMNS
    superseders: list[tuple[int, bool, str]] = field(default_factory=list)
    sources: dict[int, set[int]] = field(default_factory=dict)
    stored: list[Stored] = field(default_factory=list)
    reviews: dict[Key, TallyReview] = field(default_factory=dict)

    def claim_data(self) -> list[reconcile.ClaimData]:
        """The claims that count anywhere: the working figures' (a claim on a
        retracted incident is never entered)."""
        incidents, sources = self.incidents, self.sources
        retracted = Incident.Status.RETRACTED
        return [
            _claim_data(row, row[10] is not None, sources.get(row[0], ()))
            for row in self.claims
            if row[1] in incidents and incidents[row[1]][1] != retracted
        ]

    def superseded_elsewhere(self, which: str) -> set[int]:
        """Ids replaced by live claims that were read only for that reason."""
        return {
            supersedes
            for supersedes, retracted, standing in self.superseders
            if not retracted and counts_in(which, standing)
        }

    def incident_parent(self, which: str) -> dict[int, int | None]:
        """The incidents of these figures."""
        return {
            pk: parent
            for pk, (parent, standing, _) in self.incidents.items()
            if counts_in(which, standing)
        }

    def trees_with_drafts(self) -> set[int]:
        """The trees whose published figures differ from their working ones."""
        draft = Incident.Status.DRAFT
        return {
            root for _, standing, root in self.incidents.values() if standing == draft
        }

    def stored_parts(self, which: str) -> dict[Key, reconcile.Part]:
        covering = Scope.covering(which)
        return {row.key: row.part() for row in self.stored if row.scope in covering}


def _claim_data(row: tuple, retracted: bool, sources) -> reconcile.ClaimData:
    """A row of CLAIM_COLUMNS as the rules take it."""
    return reconcile.ClaimData(
        *row[:10], retracted, *row[11:13], frozenset(sources), row[13]
    )


def _sources(claims) -> dict[int, set[int]]:
    sources: dict[int, set[int]] = defaultdict(set)
    pairs = claims.order_by().values_list("claim_id", "report__source_id")
    for claim_id, source_id in pairs:
        sources[claim_id].add(source_id)
    return sources


def _read_paths(keys: Collection[Key], paths: Mapping[int, str], taxonomy) -> Snapshot:
    """The rows a write on these keys can move, and what they are made of;
    `paths` gives each key's incident path."""
    on_path = {i for incident, _, _ in keys for i in path_ids(paths[incident])}
    groups = {g for _, group, _ in keys for g in taxonomy.above(group)}
    outcomes = {outcome for _, _, outcome in keys}
    incidents = {
        pk: (parent, standing, root)
        for pk, parent, standing, root in Incident.objects.filter(
            Q(pk__in=on_path) | Q(parent_id__in=on_path)
        )
        .order_by()
        .values_list("pk", "parent_id", "effective_status", "root_id")
    }
    # The claims at the path's keys and, in the same statement, the claims
    # elsewhere that supersede one of them (rule 1 needs both).
    at_path = Claim.objects.filter(
        incident_id__in=on_path, group_id__in=groups, outcome_id__in=outcomes
    )
    columns = (*CLAIM_COLUMNS, "incident__effective_status")
    both = (
        at_path.order_by()
        .values_list(*columns)
        .union(
            Claim.objects.filter(supersedes_id__in=at_path.values("pk"))
            .order_by()
            .values_list(*columns),
            all=True,
        )
        .order_by()
    )
    claims, superseders, seen = [], [], set()
    for row in both:
        if row[1] in on_path and row[2] in groups and row[3] in outcomes:
            if row[0] not in seen:
                seen.add(row[0])
                claims.append(row[:-1])
        else:
            superseders.append((row[SUPERSEDES], row[10] is not None, row[-1]))
    ids = list(seen)
    # The path's rows and their parts: the rows of the subgroups at the path's
    # incidents, and of the path's groups at their child incidents.
    subgroups = {sub for g in groups for sub in taxonomy.subgroups.get(g, ())}
    stored = Stored.read(
        Tally.objects.filter(
            Q(incident_id__in=on_path, group_id__in=groups | subgroups)
            | Q(incident_id__in=set(incidents) - on_path, group_id__in=groups),
            outcome_id__in=outcomes,
        )
    )
    reviews = {
        review.key: review
        for review in TallyReview.objects.filter(
            incident_id__in=on_path, group_id__in=groups, outcome_id__in=outcomes
        ).order_by()
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
    """Everything of whole trees; `trees` selects incidents (by root).

    The other tables are joined to the incidents by subquery rather than given
    their ids, which for a batch of trees would be thousands of parameters.
    """
    chosen = Incident.objects.filter(trees)
    incidents = {
        pk: (parent, standing, root)
        for pk, parent, standing, root in chosen.order_by().values_list(
            "pk", "parent_id", "effective_status", "root_id"
        )
    }
    in_trees = Q(incident_id__in=chosen.values("pk"))
    claims = list(Claim.objects.filter(in_trees).order_by().values_list(*CLAIM_COLUMNS))
    sources = _sources(
        ClaimReport.objects.filter(claim__incident_id__in=chosen.values("pk"))
    )
    reviews = TallyReview.objects.filter(in_trees).order_by()
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
    by_side = (
        {
            side: {"low": low, "high": high}
            for side, (low, high) in sorted(figures.by_side.items())
        }
        if figures.by_side
        else {}
    )
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


def _one_set(snapshot, claims, parent, keys, taxonomy, reviews, which):
    """One set of figures: for `keys`, or (None) every row the claims reach."""
    counted = reconcile.counted_by_key(claims, snapshot.superseded_elsewhere(which))
    rows = keys
    if rows is None:
        rows = {
            row
            for incident, group, outcome in counted
            for row in reconcile.path_keys(incident, group, outcome, parent, taxonomy)
        }
    # Whole trees are computed whole: a part that is not among the rows has no
    # row any more, whatever is stored for it.
    stored = snapshot.stored_parts(which) if keys is not None else None
    return reconcile.reconcile_rows(rows, counted, parent, taxonomy, reviews, stored)


def _compute(
    snapshot: Snapshot,
    keys: Collection[Key] | None,
    taxonomy: reconcile.Taxonomy,
) -> dict[Key, dict[str, tuple]]:
    """The rows each key should have: {scope: values}, one `both` row where the
    two figures agree. `keys` None: every row the snapshot's claims reach (whole
    trees), in which case the published figures are computed only where they
    can differ from the working ones (`_draft_wholes`), the rest being equal.
    """
    reviews = {key: review.as_review() for key, review in snapshot.reviews.items()}
    claims = snapshot.claim_data()
    working = _one_set(
        snapshot,
        claims,
        snapshot.incident_parent(WORKING),
        keys,
        taxonomy,
        reviews,
        WORKING,
    )
    parent = snapshot.incident_parent(PUBLISHED)
    shown = [claim for claim in claims if claim.incident in parent]
    if keys is not None:
        published = _one_set(
            snapshot, shown, parent, keys, taxonomy, reviews, PUBLISHED
        )
        differ = None
    else:
        differ = _draft_wholes(snapshot, claims)
        counted = reconcile.counted_by_key(
            [claim for claim in shown if claim.incident in differ],
            reconcile.superseded_ids(shown),
        )
        rows = {key for key in working if key[0] in differ}
        rows.update(
            row
            for incident, group, outcome in counted
            for row in reconcile.path_keys(incident, group, outcome, parent, taxonomy)
        )
        equal_parts = {
            key: figures
            for key, figures in working.items()
            if figures is not None
            and key[0] not in differ
            and parent.get(key[0]) in differ
        }
        published = reconcile.reconcile_rows(
            rows, counted, parent, taxonomy, reviews, equal_parts
        )
    wanted: dict[Key, dict[str, tuple]] = {}
    reviews_by_key = snapshot.reviews
    for key, mine in working.items():
        if differ is not None and key[0] not in differ and key not in reviews_by_key:
            # No draft below it: the published figures are the working ones.
            equal = key[0] in parent and mine is not None
            wanted[key] = (
                {Scope.BOTH: _row_values(mine, None, WORKING)}
                if equal
                else _rows(mine, None, None)
            )
            continue
        if differ is not None and key[0] not in differ:
            theirs = mine if key[0] in parent else None
        else:
            theirs = published.get(key)
        wanted[key] = _rows(mine, theirs, reviews_by_key.get(key))
    for key in published.keys() - working.keys():
        wanted[key] = _rows(None, published[key], reviews_by_key.get(key))
    return wanted


def _rows(mine, theirs, review) -> dict[str, tuple]:
    """The rows of one key from its working and published figures (either may
    be None): one `both` row where they agree."""
    values = {}
    if mine is not None:
        values[WORKING] = _row_values(mine, review, WORKING)
    if theirs is not None:
        same_status = review is None or review.stale_working == review.stale_published
        values[PUBLISHED] = (
            values[WORKING]
            if theirs is mine and same_status
            else _row_values(theirs, review, PUBLISHED)
        )
    if len(values) == 2 and values[WORKING] == values[PUBLISHED]:
        return {Scope.BOTH: values[WORKING]}
    return values


def _draft_wholes(snapshot: Snapshot, claims) -> set[int]:
    """The published incidents whose published figures can differ from their
    working ones: every one above a draft (it has one part fewer), and every one
    holding or above a claim that a draft's claim supersedes (it counts again)."""
    incidents = snapshot.incidents
    draft = Incident.Status.DRAFT
    drafts = {pk for pk, (_, standing, _) in incidents.items() if standing == draft}
    if not drafts:
        return set()
    where = {claim.id: claim.incident for claim in claims}
    starts = {incidents[pk][0] for pk in drafts}
    starts.update(
        where[claim.supersedes]
        for claim in claims
        if claim.incident in drafts and claim.supersedes in where
    )
    differ: set[int] = set()
    for start in starts:
        node = start
        while node is not None and node not in differ:
            if node not in drafts:
                differ.add(node)
            node = incidents[node][0]
    return differ


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
    if not by_key:  # nothing stored yet (a rebuild from empty): all is new
        plan.create = [
            (key, scope, values)
            for key, rows in wanted.items()
            for scope, values in rows.items()
        ]
        return plan
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
        changed = [
            (row.id, scope, values, row.version + 1)
            for row, scope, values in plan.change
        ]
        _update_tallies(changed, now)
        log.extend(
            (row.id, scope, row.key, values, row.version + 1, TallyChange.Kind.CHANGED)
            for row, scope, values in plan.change
        )
    if plan.create and _copying(plan.create):
        _copy_created(plan.create, now, cause)
    elif plan.create:
        log.extend(
            (pk, scope, key, values, 1, TallyChange.Kind.CREATED)
            for pk, scope, key, values in _insert_tallies(plan.create, now)
        )
    _insert_changes(log, now, cause)
    return len(plan)


# What a new row is made of; its id, version and times the insert adds.
NEW_COLUMNS = ("scope", "incident_id", "group_id", "outcome_id", *VALUE_FIELDS)


UPDATED = ("scope", *VALUE_FIELDS, "version", "updated_at")
SQL_TYPES = {"scope": "varchar", "by_side": "jsonb", "status": "varchar"}
SQL_TYPES |= {"disputed": "boolean", "inconsistent": "boolean", "review_id": "bigint"}
SQL_TYPES |= {"updated_at": "timestamptz"}
# Sums of many parts: a tally's figures are bigints (a claim's are integers).
SQL_TYPES |= dict.fromkeys(("low", "best", "high", "unattributed"), "bigint")
UPDATE_CHUNK = 1000


def _update_tallies(changed: list[tuple[int, str, tuple, int]], now) -> None:
    """Write changed rows, (id, scope, values, version), a thousand per statement.

    On PostgreSQL an UPDATE ... FROM (VALUES ...): Django's bulk_update builds
    a CASE per column and row, which costs more to build than to run.
    """
    if connection.vendor != "postgresql":
        Tally.objects.bulk_update(
            [
                Tally(
                    id=pk,
                    scope=scope,
                    **dict(zip(VALUE_FIELDS, values, strict=True)),
                    version=version,
                    updated_at=now,
                )
                for pk, scope, values, version in changed
            ],
            list(UPDATED),
            batch_size=500,
        )
        return
    row = ", ".join(
        ["%s::bigint", *(f"%s::{SQL_TYPES.get(c, 'integer')}" for c in UPDATED)]
    )
    assignments = ", ".join(f"{column} = v.{column}" for column in UPDATED)
    for start in range(0, len(changed), UPDATE_CHUNK):
        chunk = changed[start : start + UPDATE_CHUNK]
        params = [
            value
            for pk, scope, values, version in chunk
            for value in (pk, scope, *_jsonb(values, 3), version, now)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Tally._meta.db_table}" AS t SET {assignments} '
                f"FROM (VALUES {', '.join([f'({row})'] * len(chunk))}) "
                f"AS v(id, {', '.join(UPDATED)}) WHERE t.id = v.id",
                params,
            )


def _copying(rows: Collection) -> bool:
    return connection.vendor == "postgresql" and len(rows) > COPY_THRESHOLD


def _insert_tallies(create: list[tuple[Key, str, tuple]], now) -> list[tuple]:
    """Insert a few new rows; returns them as (id, scope, key, values)."""
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


def _copy_created(create: list[tuple[Key, str, tuple]], now, cause: Cause) -> None:
    """Many new rows and their history, without asking for their ids.

    The rows are copied into a temporary table, and one statement inserts them
    and, from what that insert returns, their changes: no ids are taken from
    the sequence first and no new row is looked up again.
    """
    staged = ", ".join(NEW_COLUMNS)
    returned = ", ".join(("id", *CHANGE_COLUMNS[1 : CHANGE_COLUMNS.index("kind")]))
    table, log = Tally._meta.db_table, TallyChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE tally_created AS SELECT {staged} "
            f'FROM "{table}" WITH NO DATA'
        )
        bulk.copy(
            "tally_created",
            NEW_COLUMNS,
            ((scope, *key, *_jsonb(values, 3)) for key, scope, values in create),
        )
        cursor.execute(
            f'WITH made AS (INSERT INTO "{table}" '
            f"({staged}, version, created_at, updated_at) "
            f"SELECT {staged}, 1, %s, %s FROM tally_created "
            f"RETURNING {returned}) "
            f'INSERT INTO "{log}" ({", ".join(CHANGE_COLUMNS)}) '
            "SELECT made.*, %s, %s, %s, %s, %s FROM made",
            [
                now,
                now,
                TallyChange.Kind.CREATED,
                now,
                cause.kind,
                cause.id,
                cause.user_id,
            ],
        )
        cursor.execute("DROP TABLE tally_created")


def _insert_changes(log: list[tuple], now, cause: Cause) -> None:
    if not log:
        return
    tail = (cause.kind, cause.id, cause.user_id)
    if _copying(log):
        bulk.copy(
            TallyChange._meta.db_table,
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
    """COPY takes JSON as text (most rows, those without own claims, have none)."""
    by_side = values[index]
    text = json.dumps(by_side) if by_side else "{}"
    return (*values[:index], text, *values[index + 1 :])


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
            {i: p for i, (p, _, _) in snapshot.incidents.items()},
            taxonomy,
        )
    }
    _mark_stale([r for k, r in snapshot.reviews.items() if k in rows], stale_in)
    wanted = _compute(snapshot, rows, taxonomy)
    return _write(_plan(wanted, snapshot.stored, rows), cause)


@contextmanager
def _without_cycle_collection():
    """Whole trees make millions of small tuples, dicts and figures, none of
    them in a reference cycle, so reference counting frees them all; left on,
    the cyclic collector would walk the growing heap again and again (a third
    of a rebuild's time, measured). It runs again once the trees are done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rebuild_trees(
    root_ids: Collection[int],
    *,
    cause: Cause,
    stale: Mapping[str, Collection[Key]] | None = None,
) -> int:
    """Recompute every row of these trees (locked by the caller).

    `stale` names, per figures, the keys whose reviews go stale.
    """
    with _without_cycle_collection():
        snapshot = _read_trees(Q(root_id__in=root_ids))
        for which, keys in (stale or {}).items():
            stale_reviews = [r for k, r in snapshot.reviews.items() if k in keys]
            _mark_stale(stale_reviews, [which])
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
    jobs: int = 1,
    cause: Cause = Cause(TallyChange.Cause.RECOMPUTE),
) -> RecomputeResult:
    """Rebuild every tally from the claims, a batch of trees at a time.

    Each batch is read in a few queries, reconciled in memory and written in
    its own transaction, so memory is bounded by the batch. `jobs` processes
    work on batches side by side. The run records the last tree before which
    every batch is done: a killed run resumes there (unless `restart`), and
    whatever it redoes beyond it is found equal and left alone. `check`
    writes nothing and lists the rows that differ. `progress(trees_done,
    trees_total)` is called after every batch.
    """
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
    batches = _batches(roots, after, batch_size)
    work = functools.partial(_rebuild_batch, check=check, cause=cause)
    if jobs > 1:
        connections.close_all()  # the workers are forked: they open their own
        pool = multiprocessing.get_context("fork").Pool(jobs)
        done = pool.imap(work, batches)
    else:
        pool, done = None, map(work, batches)
    try:
        for (_, last), trees, claims, changed, differences in done:
            result.trees += trees
            result.claims += claims
            result.changed += changed
            result.differences.extend(differences)
            if run is not None:  # in order: every batch up to here is done
                run.done_through = last
                with service_write():
                    run.save(update_fields=["done_through"])
            if progress is not None:
                progress(result.trees, total)
    finally:
        if pool is not None:
            pool.terminate()
    if run is not None:
        run.finished_at = timezone.now()
        with service_write():
            run.save(update_fields=["finished_at"])
    if result.changed >= bulk.ANALYZE_AFTER:
        bulk.analyze(Tally, TallyChange)
    return result


def _batches(roots, after: int, size: int) -> Iterator[tuple[int, int]]:
    """(first, last) top-level incident ids of consecutive batches of trees."""
    while True:
        batch = list(
            roots.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not batch:
            return
        yield batch[0], batch[-1]
        after = batch[-1]


def _rebuild_batch(bounds: tuple[int, int], *, check: bool, cause: Cause):
    """Recompute the trees whose roots lie within `bounds`, in one transaction."""
    first, last = bounds
    trees = Q(root_id__gte=first, root_id__lte=last)
    with service_write(), transaction.atomic(), _without_cycle_collection():
        if not check:
            if connection.vendor == "postgresql":
                # The run's progress is saved after the batch commits, so a
                # batch lost to a crash is simply done again: no need to wait
                # for the disk.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            locked = Incident.objects.filter(
                parent__isnull=True, pk__gte=first, pk__lte=last
            ).order_by("pk")
            list(locked.select_for_update(no_key=True).values_list("pk", flat=True))
        snapshot = _read_trees(trees)
        plan = _plan(_compute(snapshot, None, load_taxonomy()), snapshot.stored, None)
        roots = sum(1 for parent, _, _ in snapshot.incidents.values() if parent is None)
        if check:
            return bounds, roots, len(snapshot.claims), 0, list(plan.differences())
        return bounds, roots, len(snapshot.claims), _write(plan, cause), []


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
        [claim for claim in snapshot.claim_data() if claim.incident in parent],
        snapshot.superseded_elsewhere(which),
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
        _claim_data(row, row[10] is not None or not counts_in(WORKING, row[-1]), ())
        for row in rows
    ]
    return reconcile.set_aside(data, elsewhere)
