"""Viewset pieces every versioned resource shares: the schema notes of
version, ETag, If-Match and retraction, and list-only filtering."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.fields import empty

from config.api import RetractSerializer
from core.filters import StrictFilterBackend

# Error responses are declared by status and description only: their bodies
# are one schema per kind of error, added by config.openapi.
FIELD_ERRORS = OpenApiResponse(
    description='Field-level messages: {"field": ["message", ...]}. Nothing stored.'
)
STALE_VERSION = OpenApiResponse(
    description="The `version` sent is not the stored one; nothing changed."
)
PRECONDITION_FAILED = OpenApiResponse(
    description="The If-Match header does not match the stored version."
)
NOT_FOUND = OpenApiResponse(
    description="No such object (or not visible to the role), or no such page."
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


def versioned_schema(serializer, *, request=empty, retract=False, list_schema=None):
    """Describe list, create, read, update (version/If-Match) and retraction.

    `request` left out: the viewset's serializer is the body (None would
    declare writes without one)."""
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
    """Filters and ordering are list parameters: detail URLs ignore them.

    `ordering` (a class attribute) is the list's default order; the FilterSet's
    `ordering` filter replaces it when a client asks for another.
    """

    filter_backends = [StrictFilterBackend]
    ordering: list[str] = []

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        if self.ordering:
            queryset = queryset.order_by(*self.ordering)
        return super().filter_queryset(queryset)
