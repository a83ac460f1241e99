"""Admin for claims, tallies and the casualty taxonomies.

The admin is one more door to the write services: a claim saved here goes
through `casualties.services` like one sent to the API, and tallies are
computed, so only an editor's review of one is written here (through
`review_tally`). Taxonomy rows are the engine's own source of side ranks and
of the group tree; a change to them moves figures after a recompute.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

from casualties import services
from casualties.models import (
    Claim,
    ClaimantSide,
    Outcome,
    Tally,
    TallyChange,
    TallyReview,
    VictimGroup,
)
from incidents.admin import HistoryAdmin, NoDeleteMixin, RetractionMixin
from incidents.forms import service_fields
from incidents.models import Incident
from sources.models import Report

RECOMPUTE_NOTE = (
    "Stored tallies follow this change after `manage.py recompute_tallies`."
)


class TaxonomyAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Ranks and the group tree feed the engine: say when figures follow."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            messages.info(request, RECOMPUTE_NOTE)


@admin.register(VictimGroup)
class VictimGroupAdmin(TaxonomyAdmin):
    list_display = ["slug", "name", "parent"]
    search_fields = ["slug", "name"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Outcome)
class OutcomeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ClaimantSide)
class ClaimantSideAdmin(TaxonomyAdmin):
    list_display = ["slug", "name", "rank"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


class ClaimAdminForm(forms.ModelForm):
    """The claim's fields, and its reports as a plain field: they are linked
    by the service, with the tallies' source counts, not by the form."""

    # Not named `reports`: the admin refuses a many-to-many with its own
    # through model in a form, which is the point here.
    linked_reports = forms.ModelMultipleChoiceField(
        label="Reports",
        queryset=Report.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Claim._meta.get_field("reports"), admin.site),
    )

    class Meta:
        model = Claim
        fields = [*sorted(services.CLAIM_FIELDS), "retraction_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["linked_reports"] = list(
                self.instance.reports.values_list("pk", flat=True)
            )

    def clean(self):
        """The services' contract, checked while the form can still say so
        (an error raised in save_model would be a 500)."""
        cleaned = super().clean()
        if self.instance.pk is not None and self.instance.is_retracted:
            raise ValidationError(services.RETRACTED_CLAIM)
        incident = cleaned.get("incident")
        if (
            incident is not None
            and incident.effective_status == Incident.Status.RETRACTED
        ):
            self.add_error("incident", services.CLOSED_INCIDENT)
        return cleaned


@admin.register(Claim)
class ClaimAdmin(NoDeleteMixin, RetractionMixin, HistoryAdmin):
    form = ClaimAdminForm
    list_display = [
        "__str__",
        "incident",
        "claimant",
        "side",
        "interval",
        "assessment",
        "retracted_at",
    ]
    list_filter = [
        "assessment",
        "side",
        "outcome",
        "group",
        ("retracted_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["wording", "incident__title", "claimant__name"]
    list_select_related = ["incident", "claimant", "side"]
    autocomplete_fields = ["incident", "claimant", "supersedes"]
    readonly_fields = ["retracted_at", "version", "created_by", "created_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "incident",
                    "claimant",
                    "side",
                    "linked_reports",
                    "group",
                    "outcome",
                ]
            },
        ),
        ("Figure", {"fields": ["low", "high", "point", "wording"]}),
        (
            "When",
            {
                "fields": [
                    "asserted_at",
                    "period_start",
                    "period_end",
                    "period_label",
                    "supersedes",
                ]
            },
        ),
        ("Assessment", {"fields": ["assessment", "assessment_note"]}),
        (
            "Retraction",
            {
                "fields": ["retraction_reason", "retracted_at"],
                "description": "Giving a reason retracts the claim for good.",
            },
        ),
        (
            "Record",
            {
                "fields": ["version", "created_by", "created_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    @admin.display(description="Interval")
    def interval(self, claim):
        return claim.interval_display

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("casualties.assess_claim"):
            readonly += ["assessment", "assessment_note"]
        if not request.user.has_perm("incidents.publish_incident"):
            readonly.append("retraction_reason")  # retracting is an editor's act
        return readonly

    def save_model(self, request, obj, form, change):
        """Create, edit or (a reason given for a live claim) retract it through
        the services the API uses."""
        allowed = services.CLAIM_FIELDS
        reports = form.cleaned_data.get("linked_reports", [])
        if not change:
            fields = service_fields(obj, allowed)
            saved = services.create_claim(user=request.user, reports=reports, **fields)
        else:
            fields = service_fields(obj, allowed, only=form.changed_data)
            saved = services.update_claim(
                claim=obj, user=request.user, reports=reports, **fields
            )
            if obj.retraction_reason.strip() and not saved.is_retracted:
                saved = services.retract_claim(
                    claim=saved, user=request.user, reason=obj.retraction_reason
                )
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        """Nothing to save: the service linked the reports."""


@admin.register(TallyReview)
class TallyReviewAdmin(NoDeleteMixin, HistoryAdmin):
    """Editors' reviews, read-only: they are written on the tally."""

    list_display = [
        "incident",
        "group",
        "outcome",
        "best",
        "reviewed_by",
        "reviewed_at",
    ]
    list_select_related = ["incident", "reviewed_by"]
    search_fields = ["incident__title", "rationale"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TallyChange)
class TallyChangeAdmin(admin.ModelAdmin):
    """Every change of every tally and its cause, read-only."""

    list_display = ["at", "incident", "group", "outcome", "scope", "kind", "best"]
    list_display += ["cause", "cause_id", "user"]
    list_filter = ["kind", "cause", "scope"]
    list_select_related = ["incident", "user"]
    search_fields = ["incident__title"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TallyReviewForm(forms.ModelForm):
    """The editor's review beside the computed figures, checked by the rules of
    `casualties.services`."""

    reviewed_best = forms.IntegerField(min_value=0, required=False)
    reviewed_low = forms.IntegerField(min_value=0, required=False)
    reviewed_high = forms.IntegerField(min_value=0, required=False)
    rationale = forms.CharField(widget=forms.Textarea, required=False)

    class Meta:
        model = Tally
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        review = self.instance.review
        if review is not None:
            self.initial |= {
                "reviewed_best": review.best,
                "reviewed_low": review.low,
                "reviewed_high": review.high,
                "rationale": review.rationale,
            }

    def clean(self):
        data = super().clean()
        best = data.get("reviewed_best")
        if best is None:
            if data.get("reviewed_low") is not None or data.get("reviewed_high"):
                self.add_error("reviewed_best", "Give the reviewed best figure too.")
            return data
        try:
            services.validate_review(
                self.instance,
                best=best,
                low=data.get("reviewed_low"),
                high=data.get("reviewed_high"),
                rationale=data.get("rationale", ""),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                name = field if field == "rationale" else f"reviewed_{field}"
                for message in errors:
                    self.add_error(name, message)
        return data


REVIEW_FIELDS = ["reviewed_best", "reviewed_low", "reviewed_high", "rationale"]


@admin.register(Tally)
class TallyAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Computed figures, read-only; editors with `review_tally` may review them."""

    form = TallyReviewForm
    list_display = [
        "incident",
        "group",
        "outcome",
        "scope",
        "low",
        "best",
        "high",
        "disputed",
        "claims",
        "sources",
        "status",
    ]
    list_filter = ["scope", "status", "disputed", "inconsistent", "outcome", "group"]
    search_fields = ["incident__title"]
    list_select_related = ["incident", "group", "outcome"]
    computed = [
        "incident",
        "group",
        "outcome",
        "scope",
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
        "review",
        "version",
    ]
    fields = [*computed, *REVIEW_FIELDS]
    readonly_fields = computed

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and request.user.has_perm(
            "casualties.review_tally"
        )

    def save_model(self, request, obj, form, change):
        """Review (or withdraw a review) through the service the API uses.

        Saving a review unchanged confirms it, which is how a stale one is
        cleared.
        """
        data = form.cleaned_data
        if data.get("reviewed_best") is None:
            services.clear_review(tally_id=obj.pk, user=request.user)
            return
        services.review_tally(
            tally_id=obj.pk,
            user=request.user,
            best=data["reviewed_best"],
            low=data.get("reviewed_low"),
            high=data.get("reviewed_high"),
            rationale=data["rationale"],
            version=obj.version,  # the admin has no edit lock of its own
        )
