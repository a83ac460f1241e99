"""The claim viewset: CRUD with retraction, the CSV export and the extraction aid."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casualties import services
from casualties.api.renderers import CSVListMixin, csv_response
from casualties.api.serializers import (
    ClaimSerializer,
    ClaimWriteSerializer,
    ExtractedCandidatesSerializer,
    ExtractTextSerializer,
)
from casualties.extract import extract_claims
from casualties.filters import ClaimFilterSet
from casualties.models import Claim
from config.api import RetractMixin, VersionedMixin, can_edit
from config.viewsets import (
    FIELD_ERRORS,
    ListFiltersMixin,
    versioned_schema,
)
from incidents import history
from incidents.api.history import HistoryMixin
from sources.models import Report

FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description=(
        "`csv` streams every matching claim (no pagination) with the same "
        "filters, ordering and permissions; `sources` joins the source names "
        'with "; ".'
    ),
)


@versioned_schema(
    ClaimSerializer,
    request=ClaimWriteSerializer,
    retract=True,
    list_schema=extend_schema(
        parameters=[FORMAT],
        responses={
            (200, "application/json"): ClaimSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            400: FIELD_ERRORS,
        },
    ),
)
class ClaimViewSet(
    CSVListMixin,
    HistoryMixin,
    ListFiltersMixin,
    VersionedMixin,
    RetractMixin,
    viewsets.ModelViewSet,
):
    """Casualty figures as each claimant worded them.

    Readers see the claims of the incidents they may read; DELETE (editors)
    retracts with a reason and the tallies follow.
    """

    history_parts = staticmethod(history.claim_parts)

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    versioned_by_service = True
    ordering = ["incident_id", "group_id", "outcome_id", "id"]

    def get_queryset(self):
        user = self.request.user
        # Editors may open a retracted claim; the list's FilterSet hides them.
        claims = Claim.objects.visible_to(user, include_retracted=can_edit(user))
        return claims.select_related("claimant").prefetch_related(
            Prefetch("reports", queryset=Report.objects.select_related("source"))
        )

    def get_serializer_class(self):
        # By method, not action: OPTIONS and the browsable API's forms ask for
        # the serializer of a cloned POST/PUT request. @actions bring their own.
        writing = self.request.method in {"POST", "PUT", "PATCH"}
        if self.serializer_class is ClaimSerializer and writing:
            return ClaimWriteSerializer
        return self.serializer_class

    def csv_response(self, queryset):
        return csv_response(queryset)

    def retract(self, instance, reason: str):
        services.retract_claim(claim=instance, user=self.request.user, reason=reason)

    @extend_schema(
        request=ExtractTextSerializer,
        responses={200: ExtractedCandidatesSerializer, 400: FIELD_ERRORS},
        description=(
            "Candidate claims found in a pasted report, for an analyst to confirm "
            "(nothing is stored). Spans are offsets into `text` as sent, counted "
            "in Unicode code points: text[start:end] == wording."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        serializer_class=ExtractTextSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def extract(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        candidates = extract_claims(serializer.validated_data["text"])
        return Response(ExtractedCandidatesSerializer({"candidates": candidates}).data)
