"""The dashboard's figures, read from the stored tallies by aggregate queries.

Casualties are summed over the tallies of top-level incidents only: a
top-level tally already holds everything below it (SPEC rule 4), so adding
the tallies of its parts would count the same dead twice (the API's `stats/`
sums the same way). Every figure is a SUM or COUNT grouped in the database,
so the page runs the same dozen queries at 30 incidents or 400,000, and an
incident counts in the period of its start date and the place of its
location, as the incident list's filters have it.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDay, TruncMonth, TruncWeek
from django.urls import reverse

from casualties import summary
from casualties.models import WORKING, ClaimantSide, Tally, VictimGroup, figures_for
from incidents.access import visible_incidents
from incidents.charts import Period, interval_text
from incidents.models import Incident, Location

ALL, KILLED, INJURED = "all", "killed", "injured"
# The map shows at most this many incidents, the newest first.
MAP_LIMIT = 2000
# Top-level incidents per page of the reconciliation table.
TABLE_PAGE_SIZE = 20
# Bars per day up to this many days of data, per week up to the second, then
# per month, so that a timeline never grows past a few hundred bars.
DAILY_UP_TO_DAYS = 60
WEEKLY_UP_TO_DAYS = 730
TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the page to; empty fields narrow nothing."""

    started_after: datetime.date | None = None
    started_before: datetime.date | None = None
    place: Location | None = None


@dataclass(frozen=True)
class Figures:
    """A reconciled sum: `high` None when any summed high is open."""

    low: int
    best: int
    high: int | None

    @property
    def interval(self) -> str:
        return interval_text(self.low, self.high)


NO_FIGURES = Figures(0, 0, 0)


@dataclass(frozen=True)
class Totals:
    incidents: int  # at every level
    top_level: int
    disputed: int  # incidents with a disputed tally
    mapped: int  # incidents whose location has coordinates
    first: datetime.date | None  # start dates of the top-level incidents
    last: datetime.date | None
    killed: Figures
    injured: Figures


@dataclass(frozen=True)
class SideFigures:
    """What one side claimed, summed over the incidents where it spoke."""

    slug: str
    name: str
    low: int
    high: int | None
    incidents: int

    @property
    def interval(self) -> str:
        return interval_text(self.low, self.high)


@dataclass(frozen=True)
class GroupFigures:
    """One victim group's reconciled sum, and each side's own claims.

    `columns` follows the order of all sides, None where a side said nothing.
    """

    slug: str
    name: str
    figures: Figures
    columns: list[SideFigures | None]

    @property
    def sides(self) -> list[SideFigures]:
        return [side for side in self.columns if side is not None]


@dataclass(frozen=True)
class TallyRow:
    """One line of the reconciliation table: a group at one incident."""

    group: str
    figures: Figures
    official: str
    perpetrator: str
    others: list[tuple[str, str]]  # (side name, interval)
    disputed: bool
    status: str
    status_display: str


@dataclass(frozen=True)
class Dashboard:
    figures: str  # "working" (drafts included) or "published" (SPEC rule 9)
    totals: Totals
    sides: list[tuple[str, str]]  # (slug, name), highest rank first
    groups: list[GroupFigures]
    interval: str  # of the timeline: day, week or month
    periods: list[Period]
    table: Page  # of top-level incidents, each with `.rows`
    waiting_for_review: int | None  # None: not the reader's business


def build(
    user, filters: Filters, *, page_number=None, with_review: bool = False
) -> Dashboard:
    """Everything the page shows, for the incidents this user may read."""
    with summary.read_together():
        return _build(user, filters, page_number, with_review)


def _build(user, filters: Filters, page_number, with_review: bool) -> Dashboard:
    incidents = filtered_incidents(user, filters)
    which = figures_for(user)
    sides = list(ClaimantSide.objects.values_list("slug", "name"))
    groups = group_order()
    sums = Sums.for_filters(filters, which)
    if sums is None:
        totals = summarise(incidents, which)
        by_groups = by_group(incidents, which, sides=sides, groups=groups)
    else:
        totals = sums.totals()
        by_groups = sums.by_group(sides=sides, groups=groups)
    interval = choose_interval(totals.first, totals.last)
    if sums is not None and interval == "month":
        periods = sums.timeline(totals.first, totals.last)
    else:
        periods = timeline(incidents, which, interval, totals.first, totals.last)
    return Dashboard(
        figures=which,
        totals=totals,
        sides=sides,
        groups=by_groups,
        interval=interval,
        periods=periods,
        table=reconciliation_page(
            incidents,
            which,
            page_number,
            sides=sides,
            groups=groups,
            count=totals.top_level,
        ),
        waiting_for_review=(
            None
            if not with_review
            else waiting_for_review(incidents)
            if sums is None
            else sums.waiting_for_review()
        ),
    )


def filtered_incidents(user, filters: Filters) -> QuerySet[Incident]:
    """The incidents of every level this user may read, within the filters.

    Retracted incidents stay out: their figures no longer stand.
    """
    incidents = visible_incidents(user)
    if filters.started_after:
        incidents = incidents.filter(start_date__gte=filters.started_after)
    if filters.started_before:
        incidents = incidents.filter(start_date__lte=filters.started_before)
    if filters.place:
        incidents = incidents.filter(location__path__startswith=filters.place.path)
    return incidents


def _top_level_tallies(incidents: QuerySet[Incident], which: str) -> QuerySet[Tally]:
    top = incidents.top_level().values("pk")
    return Tally.objects.figures(which).filter(incident__in=top)


def _killed(which: str) -> FilteredRelation:
    """The all/killed tally of an incident, in these figures."""
    return FilteredRelation(
        "tallies",
        condition=Q(
            tallies__group=ALL,
            tallies__outcome=KILLED,
            tallies__scope__in=Tally.Scope.covering(which),
        ),
    )


def _figures(row: dict) -> Figures:
    return Figures(
        low=row["sum_low"] or 0,
        best=row["sum_best"] or 0,
        high=None if row["n_open"] else (row["sum_high"] or 0),
    )


SUMS = {
    "sum_low": Sum("low"),
    "sum_best": Sum("best"),
    "sum_high": Sum("high"),
    "n_open": Count("pk", filter=Q(high__isnull=True)),
}


def summarise(incidents: QuerySet[Incident], which: str) -> Totals:
    """The headline: counts of incidents, and killed and injured of every group."""
    top = Q(parent__isnull=True)
    counts = incidents.aggregate(
        incidents=Count("pk"),
        top_level=Count("pk", filter=top),
        disputed=Count(
            "pk",
            filter=Exists(
                Tally.objects.figures(which).filter(
                    incident=OuterRef("pk"), disputed=True
                )
            ),
        ),
        mapped=Count("pk", filter=Q(location__latitude__isnull=False)),
        first=Min("start_date", filter=top),
        last=Max("start_date", filter=top),
    )
    sums = {
        row["outcome"]: _figures(row)
        for row in _top_level_tallies(incidents, which)
        .filter(group=ALL, outcome__in=[KILLED, INJURED])
        .values("outcome")
        .annotate(**SUMS)
        .order_by("outcome")
    }
    return Totals(
        **counts,
        killed=sums.get(KILLED, NO_FIGURES),
        injured=sums.get(INJURED, NO_FIGURES),
    )


def group_order() -> list[tuple[str, str]]:
    """(slug, name) of the victim groups, each whole before its parts."""
    rows = list(VictimGroup.objects.values_list("slug", "name", "parent_id"))
    children: dict[str | None, list[tuple[str, str]]] = {}
    for slug, name, parent in rows:
        children.setdefault(parent, []).append((slug, name))
    ordered: list[tuple[str, str]] = []

    def visit(parent):
        for slug, name in sorted(children.get(parent, []), key=lambda g: g[1]):
            ordered.append((slug, name))
            visit(slug)

    visit(None)
    return ordered


def by_group(
    incidents: QuerySet[Incident],
    which: str,
    *,
    sides: list[tuple[str, str]],
    groups: list[tuple[str, str]],
    outcome: str = KILLED,
) -> list[GroupFigures]:
    """Per victim group: the reconciled sum and each side's summed interval.

    A side's interval is read from `by_side` of the top-level tallies, so it
    is what the side said about whole incidents (as `stats/?by=side`). Its
    keys are summed in the database: one query, one row per group.
    """
    aggregates = dict(SUMS)
    for index, (slug, _name) in enumerate(sides):
        spoke = Q(by_side__has_key=slug)
        aggregates |= {
            f"side{index}_n": Count("pk", filter=spoke),
            f"side{index}_low": Sum(Cast(KT(f"by_side__{slug}__low"), IntegerField())),
            f"side{index}_high": Sum(
                Cast(KT(f"by_side__{slug}__high"), IntegerField())
            ),
            f"side{index}_open": Count(
                "pk", filter=spoke & Q(**{f"by_side__{slug}__high": None})
            ),
        }
    rows = {
        row["group"]: row
        for row in _top_level_tallies(incidents, which)
        .filter(outcome=outcome)
        .values("group")
        .annotate(**aggregates)
        .order_by("group")
    }

    def said(group: str, index: int) -> dict:
        row = rows[group]
        return {key: row[f"side{index}_{key}"] for key in ("n", "low", "high", "open")}

    return _group_figures(groups, sides, rows, said)


def _group_figures(groups, sides, rows: dict, said) -> list[GroupFigures]:
    """The groups' rows, built once for the tallies and the monthly sums:
    `rows` holds each group's summed figures, and `said(group, index)` what
    the index-th side said of it (`n` incidents, `low`, `high`, `open`)."""
    result = []
    for slug, name in groups:
        if slug not in rows:
            continue
        columns = []
        for index, (side, side_name) in enumerate(sides):
            side_row = said(slug, index)
            columns.append(
                SideFigures(
                    slug=side,
                    name=side_name,
                    low=side_row["low"] or 0,
                    high=None if side_row["open"] else (side_row["high"] or 0),
                    incidents=side_row["n"],
                )
                if side_row and side_row["n"]
                else None
            )
        result.append(
            GroupFigures(
                slug=slug, name=name, figures=_figures(rows[slug]), columns=columns
            )
        )
    return result


MAX_FILLED_PERIODS = 600  # fifty years of months


def choose_interval(first: datetime.date | None, last: datetime.date | None) -> str:
    """Days for up to two months of data, weeks up to two years, then months."""
    if first is None or last is None:
        return "day"
    days = (last - first).days
    if days <= DAILY_UP_TO_DAYS:
        return "day"
    return "week" if days <= WEEKLY_UP_TO_DAYS else "month"


def timeline(
    incidents: QuerySet[Incident],
    which: str,
    interval: str,
    first: datetime.date | None,
    last: datetime.date | None,
) -> list[Period]:
    """Top-level incidents and their killed (best, all groups) per period,
    with the empty periods between the first and the last filled in."""
    if first is None or last is None:
        return []
    rows = (
        incidents.top_level()
        .annotate(killed_tally=_killed(which), period=TRUNCATE[interval]("start_date"))
        .values("period")
        .annotate(incidents=Count("pk"), killed=Sum("killed_tally__best"))
        .order_by("period")
    )
    found = {_as_date(row["period"]): row for row in rows}
    return _periods(found, interval, first, last)


def _periods(
    found: dict[datetime.date, dict],
    interval: str,
    first: datetime.date,
    last: datetime.date,
) -> list[Period]:
    """Each period's row (`incidents`, `killed`) of `found`, by its first
    day. Empty periods are filled in between, unless the span is so long (a
    typo such as year 0001 or 9999) that the page would hold thousands of
    them: then only the periods with incidents are listed."""
    days_per_period = {"day": 1, "week": 7, "month": 28}[interval]
    if (last - first).days // days_per_period > MAX_FILLED_PERIODS:
        starts = sorted(found)
    else:
        starts = period_starts(first, last, interval)
    periods = []
    for start in starts:
        row = found.get(start, {})
        periods.append(
            Period(
                start=start,
                label=period_label(start, interval),
                incidents=row.get("incidents") or 0,
                killed=row.get("killed") or 0,
            )
        )
    return periods


class Sums:
    """The headline, the groups and a monthly timeline, added up from the
    monthly sums (`casualties.summary`) rather than from every tally; the
    same figures as `summarise`, `by_group` and `timeline`, for the filters
    the sums can answer (whole months, a country or a province)."""

    def __init__(self, scope: summary.Scope, which: str):
        self.scope, self.which = scope, which
        self.states = summary.statuses(which)

    @classmethod
    def for_filters(cls, filters: Filters, which: str) -> "Sums | None":
        scope = summary.scope_for(
            filters.started_after, filters.started_before, filters.place
        )
        return None if scope is None else cls(scope, which)

    def _figures(self):
        return summary.figure_sums(self.scope, self.which, self.states)

    def _remembered(self, name: str, compute, *args):
        """A panel's reading, remembered while the sums stay as they are."""
        key = ("dashboard", name, self.scope, self.which, tuple(self.states), args)
        return summary.remembered(key, lambda: compute(*args))

    def totals(self) -> Totals:
        return self._remembered("totals", self._totals)

    def by_group(
        self,
        *,
        sides: list[tuple[str, str]],
        groups: list[tuple[str, str]],
        outcome: str = KILLED,
    ) -> list[GroupFigures]:
        return self._remembered("by_group", self._by_group, sides, groups, outcome)

    def timeline(
        self, first: datetime.date | None, last: datetime.date | None
    ) -> list[Period]:
        """Per month: top-level incidents, and killed (best, all groups)."""
        return self._remembered("timeline", self._timeline, first, last)

    def waiting_for_review(self) -> int:
        """Working tallies of these incidents an editor has yet to settle."""
        return self._remembered("waiting", self._waiting_for_review)

    def _totals(self) -> Totals:
        disputed = (
            "disputed_working" if self.which == WORKING else ("disputed_published")
        )
        top = Q(top_level=True)
        summed = summary.incident_sums(self.scope, self.states).aggregate(
            n_incidents=Sum("incidents"),
            n_top_level=Sum("incidents", filter=top),
            n_disputed=Sum(disputed),
            n_mapped=Sum("mapped"),
            n_first=Min("first", filter=top),
            n_last=Max("last", filter=top),
        )
        counts = {name[2:]: value or 0 for name, value in summed.items()}
        counts["first"], counts["last"] = summed["n_first"], summed["n_last"]
        sums = {
            row["outcome_id"]: _figures(row)
            for row in self._figures()
            .filter(group_id=ALL, outcome_id__in=[KILLED, INJURED])
            .values("outcome_id")
            .annotate(**SUMMED)
            .order_by("outcome_id")
        }
        return Totals(
            **counts,
            killed=sums.get(KILLED, NO_FIGURES),
            injured=sums.get(INJURED, NO_FIGURES),
        )

    def _by_group(
        self,
        sides: list[tuple[str, str]],
        groups: list[tuple[str, str]],
        outcome: str,
    ) -> list[GroupFigures]:
        rows = {
            row["group_id"]: row
            for row in self._figures()
            .filter(outcome_id=outcome)
            .values("group_id")
            .annotate(**SUMMED)
            .order_by("group_id")
        }
        claimed = {
            (row["group_id"], row["side_id"]): row
            for row in summary.side_sums(self.scope, self.which, self.states)
            .filter(outcome_id=outcome)
            .values("group_id", "side_id")
            .annotate(n=Sum("incidents"), low=Sum("low"), high=Sum("high"))
            .annotate(open=Sum("open"))
            .order_by("group_id", "side_id")
        }
        return _group_figures(
            groups,
            sides,
            rows,
            lambda group, index: claimed.get((group, sides[index][0])),
        )

    def _timeline(
        self, first: datetime.date | None, last: datetime.date | None
    ) -> list[Period]:
        if first is None or last is None:
            return []
        found = {
            row["month"]: {"incidents": row["n"]}
            for row in summary.incident_sums(self.scope, self.states)
            .filter(top_level=True)
            .values("month")
            .annotate(n=Sum("incidents"))
            .order_by("month")
        }
        for row in (
            self._figures()
            .filter(group_id=ALL, outcome_id=KILLED)
            .values("month")
            .annotate(killed=Sum("best"))
            .order_by("month")
        ):
            found.setdefault(row["month"], {})["killed"] = row["killed"]
        return _periods(found, "month", first, last)

    def _waiting_for_review(self) -> int:
        summed = summary.incident_sums(self.scope, self.states).aggregate(
            n=Sum("waiting")
        )
        return summed["n"] or 0


# The monthly sums' columns, as SUMS reads the tallies'.
SUMMED = {
    "sum_low": Sum("low"),
    "sum_best": Sum("best"),
    "sum_high": Sum("high"),
    "n_open": Sum("open"),
}


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def period_starts(
    first: datetime.date, last: datetime.date, interval: str
) -> Iterable[datetime.date]:
    """The first day of every period from the one holding `first` to `last`
    (up to the calendar's end: nothing follows 9999-12-31)."""
    if interval == "day":
        start, step = first, datetime.timedelta(days=1)
    elif interval == "week":
        start = first - datetime.timedelta(days=first.weekday())
        step = datetime.timedelta(days=7)
    else:
        start, step = first.replace(day=1), datetime.timedelta(days=32)
    while start <= last:
        yield start
        try:
            start += step
        except OverflowError:
            return
        if interval == "month":
            start = start.replace(day=1)


def period_label(start: datetime.date, interval: str) -> str:
    """The period's first day (a week's Monday), or its month."""
    return start.strftime("%Y-%m") if interval == "month" else start.isoformat()


def map_data(user, filters: Filters) -> dict:
    """The map's GeoJSON for what the page shows, fetched by the page's script
    rather than embedded in it: at 400,000 incidents its 2,000 markers made
    630 KB of the page's 742 and a third of its time, and the figures and the
    table need not wait for them."""
    return map_features(filtered_incidents(user, filters), figures_for(user))


def map_features(
    incidents: QuerySet[Incident], which: str, limit: int = MAP_LIMIT
) -> dict:
    """The newest incidents (any level) that have coordinates, as GeoJSON,
    each with its killed (best, all groups) to size its marker."""
    rows = (
        incidents.filter(location__latitude__isnull=False)
        .annotate(killed_tally=_killed(which))
        .order_by("-start_date", "-id")
        .values(
            "pk",
            "title",
            "start_date",
            "parent_id",
            "location__name",
            "location__latitude",
            "location__longitude",
            "location_precision",
            "killed_tally__best",
        )[:limit]
    )
    url = detail_urls()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        row["location__longitude"],
                        row["location__latitude"],
                    ],
                },
                "properties": {
                    "id": row["pk"],
                    "title": row["title"],
                    "date": row["start_date"].isoformat(),
                    "place": row["location__name"],
                    "approximate": Incident.LocationPrecision.approximate(
                        row["location_precision"]
                    ),
                    "killed": row["killed_tally__best"],
                    "top_level": row["parent_id"] is None,
                    "url": url(row["pk"]),
                },
            }
            for row in rows
        ],
    }


URL_SENTINEL = 987654321987


def detail_urls() -> Callable[[int], str]:
    """Incident pages' addresses by id, from one reverse() for all: 2,000 of
    them took a third of the map's time."""
    url = reverse("incidents:detail", args=[URL_SENTINEL])
    return lambda pk: url.replace(str(URL_SENTINEL), str(pk))


def reconciliation_page(
    incidents: QuerySet[Incident],
    which: str,
    page_number,
    *,
    sides: list[tuple[str, str]],
    groups: list[tuple[str, str]],
    count: int | None = None,
) -> Page:
    """A page of top-level incidents, newest first, each with `.rows`: its
    killed tallies, official against claimed against the best. `count`: the
    top-level incidents, when the headline has counted them already."""
    # Only the columns the table shows: the incidents' texts and the tallies'
    # other figures made up most of the page's model loading.
    top = (
        incidents.top_level()
        .select_related("location")
        .only("id", "title", "start_date", "status", "location__name")
        .prefetch_related(
            Prefetch(
                "tallies",
                queryset=Tally.objects.figures(which)
                .filter(outcome=KILLED)
                .only(*_TABLE_TALLY)
                .order_by("id"),
                to_attr="killed_tallies",
            )
        )
        .order_by("-start_date", "-id")
    )
    paginator = Paginator(top, TABLE_PAGE_SIZE)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(page_number)
    page.object_list = list(page.object_list)
    names = dict(sides)
    rank = {slug: index for index, (slug, _name) in enumerate(groups)}
    group_names = dict(groups)
    for incident in page.object_list:
        tallies = sorted(
            incident.killed_tallies, key=lambda t: rank.get(t.group_id, len(rank))
        )
        incident.rows = [_tally_row(tally, group_names, names) for tally in tallies]
    return page


_TABLE_TALLY = (
    "id",
    "incident_id",
    "group_id",
    "low",
    "best",
    "high",
    "by_side",
    "disputed",
    "status",
)


def _tally_row(tally: Tally, group_names: dict, side_names: dict) -> TallyRow:
    """`side_names` is ordered by rank: PostgreSQL's jsonb keeps no key order."""
    claimed = tally.by_side if isinstance(tally.by_side, dict) else {}

    def shown(side: str) -> str:
        interval = claimed.get(side)
        return interval_text(interval["low"], interval["high"]) if interval else ""

    return TallyRow(
        group=group_names.get(tally.group_id, tally.group_id),
        figures=Figures(tally.low, tally.best, tally.high),
        official=shown("official"),
        perpetrator=shown("perpetrator"),
        others=[
            (side_names.get(side, side), shown(side))
            for side in [*side_names, *sorted(set(claimed) - set(side_names))]
            if side in claimed and side not in ("official", "perpetrator")
        ],
        disputed=tally.disputed,
        status=tally.status,
        status_display=tally.get_status_display(),
    )


def waiting_for_review(incidents: QuerySet[Incident]) -> int:
    """Tallies of these incidents an editor has yet to settle."""
    return (
        Tally.objects.figures(WORKING)
        .needing_review()
        .filter(incident__in=incidents.values("pk"))
        .count()
    )
