"""Tallies through the API: read them, review them, and an incident's table.

Tallies are computed and stored by casualties.engine, so the API only reads
them; the one write is the editor's review, which goes through
casualties.services.review_tally like every other entry point.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casualties import services
from casualties.api.renderers import CSVListMixin, tally_csv_response
from casualties.filters import TallyFilterSet
from casualties.models import ClaimantSide, Tally, TallyChange, figures_for
from config.api import StrictCharField, stale_response, with_etag
from config.viewsets import (
    ETAG,
    FIELD_ERRORS,
    NOT_FOUND,
    STALE_VERSION,
    ListFiltersMixin,
)
from core.validators import MAX_FIGURE, moment, no_markup
from incidents.access import visible_incidents
from incidents.base import Conflict


class SideIntervalSerializer(serializers.Serializer):
    low = serializers.IntegerField(min_value=0)
    high = serializers.IntegerField(
        min_value=0, allow_null=True, help_text="Null when open-ended."
    )


@extend_schema_field(
    {
        "type": "object",
        "description": "Each side's own interval, keyed by side slug.",
        "additionalProperties": {
            "type": "object",
            "properties": {
                "low": {"type": "integer", "minimum": 0},
                "high": {
                    "type": "integer",
                    "minimum": 0,
                    "nullable": True,
                    "description": "Null when open-ended.",
                },
            },
            "required": ["low", "high"],
        },
    }
)
class BySideField(serializers.DictField):
    child = SideIntervalSerializer()


class TallyRowSerializer(serializers.ModelSerializer):
    """The figures of one tally, as SPEC section 6 names them."""

    group = StrictCharField(source="group_id", read_only=True)
    outcome = StrictCharField(source="outcome_id", read_only=True)
    high = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Null when open-ended."
    )
    by_side = BySideField(read_only=True)

    class Meta:
        model = Tally
        fields = [
            "group",
            "outcome",
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
        ]
        read_only_fields = fields


class TallySerializer(TallyRowSerializer):
    """A tally with its key, its review and its version (for the review)."""

    incident = serializers.IntegerField(source="incident_id", read_only=True)
    reviewed_by = StrictCharField(
        source="review.reviewed_by.username",
        read_only=True,
        allow_null=True,
        default=None,
    )
    reviewed_at = serializers.DateTimeField(
        source="review.reviewed_at", read_only=True, allow_null=True, default=None
    )
    rationale = StrictCharField(source="review.rationale", read_only=True, default="")

    class Meta(TallyRowSerializer.Meta):
        fields = [
            "id",
            "incident",
            *TallyRowSerializer.Meta.fields,
            "reviewed_by",
            "reviewed_at",
            "rationale",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


# The largest figure a PositiveIntegerField holds on every supported database.


class TallyReviewSerializer(serializers.Serializer):
    """The editor's figures; the interval rules live in review_tally."""

    best = serializers.IntegerField(min_value=0, max_value=MAX_FIGURE)
    low = serializers.IntegerField(
        min_value=0,
        max_value=MAX_FIGURE,
        required=False,
        allow_null=True,
        help_text="Leave out to keep the computed low.",
    )
    high = serializers.IntegerField(
        min_value=0,
        max_value=MAX_FIGURE,
        required=False,
        allow_null=True,
        help_text="Leave out to keep the computed high (open stays open).",
    )
    rationale = StrictCharField(max_length=5000, validators=[no_markup])
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_FIGURE, help_text="The tally's version you reviewed."
    )


CSV_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="`csv` streams every matching tally (no pagination): every "
    "group and outcome, and each claimant side's own interval.",
)


class CanReviewTallies(permissions.BasePermission):
    """Editors and admins: the `review_tally` permission of SPEC section 7."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated) and user.has_perm(
            "casualties.review_tally"
        )


class TallyViewSet(CSVListMixin, ListFiltersMixin, viewsets.ReadOnlyModelViewSet):
    """Stored tallies of the incidents the user may read, with the review queue's
    filters (`status=needs_review&status=stale`); `?format=csv` streams them all
    with each side's interval."""

    queryset = Tally.objects.select_related("review__reviewed_by")
    serializer_class = TallySerializer
    filterset_class = TallyFilterSet
    # Incidents in their own order (newest first), as on the incident list.
    ordering = ["incident", "group", "outcome", "id"]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def csv_response(self, queryset):
        sides = ClaimantSide.objects.order_by("-rank").values_list("slug", flat=True)
        return tally_csv_response(queryset, list(sides))

    @extend_schema(
        parameters=[CSV_FORMAT],
        responses={
            (200, "application/json"): TallySerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
        },
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[ETAG],
        responses={200: TallySerializer, 404: NOT_FOUND},
    )
    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs))

    @extend_schema(
        summary="Review a tally (editors)",
        description=(
            "Set the accepted best figure, optionally narrowing low and high, "
            "with a rationale. The figures must lie inside the interval the "
            "claims support; the override then counts in every tally above "
            "this one. A stale `version` gets 409 and changes nothing."
        ),
        request=TallyReviewSerializer,
        parameters=[ETAG],
        responses={
            200: TallySerializer,
            400: FIELD_ERRORS,
            404: NOT_FOUND,
            409: STALE_VERSION,
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[CanReviewTallies])
    def review(self, request, pk=None):
        tally = self.get_object()
        review = TallyReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        try:
            tally = services.review_tally(
                tally_id=tally.pk,
                user=request.user,
                best=review.validated_data["best"],
                low=review.validated_data.get("low"),
                high=review.validated_data.get("high"),
                rationale=review.validated_data["rationale"],
                version=review.validated_data["version"],
            )
        except Conflict as conflict:
            return stale_response(conflict.current_version)
        tally = self.get_queryset().get(pk=tally.pk)  # with reviewed_by joined
        return with_etag(Response(TallySerializer(tally).data))


# Outcomes, then groups, in the order of their rows (`all` first).
TABLE_ORDER = ["outcome__position", "outcome", "group__position", "group", "id"]


@extend_schema(
    summary="The tally table of one incident",
    parameters=[
        OpenApiParameter(
            "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Incident id."
        ),
        OpenApiParameter(
            "as_of",
            OpenApiTypes.STR,
            description="The figures as they stood then: a date (its end) or "
            "a date and time, ISO 8601.",
        ),
    ],
    responses={
        200: TallyRowSerializer(many=True),
        400: FIELD_ERRORS,
        404: NOT_FOUND,
    },
)
class IncidentTallyView(generics.ListAPIView):
    """Every tally row of one incident as a plain array (SPEC section 6), the
    table the incident page shows; 404 when the incident is not visible.
    `as_of` gives the rows as they stood then, from the tally history."""

    queryset = Tally.objects.all()
    serializer_class = TallyRowSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        which = figures_for(self.request.user)
        return (
            Tally.objects.figures(which)
            .filter(incident=self.kwargs["pk"])
            .order_by(*TABLE_ORDER)
        )

    def list(self, request, *args, **kwargs):
        # Here, not in get_queryset: the permission check calls that first, and
        # a visitor who may not read at all must not learn which ids exist.
        visible = visible_incidents(request.user)
        incident = get_object_or_404(visible.only("pk"), pk=kwargs["pk"])
        as_of = request.query_params.get("as_of")
        if as_of is None:
            return super().list(request, *args, **kwargs)
        try:
            when = moment(as_of)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"as_of": error.messages}) from None
        rows = TallyChange.objects.as_of(
            when, incident=incident, which=figures_for(request.user)
        )
        return Response(TallyRowSerializer(rows, many=True).data)
