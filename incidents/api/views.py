"""Incidents, with their CSV and GeoJSON exports, and the gazetteer resources."""

from collections import defaultdict
from itertools import batched

from django.db import connections
from django.db.models import (
    FilteredRelation,
    Prefetch,
    Q,
)
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.settings import api_settings

from casualties import summary
from casualties.models import Tally, VictimGroup, figures_for
from config.api import JSONRenderer, PreRendered, RetractMixin, VersionedMixin
from core.filters import StrictFilterBackend
from core.queries import one_of
from incidents import history, services
from incidents.access import child_counts, visible_incidents
from incidents.api import listing
from incidents.api.history import HistoryMixin
from incidents.api.renderers import (
    ACLEDRenderer,
    CSVRenderer,
    ExportRenderer,
    GeoJSONRenderer,
    UCDPRenderer,
)
from incidents.api.serializers import (
    HEADLINE_GROUP,
    HEADLINE_OUTCOMES,
    ActorSerializer,
    FeatureCollectionSerializer,
    Gazetteer,
    IncidentSerializer,
    LocationSerializer,
    TargetRowSerializer,
)
from incidents.filters import (
    ActorFilterSet,
    IncidentFilterSet,
    LocationFilterSet,
    TargetFilterSet,
)
from incidents.interop import exports
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    Location,
    ResponsibilityClaim,
    Target,
)

EXPORT_CHUNK = 2000

# Export column -> the values() path it is read from.
EXPORT_COLUMNS = {
    "id": "id",
    "title": "title",
    "summary": "summary",
    "type": "type_id",
    "status": "status",
    "start_date": "start_date",
    "end_date": "end_date",
    "date_precision": "date_precision",
    "parent": "parent_id",
    "location_id": "location_id",
    "location_name": "location__name",
    "admin1": None,  # from the location's path, through the Gazetteer
    "country_code": None,
    "latitude": "location__latitude",
    "longitude": "location__longitude",
    "location_precision": "location_precision",
    **{
        f"{outcome}_{figure}": f"{outcome}_tally__{figure}"
        for outcome in HEADLINE_OUTCOMES
        for figure in ("low", "best", "high", "disputed")
    },
    "created_at": "created_at",
    "updated_at": "updated_at",
}

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "geojson", "ucdp", "acled"],
    description="json (paginated, the default), or the whole filtered list, "
    "streamed: csv, geojson, ucdp (CSV in UCDP GED's columns; add "
    "top_level=true for one row per tree) or acled (CSV in ACLED's columns).",
)


def with_representation(incidents, user):
    """Everything the detail's representation reads, in a fixed number of
    queries (a list page is built by `listing` instead)."""
    return incidents.select_related("location").prefetch_related(
        Prefetch("targets", queryset=Target.objects.order_by("category_id", "id")),
        Prefetch(
            "actor_roles",
            queryset=IncidentActor.objects.select_related("actor").order_by(
                "role", "id"
            ),
        ),
        Prefetch(
            "responsibility_claims",
            queryset=ResponsibilityClaim.objects.select_related("actor").order_by("id"),
        ),
        Prefetch(
            "tallies",
            queryset=Tally.objects.figures(figures_for(user)).filter(
                group_id=HEADLINE_GROUP, outcome_id__in=HEADLINE_OUTCOMES
            ),
            to_attr="headline",
        ),
    )


FIGURES = ("low", "best", "high")


def headline_groups() -> list[str]:
    """The victim groups right below `all` (civilians, security forces, ...),
    each with its own columns in the incident export."""
    return list(
        VictimGroup.objects.filter(parent_id=HEADLINE_GROUP)
        .order_by("position", "slug")
        .values_list("slug", flat=True)
    )


def export_columns(groups: list[str]) -> list[str]:
    return [
        *EXPORT_COLUMNS,
        *(
            f"{group}_{outcome}_{figure}"
            for group in groups
            for outcome in HEADLINE_OUTCOMES
            for figure in FIGURES
        ),
    ]


def export_rows(incidents, user, groups: list[str]):
    """Flat rows for the exports, read in chunks; never a list of them all.
    Each headline group's figures come from one query per chunk."""
    paths = [path for path in EXPORT_COLUMNS.values() if path]
    scopes = Tally.Scope.covering(figures_for(user))
    rows = (
        incidents.annotate(
            **{
                f"{outcome}_tally": FilteredRelation(
                    "tallies",
                    condition=Q(
                        tallies__group_id=HEADLINE_GROUP,
                        tallies__outcome_id=outcome,
                        tallies__scope__in=scopes,
                    ),
                )
                for outcome in HEADLINE_OUTCOMES
            }
        )
        .values(*paths, "location__path")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    gazetteer = Gazetteer()
    for chunk in batched(rows, EXPORT_CHUNK):
        gazetteer.forget_places()
        gazetteer.load(row["location__path"] for row in chunk)
        figures = _group_figures([row["id"] for row in chunk], groups, scopes)
        for row in chunk:
            admin1, country = gazetteer.admin1_and_country(row["location__path"])
            areas = {"admin1": admin1, "country_code": country}
            own = figures.get(row["id"], {})
            yield {
                **{
                    column: row[path] if path else areas[column]
                    for column, path in EXPORT_COLUMNS.items()
                },
                **{
                    f"{group}_{outcome}_{figure}": own.get((group, outcome), {}).get(
                        figure
                    )
                    for group in groups
                    for outcome in HEADLINE_OUTCOMES
                    for figure in FIGURES
                },
            }


def _group_figures(ids, groups, scopes) -> dict[int, dict[tuple, dict]]:
    figures: dict[int, dict[tuple, dict]] = defaultdict(dict)
    if not groups:
        return figures
    for incident, group, outcome, *values in (
        Tally.objects.filter(
            incident_id__in=ids,
            group_id__in=groups,
            outcome_id__in=HEADLINE_OUTCOMES,
            scope__in=scopes,
        )
        .order_by()
        .values_list("incident_id", "group_id", "outcome_id", *FIGURES)
    ):
        figures[incident][(group, outcome)] = dict(zip(FIGURES, values, strict=True))
    return figures


@extend_schema_view(
    retrieve=extend_schema(summary="An incident"),
    create=extend_schema(summary="Record an incident (analysts; a draft)"),
    update=extend_schema(summary="Replace an incident (send its version)"),
    partial_update=extend_schema(summary="Change an incident (send its version)"),
)
class IncidentViewSet(
    HistoryMixin, VersionedMixin, RetractMixin, viewsets.ModelViewSet
):
    """Incidents of SPEC section 2, filtered as SPEC section 6 says."""

    history_parts = staticmethod(history.incident_parts)

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    filter_backends = [StrictFilterBackend]
    versioned_by_service = True
    keyset = "start_date"  # `cursor` paging, newest first (config.api.Pagination)
    # A page by number from this many rows in starts from the sums per month
    # (`skip_rows`); above it the rows are read through, in well under 1 ms.
    skip_from = 10_000
    renderer_classes = [
        *api_settings.DEFAULT_RENDERER_CLASSES,
        CSVRenderer,
        GeoJSONRenderer,
        UCDPRenderer,
        ACLEDRenderer,
    ]

    def get_queryset(self):
        """Editors reach retracted incidents by URL; lists hide them (FilterSet)."""
        user = self.request.user
        incidents = visible_incidents(user, include_retracted=True)
        if self.action == "retrieve":
            incidents = with_representation(incidents, user)
        return incidents

    def _exporting(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, ExportRenderer)

    def get_renderers(self):
        renderers = super().get_renderers()
        # An unsupported method (no action) must still reach its 405.
        if self.action in ("list", None):
            return renderers
        return [r for r in renderers if not isinstance(r, ExportRenderer)]

    def filter_queryset(self, queryset):
        """Filters select lists; a detail URL names its incident already."""
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["gazetteer"] = self._gazetteer
        return context

    @property
    def _gazetteer(self) -> Gazetteer:
        if not hasattr(self, "_gazetteer_cache"):
            self._gazetteer_cache = Gazetteer()
        return self._gazetteer_cache

    @extend_schema(
        summary="Incidents (JSON, or the whole filtered list as CSV or GeoJSON)",
        parameters=[FORMAT_PARAMETER],
        responses={
            (200, "application/json"): IncidentSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="One row per incident, headline tallies included "
                "(format=csv), or in UCDP GED's or ACLED's columns (format=ucdp, "
                "format=acled).",
            ),
            (200, "application/geo+json"): FeatureCollectionSerializer,
        },
    )
    def list(self, request, *args, **kwargs):
        if not self._exporting():
            return self._page(request)
        renderer = request.accepted_renderer
        self.paginator.check(request)
        incidents = self.filter_queryset(self.get_queryset())
        if isinstance(renderer, GeoJSONRenderer):
            incidents = incidents.filter(
                location__latitude__isnull=False, location__longitude__isnull=False
            )
        user = request.user
        if renderer.format == UCDPRenderer.format:
            rows, columns = exports.ucdp_rows(incidents, user), exports.UCDP_COLUMNS
        elif renderer.format == ACLEDRenderer.format:
            rows, columns = exports.acled_rows(incidents, user), exports.ACLED_COLUMNS
        else:
            groups = headline_groups()
            rows, columns = export_rows(incidents, user, groups), export_columns(groups)
        response = StreamingHttpResponse(
            renderer.stream(rows, list(columns)),
            content_type=f"{renderer.media_type}; charset=utf-8",
        )
        if isinstance(renderer, CSVRenderer):
            response["Content-Disposition"] = renderer.content_disposition()
        return response

    def _page(self, request):
        """A page of the list, as IncidentSerializer would give it (`listing`).

        The page's ids are found first and then their rows: an OFFSET reads
        every skipped row, and with the page's columns and joins page 3,000
        of 100 took 319 ms of SQL where its ids alone come from the list's
        covering index (Incident.Meta) in 45 ms."""
        incidents = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(incidents.values("id", self.keyset))
        ids = [row["id"] for row in page]
        user = request.user
        if listing.builds_json() and isinstance(
            request.accepted_renderer, JSONRenderer
        ):
            text = listing.page_json(ids, user)
            return self.get_paginated_response(PreRendered(text))
        found = {
            row["id"]: row
            for row in one_of(incidents.values(*listing.COLUMNS), "id", ids)
        }
        # An incident that left the reader's view between the two reads
        # (unpublished meanwhile) is left out rather than failing the page.
        rows = [found[pk] for pk in ids if pk in found]
        children = child_counts([row["id"] for row in rows], user)
        data = listing.represent(rows, user, self._gazetteer, children)
        return self.get_paginated_response(data)

    def skip_rows(self, rows, offset: int):
        """Where a deep page of the plain list starts, from the incidents
        counted per month (casualties.summary): the page is read from the
        first day after the months before it, so page 3,000 walks a month's
        rows of the index rather than 300,000. Only for the list as readers
        meet it, unfiltered and newest first, on PostgreSQL: the incidents of
        the standings the user reads (`visible_to`), which the sums count."""
        user = self.request.user
        if (
            offset < self.skip_from
            or connections[rows.db].vendor != "postgresql"
            or set(self.request.query_params) - {"page", "page_size", "format"}
        ):
            return rows, 0
        states = summary.statuses(figures_for(user))
        day, skipped = summary.months_before(offset, states)
        if not skipped:
            return rows, 0
        return rows.filter(**{f"{self.keyset}__lt": day}), skipped

    def finalize_response(self, request, response, *args, **kwargs):
        """Errors are JSON even when CSV or GeoJSON was asked for."""
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), ExportRenderer
        ):
            request.accepted_renderer = self.get_renderers()[0]
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Retract an incident (editors; the record stays)",
        parameters=[
            OpenApiParameter(
                "reason",
                str,
                description="Why it is retracted; may be sent in the body instead.",
            )
        ],
        responses={204: None, 400: OpenApiResponse(description="No reason given.")},
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def retract(self, instance, reason: str):
        services.retract_incident(
            incident=instance, user=self.request.user, reason=reason
        )


class GazetteerViewSet(
    HistoryMixin,
    VersionedMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Read for all; analysts add and correct entries. Nothing is deleted."""

    filter_backends = [StrictFilterBackend]


class LocationViewSet(GazetteerViewSet):
    """The gazetteer: countries, provinces, districts and places."""

    queryset = Location.objects.order_by("name", "id")
    serializer_class = LocationSerializer
    history_parts = staticmethod(history.location_parts)
    filterset_class = LocationFilterSet


class ActorViewSet(GazetteerViewSet):
    """Parties: state forces, armed groups and others."""

    queryset = Actor.objects.order_by("name", "id")
    serializer_class = ActorSerializer
    history_parts = staticmethod(history.actor_parts)
    filterset_class = ActorFilterSet


class TargetViewSet(viewsets.ReadOnlyModelViewSet):
    """What was attacked, one row per target of an incident the user may read."""

    serializer_class = TargetRowSerializer
    filterset_class = TargetFilterSet
    filter_backends = [StrictFilterBackend]
    queryset = Target.objects.all()

    def get_queryset(self):
        visible = visible_incidents(self.request.user)
        return Target.objects.filter(incident__in=visible).order_by(
            "incident_id", "category_id", "id"
        )
