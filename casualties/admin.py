"""Admin for claims, tallies and the casualty taxonomies.

Tallies are computed, so only an editor's review of one is editable; every
write here that can move a figure ends by bringing the stored tallies up to
date through `casualties.tallies`.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from casualties import services, tallies
from casualties.models import (
    Claim,
    ClaimantSide,
    Outcome,
    Tally,
    VictimGroup,
)
from incidents.admin import NoDeleteMixin, RetractionMixin, StampCreatorMixin


@admin.register(VictimGroup)
class VictimGroupAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "parent"]
    search_fields = ["slug", "name"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ClaimantSide)
class ClaimantSideAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "rank"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Claim)
class ClaimAdmin(NoDeleteMixin, RetractionMixin, StampCreatorMixin, SimpleHistoryAdmin):
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
    autocomplete_fields = ["incident", "claimant", "reports", "supersedes"]
    readonly_fields = ["retracted_at", "version", "created_by", "created_at"]
    fieldsets = [
        (
            None,
            {"fields": ["incident", "claimant", "side", "reports", "group", "outcome"]},
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
        return readonly

    def save_model(self, request, obj, form, change):
        """A reason given for a live claim retracts it through `Claim.retract`."""
        if obj.retracted_at is None and obj.retraction_reason.strip():
            if not change:
                obj.created_by = request.user
            obj._history_user = request.user
            obj.retract(reason=obj.retraction_reason, user=request.user)
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Recount sources once the reports are saved: `Claim.save` ran before."""
        super().save_related(request, form, formsets, change)
        claim = form.instance
        tallies.refresh_path(claim.incident_id, claim.group_id, claim.outcome_id)


REVIEW_FIELDS = ["reviewed_best", "reviewed_low", "reviewed_high", "rationale"]


class TallyReviewForm(forms.ModelForm):
    """The review rules of `casualties.services`, shown next to the admin's fields."""

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
            for field, messages in error.message_dict.items():
                name = field if field == "rationale" else f"reviewed_{field}"
                for message in messages:
                    self.add_error(name, message)
        return data


@admin.register(Tally)
class TallyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Computed figures, read-only; editors with `review_tally` may review them."""

    form = TallyReviewForm
    list_display = [
        "incident",
        "group",
        "outcome",
        "low",
        "best",
        "high",
        "disputed",
        "claims",
        "sources",
        "status",
    ]
    list_filter = ["status", "disputed", "inconsistent", "outcome", "group"]
    search_fields = ["incident__title"]
    list_select_related = ["incident", "group", "outcome"]
    fields = [
        "incident",
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
        *REVIEW_FIELDS,
        "reviewed_by",
        "reviewed_at",
        "version",
    ]
    readonly_fields = [field for field in fields if field not in REVIEW_FIELDS]

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
        if obj.reviewed_best is None:
            services.clear_review(tally_id=obj.pk, user=request.user)
            return
        services.review_tally(
            tally_id=obj.pk,
            user=request.user,
            best=obj.reviewed_best,
            low=obj.reviewed_low,
            high=obj.reviewed_high,
            rationale=obj.rationale,
            version=obj.version,  # the admin has no edit lock of its own
        )
