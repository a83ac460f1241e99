"""Sums per month of the tallies and incidents, for the dashboard and stats/.

At 400,000 incidents, each aggregate of the dashboard joined every top-level
tally to its incident (0.5 to 0.9 s each, 2.7 s for the page). The same sums,
stored per month, place (country, province) and standing, are a few thousand
rows: the dashboard and `stats/` add those up instead, whenever what they were
asked for is whole months and whole provinces (`usable`); anything finer is
read from the tallies as before, with the same result.

How the sums stay exact (PostgreSQL only; SQLite reads the tallies):

- Triggers on incidents, tallies and locations record the month of every row
  a statement changed in `casualties_summarystale`, with the id of the writing
  transaction. A trigger is a door no write can miss: the services, the
  engine's rebuilds, imports by COPY, the admin, a raw UPDATE. It only
  inserts, so writers never wait for each other or for readers.
- A month's sums are read in one statement, and the snapshot that statement
  saw is stored with them (`SummaryMonth`). They are stale as soon as a stale
  mark exists for the month whose transaction is not visible in that snapshot
  (it committed after, or was still running). A reader that finds stale months
  reads them again, one reader at a time (an advisory lock), and clears the
  marks that the new snapshot covers.

A change of a location's path or point marks the months of the incidents
there: it moves them between provinces, or onto the map. A TRUNCATE marks
every month (`ALL`).
"""

import datetime
import hashlib
from collections.abc import Callable, Collection
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum

from casualties.models import PUBLISHED, FigureSum, IncidentSum, SideSum
from incidents.base import path_ids

ALL = datetime.date(1, 1, 1)  # the stale mark of every month
LOCK = 7_311_002  # pg_advisory_xact_lock key: one refresh at a time
STALE = "casualties_summarystale"


@dataclass(frozen=True)
class Scope:
    """What a reader asked for, in the terms the sums are kept in."""

    first_month: datetime.date | None = None  # whole months, inclusive
    last_month: datetime.date | None = None
    country_id: int | None = None
    admin1_id: int | None = None

    def filter(self, rows):
        if self.first_month is not None:
            rows = rows.filter(month__gte=self.first_month)
        if self.last_month is not None:
            rows = rows.filter(month__lte=self.last_month)
        if self.country_id is not None:
            rows = rows.filter(country_id=self.country_id)
        if self.admin1_id is not None:
            rows = rows.filter(admin1_id=self.admin1_id)
        return rows


def scope_for(
    started_after: datetime.date | None,
    started_before: datetime.date | None,
    place=None,
) -> Scope | None:
    """The sums' terms for these filters, or None when the sums cannot answer
    them exactly (not PostgreSQL, a period that cuts a month, a place below a
    province)."""
    if connection.vendor != "postgresql":
        return None
    if started_after is not None and started_after.day != 1:
        return None
    if started_before is not None and not _last_day(started_before):
        return None
    country = admin1 = None
    if place is not None:
        ids = path_ids(place.path)
        if len(ids) == 1:
            country = ids[0]
        elif len(ids) == 2:
            admin1 = ids[1]
        else:
            return None
    return Scope(
        first_month=started_after,
        last_month=started_before.replace(day=1) if started_before else None,
        country_id=country,
        admin1_id=admin1,
    )


def _last_day(day: datetime.date) -> bool:
    return (day + datetime.timedelta(days=1)).day == 1


def statuses(which: str, *, include_retracted: bool = False) -> list[str]:
    """The standings of the incidents a reader of these figures sees (as
    `Incident.objects.visible_to` has it)."""
    if which == PUBLISHED:
        return ["published"]
    return (
        ["draft", "published", "retracted"]
        if include_retracted
        else [
            "draft",
            "published",
        ]
    )


def figure_sums(scope: Scope, which: str, states: Collection[str]):
    fresh()
    rows = FigureSum.objects.filter(figures=which, status__in=states)
    return scope.filter(rows)


def side_sums(scope: Scope, which: str, states: Collection[str]):
    fresh()
    rows = SideSum.objects.filter(figures=which, status__in=states)
    return scope.filter(rows)


def incident_sums(scope: Scope, states: Collection[str]):
    fresh()
    return scope.filter(IncidentSum.objects.filter(status__in=states))


def months_before(offset: int, states: Collection[str]) -> tuple[datetime.date, int]:
    """Where row `offset` (from 0) of the incidents of these standings lies,
    newest first: the first day of the month after its month, and how many
    incidents start on or after that day. A list in that order can then
    begin at that day instead of reading that many rows (an OFFSET reads
    them all: 300,000 index entries for page 3,000). (ALL, 0) when the row
    lies in the newest month or past the last."""
    months = (
        incident_sums(Scope(), states)
        .values("month")
        .annotate(incidents=Sum("incidents"))
        .order_by("-month")
        .values_list("month", "incidents")
    )
    before, after = 0, ALL
    for month, incidents in months:
        if before + incidents > offset:
            return after, before
        before, after = before + incidents, month
    return ALL, 0


# --- keeping them current ----------------------------------------------------------


def stale_months() -> set[datetime.date]:
    """Months whose stored sums miss a committed change, or a change of this
    transaction made after it read them (ALL: every month)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT s.month FROM {STALE} s "
            "LEFT JOIN casualties_summarymonth m ON m.month = s.month "
            "WHERE m.month IS NULL "
            "OR NOT pg_visible_in_snapshot(s.xid, m.snapshot::pg_snapshot) "
            # A transaction sees its own writes in its own snapshot: a mark it
            # made after reading the sums is no less stale for that.
            "OR s.xid = pg_current_xact_id_if_assigned()"
        )
        return {month for (month,) in cursor.fetchall()}


# Inside `read_together`: whether its first read has brought the sums up to date.
_together: ContextVar[bool | None] = ContextVar("summary_read_together", default=None)


# Inside `read_together`: the sums' version, once read.
_version: ContextVar[str | None] = ContextVar("summary_version", default=None)


@contextmanager
def read_together():
    """Sums read inside are brought up to date once, at the first read: the
    panels of one page then show the sums as of one moment, and the check
    for stale months (1-2 ms) runs once, not once a panel (six on the
    dashboard)."""
    token = _together.set(False)
    version_token = _version.set(None)
    try:
        yield
    finally:
        _version.reset(version_token)
        _together.reset(token)


MEMO_SECONDS = 3600
MEMO_PREFIX = "summary-memo:"


def remembered[T](key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, a reading of the stored sums, remembered in the cache
    under `key` and the sums' version, so that readers asking the same
    again read the cache, not the sums (the dashboard's panels: 7 queries,
    about 30 ms at 400,000 incidents).

    The version names what the stored sums are as of (`version`): any
    refresh changes it, so a remembered reading is never older than the
    sums a reader would read. Inside a transaction nothing is remembered:
    the sums it reads may hold its own writes, which a rollback would undo.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return compute()
    digest = hashlib.sha256(repr((key, version())).encode()).hexdigest()
    found = cache.get(MEMO_PREFIX + digest)
    if found is None:
        found = compute()
        cache.set(MEMO_PREFIX + digest, found, MEMO_SECONDS)
    return found


def version() -> str:
    """What the stored sums are as of, brought up to date first: each
    stored month with the snapshot its sums were read in.

    A month's sums are what that snapshot saw, so the same months with the
    same snapshots are the same sums; every refresh stores a snapshot that
    sees a change the old one did not, so it changes the version. Read once
    inside `read_together`."""
    found = _version.get()
    if found is not None:
        return found
    fresh()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(coalesce(string_agg(month::text || ' ' || snapshot, ','"
            " ORDER BY month), '')) FROM casualties_summarymonth"
        )
        (found,) = cursor.fetchone()
    if _together.get() is not None:
        _version.set(found)
    return found


def fresh() -> None:
    """Read again the months that are stale, if any."""
    together = _together.get()
    if together:
        return
    if together is False:
        _together.set(True)
    if not stale_months():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        months = stale_months()  # another reader may have done it meanwhile
        if months:
            _refresh(cursor, None if ALL in months else sorted(months))


def _refresh(cursor, months: list[datetime.date] | None) -> None:
    """Read the sums of these months (None: all of them) and store them with
    the snapshot they were read in, then clear the marks it covers.

    The three tables are filled by one statement (data-modifying WITH), so
    that every sum comes from that one snapshot."""
    within = ""  # the incidents of these months: ranges of the start_date index
    if months is not None:
        ranges = " OR ".join(
            f"(i.start_date >= '{month.isoformat()}' "
            f"AND i.start_date < date '{month.isoformat()}' + interval '1 month')"
            for month in months
        )
        within = f"AND ({ranges})"
    tables = ("figuresum", "sidesum", "incidentsum", "summarymonth")
    for table in tables:
        if months is None:
            cursor.execute(f"DELETE FROM casualties_{table}")
        else:
            cursor.execute(
                f"DELETE FROM casualties_{table} WHERE month = ANY(%s)", [months]
            )
    cursor.execute("SET LOCAL work_mem = '64MB'")  # sorts in memory, not on disk
    flags = ALL_FLAGS if months is None else SOME_FLAGS
    statement = FILL.replace("{within}", within).replace("{flags}", flags)
    cursor.execute(statement, {"months": months or [ALL]})
    (snapshot,) = cursor.fetchone()
    # The statement saw this transaction's own changes too, but a snapshot
    # counts its own transaction as running when no later one has finished
    # (own xid >= xmax), so its marks are cleared by id as well.
    cleared = (
        f"DELETE FROM {STALE} WHERE (pg_visible_in_snapshot(xid, %s::pg_snapshot)"
        " OR xid = pg_current_xact_id_if_assigned())"
    )
    if months is None:
        cursor.execute(cleared, [snapshot])
        # Every row of the sums is new: without fresh statistics the planner
        # takes each table for empty until autovacuum comes by, and sorts
        # 22,000 rows of side sums for the dashboard where a hash would do
        # (14 ms against 7 at 400,000 incidents).
        cursor.execute(f"ANALYZE {', '.join(f'casualties_{t}' for t in tables)}")
    else:
        cursor.execute(cleared + " AND month = ANY(%s)", [snapshot, months])


# Per incident: whether a tally is disputed in the working and in the
# published figures, and how many working tallies wait for an editor. All
# tallies are aggregated at once for a full read, each incident's looked up
# through its index for a few months.
FLAGS = """
  SELECT bool_or(disputed AND scope IN ('both', 'working')) AS working,
         bool_or(disputed AND scope IN ('both', 'published')) AS published,
         count(*) FILTER (WHERE scope IN ('both', 'working')
           AND status IN ('needs_review', 'stale')) AS waiting
  FROM casualties_tally d
  WHERE (d.disputed OR d.status IN ('needs_review', 'stale'))"""
ALL_FLAGS = f"LEFT JOIN ({FLAGS} GROUP BY incident_id) f ON f.incident_id = i.id"
ALL_FLAGS = ALL_FLAGS.replace("SELECT bool_or", "SELECT incident_id, bool_or", 1)
SOME_FLAGS = """LEFT JOIN LATERAL (SELECT
  EXISTS (SELECT 1 FROM casualties_tally d WHERE d.incident_id = i.id
    AND d.disputed AND d.scope IN ('both', 'working')) AS working,
  EXISTS (SELECT 1 FROM casualties_tally d WHERE d.incident_id = i.id
    AND d.disputed AND d.scope IN ('both', 'published')) AS published,
  (SELECT count(*) FROM casualties_tally w WHERE w.incident_id = i.id
    AND w.scope IN ('both', 'working')
    AND w.status IN ('needs_review', 'stale')) AS waiting
) f ON TRUE"""

# Columns shared by the sums: month, country, province (ids at depth 0 and 1
# of the location path '/country/province/.../'), standing.
WHERE_KEY = """date_trunc('month', i.start_date)::date AS month,
  NULLIF(split_part(l.path, '/', 2), '')::bigint AS country_id,
  NULLIF(split_part(l.path, '/', 3), '')::bigint AS admin1_id,
  i.effective_status AS status"""
KEY = "month, country_id, admin1_id, status"
FIGURE_SETS = (
    "CROSS JOIN LATERAL unnest(CASE WHEN t.scope = 'both' "
    "THEN ARRAY['working', 'published'] ELSE ARRAY[t.scope::text] END) AS w(figures)"
)
# The tallies of each figure set, each read through the unique index that
# holds that set's rows.
TOP = f"""
  SELECT {WHERE_KEY}, w.figures, t.group_id, t.outcome_id, t.low, t.best,
         t.high, t.by_side
  FROM incidents_incident i
  JOIN casualties_tally t ON t.incident_id = i.id AND t.scope IN {{scopes}}
  LEFT JOIN incidents_location l ON l.id = i.location_id
  {FIGURE_SETS}
  WHERE i.parent_id IS NULL {{within}}"""
FILL = f"""
WITH top AS (
  {TOP.replace("{scopes}", "('both', 'working')")}
  UNION ALL
  {TOP.replace("{scopes}", "('published')")}
), figures AS (
  INSERT INTO casualties_figuresum ({KEY}, figures, group_id, outcome_id,
    incidents, low, best, high, open)
  SELECT {KEY}, figures, group_id, outcome_id, count(*), sum(low), sum(best),
         coalesce(sum(high), 0), count(*) FILTER (WHERE high IS NULL)
  FROM top GROUP BY {KEY}, figures, group_id, outcome_id
  ORDER BY figures, outcome_id, group_id, status, month  -- as they are read
  RETURNING month
), sides AS (
  INSERT INTO casualties_sidesum ({KEY}, figures, group_id, outcome_id, side_id,
    incidents, low, high, open)
  SELECT {KEY}, figures, group_id, outcome_id, s.key, count(*),
         coalesce(sum((s.value->>'low')::bigint), 0),
         coalesce(sum((s.value->>'high')::bigint), 0),
         count(*) FILTER (WHERE s.value->>'high' IS NULL)
  FROM top CROSS JOIN LATERAL jsonb_each(top.by_side) s
  GROUP BY {KEY}, figures, group_id, outcome_id, s.key
  ORDER BY figures, outcome_id, status, month
  RETURNING month
), counted AS (
  INSERT INTO casualties_incidentsum ({KEY}, top_level, incidents, mapped,
    disputed_working, disputed_published, waiting, first, last)
  SELECT {WHERE_KEY}, i.parent_id IS NULL, count(*),
         count(*) FILTER (WHERE l.latitude IS NOT NULL),
         count(*) FILTER (WHERE f.working), count(*) FILTER (WHERE f.published),
         coalesce(sum(f.waiting), 0), min(i.start_date), max(i.start_date)
  FROM incidents_incident i
  LEFT JOIN incidents_location l ON l.id = i.location_id
  {{flags}}
  WHERE TRUE {{within}}
  GROUP BY 1, 2, 3, 4, i.parent_id IS NULL
  RETURNING month
), months AS (
  INSERT INTO casualties_summarymonth (month, snapshot)
  SELECT month, pg_current_snapshot()::text FROM (
    SELECT month FROM counted UNION SELECT month FROM figures
    UNION SELECT month FROM sides UNION SELECT unnest(%(months)s::date[])
  ) done
  RETURNING month
)
SELECT pg_current_snapshot()::text FROM (SELECT count(*) FROM months) written
"""


# --- the triggers that mark stale months (installed by migration 0018) ------------

TRIGGERS = f"""
CREATE TABLE IF NOT EXISTS {STALE} (
  month date NOT NULL,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX IF NOT EXISTS {STALE}_month ON {STALE} (month);

CREATE OR REPLACE FUNCTION summary_stale_incidents() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {STALE} (month)
    SELECT DISTINCT date_trunc('month', start_date)::date FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {STALE} (month)
    SELECT DISTINCT date_trunc('month', start_date)::date FROM old_rows;
  ELSE
    INSERT INTO {STALE} (month)
    SELECT DISTINCT date_trunc('month', d)::date
    FROM new_rows n JOIN old_rows o USING (id),
         LATERAL (VALUES (n.start_date), (o.start_date)) AS days(d)
    WHERE (n.start_date, n.location_id, n.parent_id, n.status, n.effective_status)
      IS DISTINCT FROM
          (o.start_date, o.location_id, o.parent_id, o.status, o.effective_status);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION summary_stale_tallies() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO {STALE} (month)
    SELECT DISTINCT date_trunc('month', i.start_date)::date
    FROM new_rows t JOIN incidents_incident i ON i.id = t.incident_id;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO {STALE} (month)
    SELECT DISTINCT date_trunc('month', i.start_date)::date
    FROM old_rows t JOIN incidents_incident i ON i.id = t.incident_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION summary_stale_places() RETURNS trigger AS $$
BEGIN
  INSERT INTO {STALE} (month)
  SELECT DISTINCT date_trunc('month', i.start_date)::date
  FROM new_rows n JOIN old_rows o USING (id)
  JOIN incidents_incident i ON i.location_id = n.id
  WHERE (n.path, n.latitude) IS DISTINCT FROM (o.path, o.latitude);
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION summary_stale_all() RETURNS trigger AS $$
BEGIN
  INSERT INTO {STALE} (month) VALUES ('{ALL.isoformat()}');
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

# (table, trigger function, events with their transition tables)
EVENTS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
WATCHED = (
    ("incidents_incident", "summary_stale_incidents", ("INSERT", "UPDATE", "DELETE")),
    ("casualties_tally", "summary_stale_tallies", ("INSERT", "UPDATE", "DELETE")),
    ("incidents_location", "summary_stale_places", ("UPDATE",)),
)


def install(schema_editor) -> None:
    """The stale marks' table and triggers, and a mark of every month (the
    sums are read in full the first time they are asked for)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TRIGGERS)
    for table, function, events in WATCHED:
        for event in events:
            name = f"{table}_summary_{event.lower()}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} {EVENTS[event]} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        name = f"{table}_summary_truncate"
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION summary_stale_all()"
        )
    schema_editor.execute(f"INSERT INTO {STALE} (month) VALUES ('{ALL.isoformat()}')")


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _function, events in WATCHED:
        for event in (*events, "TRUNCATE"):
            name = f"{table}_summary_{event.lower()}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for function in (
        "summary_stale_incidents",
        "summary_stale_tallies",
        "summary_stale_places",
        "summary_stale_all",
    ):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {STALE}")
