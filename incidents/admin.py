"""Admin for incidents, places, actors and their taxonomies.

The admin is a staff tool, but it honours the same roles as the site: only
publishers set an incident's status, and nothing kept for its history can be
deleted from here.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from casualties.models import Claim
from incidents import services
from incidents.forms import formset_rows, service_fields
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    IncidentType,
    Location,
    ResponsibilityClaim,
    Target,
    TargetCategory,
    can_read_drafts,
)


def _hide_drafts(request, incidents):
    """Drafts are for those allowed to read them (SPEC section 7)."""
    if can_read_drafts(request.user):
        return incidents
    return incidents.exclude(status=Incident.Status.DRAFT)


class NoDeleteMixin:
    """For domain rows: retracted or left unused, never deleted, since claims,
    incidents and their history point at them (incidents/base.Undeletable).

    Without the delete permission the admin also drops the "delete selected"
    action and answers the delete view with 403, superusers included.
    """

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """History to read, never to restore: a "revert" would write an old row
    back past the services (their roles, transitions, version and tallies).
    SIMPLE_HISTORY_REVERT_DISABLED hides the button; this refuses the POST."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied("History is read-only: it cannot be restored.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class StampCreatorMixin:
    """Record who created a row: `created_by` is not a form field."""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class CreatedByServiceMixin:
    """A new row goes through the write service the API and the pages use
    (`create(user, obj)` builds it from the form's unsaved object); a change
    is saved as the admin saves it."""

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.pk = self.create(request.user, obj).pk
        obj.refresh_from_db()
        obj._state.adding = False

    def create(self, user, obj):
        raise NotImplementedError


class RetractionMixin:
    """Freeze the reason of a retracted row: a retraction must keep its reason."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.retracted_at is not None:
            readonly.append("retraction_reason")
        return readonly


@admin.register(IncidentType, TargetCategory)
class TaxonomyTermAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Location)
class LocationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent", "depth"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    fields = [
        "name",
        "kind",
        "code",
        "parent",
        "latitude",
        "longitude",
        "path",
        "depth",
    ]
    readonly_fields = ["path", "depth"]


@admin.register(Actor)
class ActorAdmin(NoDeleteMixin, CreatedByServiceMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "country"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent", "country"]
    autocomplete_fields = ["parent", "country"]

    def create(self, user, obj):
        return services.create_actor(
            user=user,
            name=obj.name,
            kind=obj.kind,
            parent=obj.parent,
            aliases=obj.aliases,
            country=obj.country,
        )


class IncidentActorInline(admin.TabularInline):
    model = IncidentActor
    autocomplete_fields = ["actor"]
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


class ResponsibilityInline(admin.TabularInline):
    model = ResponsibilityClaim
    autocomplete_fields = ["actor", "report"]
    extra = 0


# The inlines whose rows the incident services write, by the argument of
# `services.set_incident_rows` that takes them.
SERVICE_ROWS = {
    Target: "targets",
    IncidentActor: "actor_roles",
    ResponsibilityClaim: "responsibilities",
}


class ChildIncidentInline(admin.TabularInline):
    """A read-only list of sub-incidents; each is edited on its own page."""

    model = Incident
    fk_name = "parent"
    verbose_name = "sub-incident"
    verbose_name_plural = "sub-incidents"
    fields = ["title", "start_date", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def get_queryset(self, request):
        return _hide_drafts(request, super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ClaimInline(admin.TabularInline):
    """A read-only list of the claims made about this incident itself; each is
    written on its own page, through the claim services."""

    model = Claim
    fields = [
        "claimant",
        "side",
        "group",
        "outcome",
        "low",
        "high",
        "point",
        "wording",
        "assessment",
        "retracted_at",
    ]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claimant")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IncidentAdminForm(forms.ModelForm):
    """The services' state contract, checked before the form counts as valid:
    an error raised later, in save_model, would be a 500 rather than a message."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:  # the instance still holds the stored row
            new = cleaned.get("status", self.instance.status)
            # The admin retracts with the reason field beside the status.
            services.check_transition(self.instance.status, new, retracting=True)
        return cleaned


@admin.register(Incident)
class IncidentAdmin(NoDeleteMixin, HistoryAdmin):
    form = IncidentAdminForm
    list_display = ["title", "start_date", "type", "location", "status", "parent"]
    list_filter = ["status", "type", "date_precision", "location_precision"]
    search_fields = ["title", "summary"]
    date_hierarchy = "start_date"
    list_select_related = ["type", "location", "parent"]
    autocomplete_fields = ["parent", "location"]
    readonly_fields = ["path", "version", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "summary", "type", "parent"]}),
        ("When", {"fields": ["start_date", "end_date", "date_precision"]}),
        ("Where", {"fields": ["location", "location_precision"]}),
        ("Status", {"fields": ["status", "retraction_reason"]}),
        (
            "Record",
            {
                "fields": ["path", "version", "created_by", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_inlines(self, request, obj):
        rows = [IncidentActorInline, ResponsibilityInline, TargetInline]
        if obj is None:  # a new incident has no sub-incidents yet
            return [*rows, ClaimInline]
        return [*rows, ChildIncidentInline, ClaimInline]

    def get_queryset(self, request):
        return _hide_drafts(request, super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        """Publishing and retracting are the editor's call (SPEC section 7)."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("incidents.publish_incident"):
            readonly += ["status", "retraction_reason"]
        return readonly

    def save_model(self, request, obj, form, change):
        """Through the incident services, as the API and the pages write."""
        allowed = services.INCIDENT_FIELDS
        if change:
            fields = service_fields(obj, allowed, only=form.changed_data)
            retracting = fields.get("status") == Incident.Status.RETRACTED
            reason = fields.pop("retraction_reason", obj.retraction_reason)
            if retracting:
                del fields["status"]
            saved = obj
            if fields:
                saved = services.update_incident(
                    incident=obj, user=request.user, **fields
                )
            if retracting:
                saved = services.retract_incident(
                    incident=saved, user=request.user, reason=reason
                )
        else:
            fields = service_fields(obj, allowed)
            saved = services.create_incident(user=request.user, **fields)
        obj.pk, obj.version, obj.path = saved.pk, saved.version, saved.path

    def save_related(self, request, form, formsets, change):
        """The targets, actors and claims of responsibility through the
        incident services too (their checks, their history)."""
        rows = {}
        for formset in formsets:
            if formset.model in SERVICE_ROWS:
                rows[SERVICE_ROWS[formset.model]] = formset_rows(formset)
            # What the admin's change message reads from a saved formset.
            formset.new_objects, formset.changed_objects = [], []
            formset.deleted_objects = []
        if rows:
            services.set_incident_rows(
                incident=form.instance, user=request.user, **rows
            )


class IncidentRowsAdmin(NoDeleteMixin, admin.ModelAdmin):
    """An incident's rows to search and read; they are written on the
    incident's own admin page, through the incident services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IncidentActor)
class IncidentActorAdmin(IncidentRowsAdmin):
    list_display = ["incident", "actor", "role"]
    list_filter = ["role"]
    search_fields = ["incident__title", "actor__name"]
    list_select_related = ["incident", "actor"]
    autocomplete_fields = ["incident", "actor"]


@admin.register(ResponsibilityClaim)
class ResponsibilityClaimAdmin(IncidentRowsAdmin):
    list_display = ["incident", "actor", "how", "report"]
    search_fields = ["incident__title", "actor__name"]
    list_select_related = ["incident", "actor", "report"]


@admin.register(Target)
class TargetAdmin(IncidentRowsAdmin):
    list_display = ["incident", "category", "description"]
    list_filter = ["category"]
    search_fields = ["incident__title", "description"]
    list_select_related = ["incident", "category"]
    autocomplete_fields = ["incident"]
