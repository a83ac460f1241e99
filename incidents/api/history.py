"""`GET .../{id}/history/` on incidents, claims, reports and sources: the feed
of `incidents.history`, paged like every list."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from incidents import history


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name in the API.")
    label = serializers.CharField(help_text="The field's name for people.")
    old = serializers.CharField(allow_null=True, help_text="Before; null: nothing.")
    new = serializers.CharField(allow_null=True, help_text="After; null: nothing.")


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True, help_text="null: the system.")
    # Every kind of record the feed tells of (incidents.history), in one list.
    record = serializers.ChoiceField(choices=[*history.HISTORY_MODELS, "tally"])
    object_id = serializers.IntegerField()
    label = serializers.CharField()
    action = serializers.ChoiceField(
        choices=["created", "changed", "deleted", "removed"]
    )
    changes = FieldChangeSerializer(many=True)
    cause = serializers.CharField(
        help_text="For a tally: the write that changed it; empty otherwise."
    )


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)


class HistoryMixin:
    """Adds the history endpoint; `history_parts(obj, user)` names its feed.

    The object is found as the viewset's detail is (`get_object`), so the
    history is visible exactly when the record is.
    """

    history_parts = None

    @extend_schema(
        summary="Who changed what, and when (newest first)",
        responses={200: HistoryPageSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], url_path="history")
    def history(self, request, pk=None):
        subject = self.get_object()
        rows: QuerySet = history.feed(type(self).history_parts(subject, request.user))
        # The paginator itself: a viewset's own paginate_queryset may expect
        # its model's rows.
        page = self.paginator.paginate_queryset(rows, request, view=self)
        entries = history.entries(page)
        data = HistoryEntrySerializer(entries, many=True).data
        return self.get_paginated_response(data)
