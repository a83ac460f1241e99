"""Viewset pieces every versioned resource shares: the schema notes of
version, ETag, If-Match and retraction, and list-only filtering."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.fields import empty

from config.api import RetractSerializer
from core.filters import StrictFilterBackend, StrictOrderingFilter

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
    """Filters and ordering are list parameters: detail URLs ignore them."""

    filter_backends = [StrictFilterBackend, StrictOrderingFilter]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)
