"""Viewsets of sources and reports."""

from rest_framework import mixins, viewsets

from config.api import RetractMixin, VersionedMixin, can_edit
from config.viewsets import ListFiltersMixin, versioned_schema
from incidents import history
from incidents.api.history import HistoryMixin
from sources.api.serializers import ReportSerializer, SourceSerializer
from sources.filters import ReportFilterSet, SourceFilterSet
from sources.models import Report, Source


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
    ordering = ["-published_at", "-id"]

    def get_queryset(self):
        reports = Report.objects.select_related("source")
        if self.action == "list" or can_edit(self.request.user):
            return reports  # the list's FilterSet hides retracted ones
        return reports.filter(retracted_at__isnull=True)

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
