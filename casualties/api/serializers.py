"""Claims as the API reads and writes them, and the extraction aid's shapes.

Reading and writing differ on purpose: a claim is read with its claimant's name
and its reports' sources, and written with ids. `ClaimWriteSerializer` answers
with the read shape so that a client always sees one representation.
"""

from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers

from casualties import services
from casualties.models import Claim
from config.api import StrictCharField, StrictPrimaryKeyRelatedField
from incidents.models import Incident
from sources.api.serializers import SourceReliabilityField, VersionedSerializer
from sources.models import Report

PERIOD_FIELDS = {"period_start": "start", "period_end": "end", "period_label": "label"}


class PeriodSerializer(serializers.Serializer):
    """The period a figure covers, nested in the claim (source="*")."""

    start = serializers.DateTimeField(
        source="period_start", required=False, allow_null=True
    )
    end = serializers.DateTimeField(
        source="period_end", required=False, allow_null=True
    )
    label = StrictCharField(
        source="period_label",
        required=False,
        allow_blank=True,
        max_length=100,
        help_text='The period as worded: "over 48 hours".',
    )


class ClaimantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = StrictCharField()


class ClaimReportSerializer(serializers.ModelSerializer):
    # A report may have no URL (a statement read out, a leaflet): "" is allowed.
    url = StrictCharField(read_only=True)
    source_name = StrictCharField(source="source.name", read_only=True)
    source_reliability = SourceReliabilityField()

    class Meta:
        model = Report
        fields = [
            "id",
            "title",
            "url",
            "source",
            "source_name",
            "source_reliability",
            "credibility",
        ]
        read_only_fields = fields


READ_FIELDS = [
    "id",
    "incident",
    "claimant",
    "party",
    "side",
    "group",
    "outcome",
    "reports",
    "wording",
    "low",
    "high",
    "point",
    "asserted_at",
    "period",
    "supersedes",
    "assessment",
    "assessment_note",
    "retracted_at",
    "retraction_reason",
    "created_by",
    "version",
    "created_at",
    "updated_at",
]


class ClaimSerializer(serializers.ModelSerializer):
    """The read shape; the viewset prefetches everything it touches."""

    claimant = ClaimantSerializer(read_only=True, allow_null=True)
    reports = ClaimReportSerializer(many=True, read_only=True)
    period = PeriodSerializer(source="*", read_only=True)

    class Meta:
        model = Claim
        fields = READ_FIELDS
        read_only_fields = READ_FIELDS


class VisibleRelatedField(StrictPrimaryKeyRelatedField):
    """A primary key among the rows the requesting user may read.

    `queryset` still names the model (for the schema); `visible(user)` narrows it.
    """

    def __init__(self, *, visible, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.visible(getattr(request, "user", None) or AnonymousUser())


class ClaimWriteSerializer(VersionedSerializer):
    """What analysts and editors send. `assessment` is an editor's to set."""

    ASSESSOR_FIELDS = ("assessment", "assessment_note")
    # Claim.clean() checks what the constraints check (interval_errors), with
    # the same messages.
    validate_constraints = False

    incident = VisibleRelatedField(
        queryset=Incident.objects.all(),
        visible=Incident.objects.visible_to,
        error_messages={"does_not_exist": "Unknown incident."},
    )
    supersedes = VisibleRelatedField(
        queryset=Claim.objects.all(),
        visible=lambda user: Claim.objects.visible_to(user, include_retracted=True),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "Unknown claim."},
    )
    reports = StrictPrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Report.objects.filter(retracted_at__isnull=True),
        help_text="Ids of the reports the figure was read in.",
    )
    period = PeriodSerializer(source="*", required=False)

    class Meta:
        model = Claim
        fields = [
            "incident",
            "claimant",
            "party",
            "side",
            "group",
            "outcome",
            "reports",
            "wording",
            "low",
            "high",
            "point",
            "asserted_at",
            "period",
            "supersedes",
            "assessment",
            "assessment_note",
            "version",
        ]
        extra_kwargs = {
            # PostgreSQL's integer bound, so SQLite deployments refuse the same.
            **{name: {"max_value": 2**31 - 1} for name in ("low", "high", "point")},
            "assessment": {"help_text": "Editors only; ignored for others."},
            "assessment_note": {"help_text": "Editors only; ignored for others."},
            "party": {
                "help_text": "The actor whose dead the figure counts (optional); "
                "a claimant's figures for different parties add up."
            },
        }

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None or getattr(view, "swagger_fake_view", False):
            return fields  # building the schema: document the editor's form
        if not request.user.has_perm("casualties.assess_claim"):
            for name in self.ASSESSOR_FIELDS:
                fields[name].read_only = True
        return fields

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(_nest_period(error.detail)) from None

    def _not_validated(self, model):
        # The period's columns arrive through the nested `period` field.
        return super()._not_validated(model) - set(PERIOD_FIELDS)

    def create(self, validated_data):
        reports = validated_data.pop("reports", [])
        claim = services.create_claim(
            user=self.context["request"].user, reports=reports, **validated_data
        )
        if not reports:  # nothing to read back for the answer
            claim._prefetched_objects_cache = {"reports": Report.objects.none()}
        return claim

    def update(self, instance, validated_data):
        return services.update_claim(
            claim=instance,
            user=self.context["request"].user,
            version=self.context.get("version"),
            reports=validated_data.pop("reports", None),
            **validated_data,
        )

    def to_representation(self, instance):
        return ClaimSerializer(instance, context=self.context).data


def _nest_period(detail):
    """Model messages about period_* columns belong under `period`."""
    if not isinstance(detail, dict):
        return detail
    period = {
        PERIOD_FIELDS[name]: detail.pop(name)
        for name in list(detail)
        if name in PERIOD_FIELDS
    }
    if period:
        detail["period"] = period
    return detail


class ExtractTextSerializer(serializers.Serializer):
    text = StrictCharField(
        max_length=20_000,
        trim_whitespace=False,
        help_text="A pasted report paragraph (at most 20,000 characters).",
    )


class CandidateSerializer(serializers.Serializer):
    wording = StrictCharField(help_text="text[start:end].")
    start = serializers.IntegerField(
        help_text="Offset of the first character, in Unicode code points."
    )
    end = serializers.IntegerField(help_text="Offset just past the last character.")
    group = StrictCharField(help_text="Victim-group slug.")
    outcome = StrictCharField(help_text="Outcome slug.")
    low = serializers.IntegerField()
    high = serializers.IntegerField(allow_null=True, help_text="Null: open-ended.")
    point = serializers.IntegerField(allow_null=True, help_text="The stated figure.")
    said_by = StrictCharField(
        allow_blank=True,
        help_text='Who the sentence says gave the figure ("the military"); '
        "empty when it names nobody.",
    )
    side = StrictCharField(
        allow_null=True,
        help_text="The claimant side the speaker suggests (official, perpetrator, "
        "independent); null when the words suggest none.",
    )


class ExtractedCandidatesSerializer(serializers.Serializer):
    candidates = CandidateSerializer(many=True)
