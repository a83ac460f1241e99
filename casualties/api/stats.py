"""`stats/`: time series and breakdowns of the tallies of top-level incidents.

Only the tallies of top-level incidents are summed: a top-level tally already
holds everything below it (SPEC rule 4), so adding child tallies would count
the same casualties twice. Incidents are chosen with the incident list's own
IncidentFilterSet, so `stats/?country=PK` means what `incidents/?country=PK`
means. Every answer is a fixed number of aggregate queries, whatever the data.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek, TruncYear
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, serializers
from rest_framework.response import Response

from casualties import summary
from casualties.models import ClaimantSide, Outcome, Tally, VictimGroup, figures_for
from config.api import StrictCharField, can_edit
from config.viewsets import FIELD_ERRORS
from core.filters import StrictFilterBackend
from incidents.access import visible_incidents
from incidents.filters import IncidentFilterSet
from incidents.models import Incident, Location

INTERVALS = {
    "day": TruncDay,
    "week": TruncWeek,
    "month": TruncMonth,
    "year": TruncYear,
}
BREAKDOWNS = ("admin1", "country", "group", "outcome", "side")
DEFAULT_GROUP = "all"
DEFAULT_OUTCOME = "killed"


class StatsQuerySerializer(serializers.Serializer):
    """The parameters of stats/ besides the incident filters."""

    interval = serializers.ChoiceField(choices=list(INTERVALS), required=False)
    by = serializers.ChoiceField(choices=BREAKDOWNS, required=False)
    group = serializers.SlugRelatedField(
        slug_field="slug", queryset=VictimGroup.objects.all(), required=False
    )
    outcome = serializers.SlugRelatedField(
        slug_field="slug", queryset=Outcome.objects.all(), required=False
    )

    def validate(self, attrs):
        if ("interval" in attrs) == ("by" in attrs):
            message = "Give exactly one of interval and by."
            raise serializers.ValidationError({"interval": message, "by": message})
        by = attrs.get("by")
        if by in ("group", "outcome") and by in attrs:
            raise serializers.ValidationError(
                {by: f"Rows are already one per {by} with by={by}; leave {by} out."}
            )
        return attrs


class StatsPeriodRowSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="The first day of the period.")
    incidents = serializers.IntegerField(help_text="Top-level incidents counted.")
    low = serializers.IntegerField()
    best = serializers.IntegerField()
    high = serializers.IntegerField(
        allow_null=True, help_text="Null when any summed high is open."
    )


class StatsBreakdownRowSerializer(serializers.Serializer):
    key = StrictCharField(
        allow_null=True,
        help_text="Slug of the group, outcome or side, or the ISO code of the "
        "country or admin1; null for incidents without one.",
    )
    name = StrictCharField(allow_null=True)
    location = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Location id (by=admin1 and by=country only).",
    )
    incidents = serializers.IntegerField(help_text="Top-level incidents counted.")
    low = serializers.IntegerField()
    best = serializers.IntegerField(
        allow_null=True, help_text="Null for by=side: sides state intervals only."
    )
    high = serializers.IntegerField(
        allow_null=True, help_text="Null when any summed high is open."
    )


STATS_ROWS = PolymorphicProxySerializer(
    component_name="StatsRow",
    serializers=[StatsPeriodRowSerializer, StatsBreakdownRowSerializer],
    resource_type_field_name=None,
    many=True,
)


@extend_schema(
    summary="Time series and breakdowns of tallies",
    description=(
        "Sums of the tallies of top-level incidents (never their parts, so "
        "nothing is counted twice), for one victim group and one outcome "
        "(default all / killed), over the incidents the incident filters "
        "select. Give exactly one of `interval` (rows per day, week, month or "
        "year of the incident's start date; periods without tallies are left out) "
        "or `by` (rows per admin1, country, group, outcome or claimant side). "
        "`by=side` sums each side's own interval (low, high) as stored on the "
        "top-level tallies: it covers what each side said about the whole "
        "incident, not figures given only for its parts, and has no best."
    ),
    parameters=[
        OpenApiParameter(
            "interval", OpenApiTypes.STR, enum=list(INTERVALS), description="Period."
        ),
        OpenApiParameter(
            "by", OpenApiTypes.STR, enum=list(BREAKDOWNS), description="Breakdown."
        ),
        OpenApiParameter(
            "group",
            OpenApiTypes.STR,
            description=f"Victim group slug (default {DEFAULT_GROUP}).",
        ),
        OpenApiParameter(
            "outcome",
            OpenApiTypes.STR,
            description=f"Outcome slug (default {DEFAULT_OUTCOME}).",
        ),
    ],
    responses={
        200: STATS_ROWS,
        400: FIELD_ERRORS,
    },
)
class StatsView(generics.GenericAPIView):
    """Figures for charts and papers, from the stored tallies only."""

    queryset = Incident.objects.all()
    filter_backends = [StrictFilterBackend]
    filterset_class = IncidentFilterSet
    pagination_class = None

    def get(self, request):
        # A plain dict: from a QueryDict, DRF reads `by=` as `by` left out, and
        # a client that sent it empty would get a list it did not ask for.
        params = StatsQuerySerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        options = params.validated_data
        user = request.user
        incidents = self.filter_queryset(
            visible_incidents(user, include_retracted=True)
        )
        tallies = Tally.objects.figures(figures_for(user)).filter(
            incident__in=incidents.filter(parent__isnull=True).values("pk")
        )
        group = options.get("group")
        outcome = options.get("outcome")
        group_slug = group.slug if group else DEFAULT_GROUP
        outcome_slug = outcome.slug if outcome else DEFAULT_OUTCOME
        by = options.get("by")
        sums = _sums(request, user, options)
        if sums is not None:
            rows = sums.rows(
                interval=options.get("interval"),
                by=by,
                group=None if by == "group" else group_slug,
                outcome=None if by == "outcome" else outcome_slug,
            )
            if "interval" in options:
                return Response(StatsPeriodRowSerializer(rows, many=True).data)
            return Response(StatsBreakdownRowSerializer(rows, many=True).data)
        if by != "group":
            tallies = tallies.filter(group=group_slug)
        if by != "outcome":
            tallies = tallies.filter(outcome=outcome_slug)

        if "interval" in options:
            rows = _series(tallies, INTERVALS[options["interval"]])
            return Response(StatsPeriodRowSerializer(rows, many=True).data)
        rows = BREAKDOWN_ROWS[options["by"]](tallies)
        return Response(StatsBreakdownRowSerializer(rows, many=True).data)


SUMS = {
    "n_incidents": Count("incident_id", distinct=True),
    "sum_low": Sum("low"),
    "sum_best": Sum("best"),
    "sum_high": Sum("high"),
    "n_open": Count("pk", filter=Q(high__isnull=True)),
}


def _figures(row: dict) -> dict:
    return {
        "incidents": row["n_incidents"],
        "low": row["sum_low"] or 0,
        "best": row["sum_best"] or 0,
        "high": None if row["n_open"] else (row["sum_high"] or 0),
    }


def _series(tallies, trunc) -> list[dict]:
    rows = (
        tallies.annotate(period=trunc("incident__start_date"))
        .values("period")
        .annotate(**SUMS)
        .order_by("period")
    )
    return [{"period": row["period"], **_figures(row)} for row in rows]


def _by_term(field: str):
    def rows(tallies) -> list[dict]:
        grouped = (
            tallies.values(field, f"{field}__name").annotate(**SUMS).order_by(field)
        )
        return [
            {"key": row[field], "name": row[f"{field}__name"], **_figures(row)}
            for row in grouped
        ]

    return rows


def _by_place(depth: int):
    """Rows per country (depth 0) or admin1 (depth 1), read off the location
    path `/country/admin1/...`: sums per distinct path, merged in Python."""

    def rows(tallies) -> list[dict]:
        per_path = (
            tallies.values("incident__location__path")
            .annotate(**SUMS)
            .order_by("incident__location__path")
        )
        merged: dict[int | None, dict] = defaultdict(_zero)
        for row in per_path:
            ids = (row["incident__location__path"] or "").strip("/").split("/")
            place = int(ids[depth]) if len(ids) > depth and ids[depth] else None
            _add(merged[place], row)
        places = {
            place["id"]: place
            for place in Location.objects.filter(
                pk__in=[p for p in merged if p]
            ).values("id", "code", "name")
        }
        result = [
            {
                "key": places[place]["code"] if place else None,
                "name": places[place]["name"] if place else None,
                "location": place,
                **_figures(sums),
            }
            for place, sums in merged.items()
        ]
        return sorted(result, key=lambda r: (r["name"] is None, r["name"] or ""))

    return rows


def _zero() -> dict:
    return {"n_incidents": 0, "sum_low": 0, "sum_best": 0, "sum_high": 0, "n_open": 0}


def _add(total: dict, row: dict) -> None:
    for name in total:
        total[name] += row[name] or 0


def _by_side(tallies) -> list[dict]:
    """Each side's own interval summed over the top-level tallies where the side
    spoke: what each party claimed about whole incidents."""
    sums: dict[str, dict] = defaultdict(_zero)
    for by_side in tallies.values_list("by_side", flat=True):
        for side, interval in _items(by_side):
            total = sums[side]
            total["n_incidents"] += 1
            total["sum_low"] += interval["low"]
            if interval["high"] is None:
                total["n_open"] += 1
            else:
                total["sum_high"] += interval["high"]
    return _side_rows(sums)


def _side_rows(sums: dict[str, dict]) -> list[dict]:
    """One row per side, highest rank first, from each side's sums."""
    sides = ClaimantSide.objects.values_list("slug", "name", "rank")
    names = {slug: (rank, name) for slug, name, rank in sides}
    return [
        {
            "key": side,
            "name": names.get(side, (0, side))[1],
            **_figures(sums[side]),
            "best": None,
        }
        for side in sorted(sums, key=lambda s: (-names.get(s, (-1, s))[0], s))
    ]


def _items(by_side) -> Iterable[tuple[str, dict]]:
    return by_side.items() if isinstance(by_side, dict) else ()


BREAKDOWN_ROWS = {
    "admin1": _by_place(1),
    "country": _by_place(0),
    "group": _by_term("group"),
    "outcome": _by_term("outcome"),
    "side": _by_side,
}


# --- from the monthly sums -----------------------------------------------------------

# The parameters the monthly sums can answer; any other filter reads the tallies.
SUMMED_PARAMETERS = {
    "interval",
    "by",
    "group",
    "outcome",
    "country",
    "started_after",
    "started_before",
    "include_retracted",
    "format",
}


def _sums(request, user, options) -> "Sums | None":
    """The monthly sums' answer to this request, when they hold one
    (`casualties.summary`): whole months, a country, the usual breakdowns."""
    if not set(request.query_params) <= SUMMED_PARAMETERS:
        return None
    if options.get("interval") in ("day", "week"):
        return None
    filters = IncidentFilterSet(request.query_params, request=request)
    if not filters.is_valid():
        return None  # the incident filters answer with their 400
    data = filters.form.cleaned_data
    scope = summary.scope_for(
        data.get("started_after"), data.get("started_before"), data.get("country")
    )
    if scope is None:
        return None
    which = figures_for(user)
    retracted = bool(data.get("include_retracted")) and can_edit(user)
    return Sums(scope, which, summary.statuses(which, include_retracted=retracted))


class Sums:
    """`stats/` rows added up from the monthly sums: the same rows as the
    tallies give (tests hold them equal)."""

    def __init__(self, scope: summary.Scope, which: str, states: list[str]):
        self.scope, self.which, self.states = scope, which, states

    def rows(self, *, interval, by, group, outcome) -> list[dict]:
        if by == "side":
            return self._sides(group, outcome)
        sums = summary.figure_sums(self.scope, self.which, self.states)
        if group is not None:
            sums = sums.filter(group_id=group)
        if outcome is not None:
            sums = sums.filter(outcome_id=outcome)
        if interval is not None:
            return self._series(sums, interval)
        if by in ("group", "outcome"):
            return self._by_term(sums, by)
        return self._by_place(sums, "country_id" if by == "country" else "admin1_id")

    def _series(self, sums, interval: str) -> list[dict]:
        totals: dict = defaultdict(_zero)
        for row in sums.values("month").annotate(**SUMMED).order_by("month"):
            month = row["month"]
            period = month.replace(month=1) if interval == "year" else month
            _add(totals[period], row)
        return [{"period": period, **_figures(totals[period])} for period in totals]

    def _by_term(self, sums, by: str) -> list[dict]:
        field = f"{by}_id"
        model = VictimGroup if by == "group" else Outcome
        names = dict(model.objects.values_list("slug", "name"))
        return [
            {"key": row[field], "name": names.get(row[field]), **_figures(row)}
            for row in sums.values(field).annotate(**SUMMED).order_by(field)
        ]

    def _by_place(self, sums, field: str) -> list[dict]:
        rows = list(sums.values(field).annotate(**SUMMED).order_by(field))
        places = {
            place["id"]: place
            for place in Location.objects.filter(
                pk__in=[row[field] for row in rows if row[field]]
            ).values("id", "code", "name")
        }
        result = [
            {
                "key": places[row[field]]["code"] if row[field] else None,
                "name": places[row[field]]["name"] if row[field] else None,
                "location": row[field],
                **_figures(row),
            }
            for row in rows
        ]
        return sorted(result, key=lambda r: (r["name"] is None, r["name"] or ""))

    def _sides(self, group, outcome) -> list[dict]:
        sums = summary.side_sums(self.scope, self.which, self.states).filter(
            group_id=group, outcome_id=outcome
        )
        return _side_rows(
            {
                row["side_id"]: row | {"sum_best": 0}
                for row in sums.values("side_id").annotate(
                    n_incidents=Sum("incidents"),
                    sum_low=Sum("low"),
                    sum_high=Sum("high"),
                    n_open=Sum("open"),
                )
            }
        )


# The sums' columns, as SUMS reads the tallies'.
SUMMED = {
    "n_incidents": Sum("incidents"),
    "sum_low": Sum("low"),
    "sum_best": Sum("best"),
    "sum_high": Sum("high"),
    "n_open": Sum("open"),
}
