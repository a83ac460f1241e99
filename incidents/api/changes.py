"""`changes/?since=...`: what changed, for a mirror to stay exact.

`updated_since` on incidents/, claims/ and tallies/ gives the rows to fetch
again, but a row a reader may no longer see (a retracted incident or claim, a
removed tally) leaves those lists. This feed names every change since a
moment, retractions and removals as tombstones: the record's kind, its id,
what happened and when, oldest first. A retracted incident's tombstone stands
for its sub-incidents, claims and tallies too.
"""

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, F, Value, When
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from casualties.models import Claim, Tally, TallyChange, figures_for
from core.validators import moment
from incidents.access import visible_incidents
from incidents.models import Incident

KINDS = ("incident", "claim", "tally")
CHANGES = ("updated", "retracted", "removed")


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, source="record")
    id = serializers.IntegerField(source="record_id")
    change = serializers.ChoiceField(
        choices=CHANGES,
        help_text="updated: fetch it again; retracted or removed: drop it.",
    )
    at = serializers.DateTimeField(source="moment")


class SinceSerializer(serializers.Serializer):
    since = serializers.CharField(
        help_text="A date (from its start) or a date and time, ISO 8601."
    )

    def validate_since(self, value):
        try:
            return moment(value, day_starts=True)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


def _rows(queryset, record: str, pk: str, when: str, change):
    text = CharField()
    return (
        queryset.order_by()
        .annotate(
            record=Value(record, output_field=text),
            record_id=F(pk),
            change=change if not isinstance(change, str) else Value(change, text),
            moment=F(when),
        )
        .values_list("record", "record_id", "change", "moment")
    )


def changes(user, since):
    """Every change since `since` that `user` may learn of, as rows of
    (record, record_id, change, moment), oldest first."""
    text = CharField()
    incidents = visible_incidents(user).filter(updated_at__gte=since)
    withdrawn = Incident.objects.filter(
        updated_at__gte=since, effective_status=Incident.Status.RETRACTED
    )
    claims = Claim.objects.visible_to(user, include_retracted=True).filter(
        updated_at__gte=since
    )
    tallies = TallyChange.objects.filter(
        at__gte=since, scope__in=Tally.Scope.covering(figures_for(user))
    )
    retracted = Case(
        When(retracted_at__isnull=False, then=Value("retracted")),
        default=Value("updated"),
        output_field=text,
    )
    removed = Case(
        When(kind=TallyChange.Kind.REMOVED, then=Value("removed")),
        default=Value("updated"),
        output_field=text,
    )
    return (
        _rows(incidents, "incident", "id", "updated_at", "updated")
        .union(
            _rows(withdrawn, "incident", "id", "updated_at", "retracted"),
            _rows(claims, "claim", "id", "updated_at", retracted),
            _rows(tallies, "tally", "tally_id", "at", removed),
            all=True,
        )
        .order_by("moment", "record", "record_id")
    )


class ChangesView(generics.GenericAPIView):
    """The changes feed (see the module docstring)."""

    queryset = Incident.objects.none()
    serializer_class = ChangeSerializer
    filter_backends = []

    @extend_schema(
        summary="What changed since a moment, tombstones included",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                required=True,
                description="A date (from its start) or date and time, ISO 8601.",
            )
        ],
        responses={200: ChangeSerializer(many=True)},
    )
    def get(self, request):
        query = SinceSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = changes(request.user, query.validated_data["since"])
        page = self.paginate_queryset(rows)
        data = [
            {"record": r, "record_id": pk, "change": c, "moment": at}
            for r, pk, c, at in page
        ]
        return self.get_paginated_response(ChangeSerializer(data, many=True).data)
