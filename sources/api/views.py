"""Viewsets of sources and reports, and the schema notes every versioned resource
of this app and of casualties shares (version, ETag, retraction)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets

from config.api import RetractMixin, RetractSerializer, VersionedMixin, can_edit
from incidents import history
from incidents.api.history import HistoryMixin
from sources.api.serializers import ReportSerializer, SourceSerializer
from sources.filters import ReportFilterSet, SourceFilterSet, StrictOrderingFilter
from sources.models import Report, Source

FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Field-level messages: {"field": ["message", ...]}. Nothing stored.',
)
STALE_VERSION = OpenApiResponse(
    inline_serializer(
        "StaleVersionError",
        {"detail": serializers.CharField(), "version": serializers.IntegerField()},
    ),
    description="The `version` sent is not the stored one; nothing changed.",
)
PRECONDITION_FAILED = OpenApiResponse(
    inline_serializer("PreconditionFailedError", {"detail": serializers.CharField()}),
    description="The If-Match header does not match the stored version.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you read; an alternative to sending `version`.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description="The quoted version of the representation.",
)
REASON = OpenApiParameter(
    "reason",
    OpenApiTypes.STR,
    required=True,
    description='Why the record is retracted (or send a JSON body {"reason": ...}).',
)


def versioned_schema(serializer, *, request=None, retract=False, list_schema=None):
    """Describe list, create, read, update (version/If-Match) and retraction."""
    update = extend_schema(
        request=request,
        parameters=[IF_MATCH, ETAG],
        responses={
            200: serializer,
            400: FIELD_ERRORS,
            409: STALE_VERSION,
            412: PRECONDITION_FAILED,
        },
    )
    views = {
        "list": list_schema
        or extend_schema(responses={200: serializer(many=True), 400: FIELD_ERRORS}),
        "create": extend_schema(
            request=request, responses={201: serializer, 400: FIELD_ERRORS}
        ),
        "retrieve": extend_schema(parameters=[ETAG]),
        "update": update,
        "partial_update": update,
    }
    if retract:
        views["destroy"] = extend_schema(
            request=RetractSerializer,
            parameters=[REASON],
            description="Retracts (never deletes): the record stays, with `reason`.",
            responses={
                204: OpenApiResponse(description="Retracted."),
                400: FIELD_ERRORS,
            },
        )
    return extend_schema_view(**views)


class ListFiltersMixin:
    """Filters and ordering are list parameters: detail URLs ignore them."""

    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


@versioned_schema(SourceSerializer)
class SourceViewSet(
    HistoryMixin,
    ListFiltersMixin,
    VersionedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outlets; every reader sees all of them (they are public bodies)."""

    history_parts = staticmethod(history.source_parts)
    queryset = Source.objects.select_related("affiliation")
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    ordering_fields = ["id", "name", "kind", "reliability", "updated_at"]
    ordering = ["name", "id"]


@versioned_schema(ReportSerializer, retract=True)
class ReportViewSet(
    HistoryMixin,
    ListFiltersMixin,
    VersionedMixin,
    RetractMixin,
    viewsets.ModelViewSet,
):
    """Documents read by analysts; DELETE retracts, and editors alone see
    retracted ones (with include_retracted=true on the list)."""

    history_parts = staticmethod(history.report_parts)
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet
    ordering_fields = ["id", "published_at", "title", "credibility", "updated_at"]
    ordering = ["-published_at", "-id"]

    def get_queryset(self):
        reports = Report.objects.select_related("source")
        if self.action == "list" or can_edit(self.request.user):
            return reports  # the list's FilterSet hides retracted ones
        return reports.filter(retracted_at__isnull=True)

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
