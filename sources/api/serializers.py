"""Sources and reports as the API reads and writes them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import StrictCharField, VersionedSerializer
from sources import services
from sources.models import Report, Source


@extend_schema_field(
    {
        "type": "string",
        "enum": Source.Reliability.values,
        "description": "The source's Admiralty reliability grade (A-F).",
    },
    component_name="SourceReliability",
)
class SourceReliabilityField(serializers.ReadOnlyField):
    """A source's grade seen from one of its reports.

    Its own schema component: an enum property named other than `reliability`
    with the same choices would make drf-spectacular warn about two names.
    """

    def __init__(self, **kwargs):
        super().__init__(source="source.reliability", **kwargs)


class SourceSerializer(VersionedSerializer):
    # A method, not source="affiliation.name" with a default: DRF skips a
    # default on partial updates, so a PATCH answer would lack the field.
    affiliation_name = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id",
            "name",
            "kind",
            "reliability",
            "affiliation",
            "affiliation_name",
            "url",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_affiliation_name(self, source) -> str | None:
        return source.affiliation.name if source.affiliation_id else None

    def create(self, validated_data):
        """Through the write service the report and claims pages use too."""
        return services.create_source(
            user=self.context["request"].user, **validated_data
        )


class ReportSerializer(VersionedSerializer):
    source_name = StrictCharField(source="source.name", read_only=True)
    source_reliability = SourceReliabilityField()

    class Meta:
        model = Report
        fields = [
            "id",
            "source",
            "source_name",
            "source_reliability",
            "url",
            "title",
            "published_at",
            "language",
            "excerpt",
            "archive_url",
            "credibility",
            "retracted_at",
            "retraction_reason",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["retracted_at", "retraction_reason", "created_by"]
