"""The filters of incidents and the gazetteer, shared by the API and the pages.

Every filter is typed, so that a malformed value is a 400 naming the parameter
instead of a 500 or a silently ignored condition (django-filter turns the
form's errors into `{"param": ["message"]}`).
"""

import math

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.utils import extend_schema_field

from casualties.models import Tally, TallyChange, figures_for
from config.api import can_edit
from core.filters import (
    FilterSet,
    StrictBooleanFilter,
    StrictOrderingFilter,
    UpdatedSinceFilter,
)
from incidents import gazetteer
from incidents.access import incidents_for_request
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    IncidentType,
    Location,
    Target,
    TargetCategory,
)


class _ChoiceByKey(django_filters.ModelChoiceFilter):
    """A record chosen by its key: an unknown key is a 400, not an empty list."""

    schema_type = "integer"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The schema cannot guess the key's type from a method filter.
        extend_schema_field(
            {"type": self.schema_type, "description": self.extra.get("help_text", "")}
        )(self)


class IdFilter(_ChoiceByKey):
    schema_type = "integer"


class SlugFilter(_ChoiceByKey):
    schema_type = "string"


class CountryCodeField(django_filters.fields.ModelChoiceField):
    """An ISO 3166 alpha-2 code, in either case, of a country in the gazetteer."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        return super().to_python(value)


class CountryFilter(SlugFilter):
    field_class = CountryCodeField


class IsoDateFilter(django_filters.DateFilter):
    """YYYY-MM-DD only: 01/02/2026 means different days to different readers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class BBoxField(forms.CharField):
    """`min_lon,min_lat,max_lon,max_lat` in WGS84 degrees."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        parts = value.split(",")
        if len(parts) != 4:
            raise forms.ValidationError(
                "Give four numbers: min_lon,min_lat,max_lon,max_lat.", code="invalid"
            )
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(
                "Give four numbers: min_lon,min_lat,max_lon,max_lat.", code="invalid"
            ) from None
        if not all(math.isfinite(number) for number in numbers):
            raise forms.ValidationError("Give finite numbers.", code="invalid")
        min_lon, min_lat, max_lon, max_lat = numbers
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
            raise forms.ValidationError(
                "Longitudes must lie between -180 and 180.", code="invalid"
            )
        if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise forms.ValidationError(
                "Latitudes must lie between -90 and 90.", code="invalid"
            )
        if min_lon > max_lon or min_lat > max_lat:
            raise forms.ValidationError(
                "The minimum cannot exceed the maximum.", code="invalid"
            )
        return tuple(numbers)


class BBoxFilter(django_filters.CharFilter):
    field_class = BBoxField


class IncidentFilterSet(FilterSet):
    """The incident filters of SPEC section 6."""

    search = django_filters.CharFilter(
        method="filter_search", help_text="Words in the title or the summary."
    )
    parent = IdFilter(
        queryset=incidents_for_request,
        help_text="Incidents directly below this incident (id).",
    )
    top_level = StrictBooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="Only umbrella-level."
    )
    started_after = IsoDateFilter(
        field_name="start_date", lookup_expr="gte", help_text="Start date on or after."
    )
    started_before = IsoDateFilter(
        field_name="start_date", lookup_expr="lte", help_text="Start date on or before."
    )
    location = IdFilter(
        queryset=Location.objects.all(),
        method="filter_location",
        help_text="At this location or any place inside it (id).",
    )
    country = CountryFilter(
        queryset=Location.objects.filter(kind=Location.Kind.COUNTRY),
        to_field_name="code",
        method="filter_location",
        help_text="In this country (ISO 3166 alpha-2 code, e.g. PK).",
    )
    target = SlugFilter(
        queryset=TargetCategory.objects.all(),
        method="filter_target",
        help_text="With a target of this category (slug).",
    )
    actor = IdFilter(
        queryset=Actor.objects.all(),
        method="filter_actor",
        help_text="With this actor in any role (id).",
    )
    type = SlugFilter(
        queryset=IncidentType.objects.all(), help_text="Of this incident type (slug)."
    )
    status = django_filters.ChoiceFilter(choices=Incident.Status.choices)
    disputed = StrictBooleanFilter(
        method="filter_disputed", help_text="Has (or has no) disputed tally."
    )
    bbox = BBoxFilter(
        method="filter_bbox",
        help_text="min_lon,min_lat,max_lon,max_lat: the location lies inside.",
    )
    include_retracted = StrictBooleanFilter(
        method="filter_include_retracted",
        help_text="Include retracted incidents (editors only).",
    )
    dataset = django_filters.CharFilter(
        max_length=20, help_text="Imported from this dataset (ucdp-ged)."
    )
    external_id = django_filters.CharFilter(
        max_length=50, help_text="The dataset's own event id (e.g. 59553)."
    )
    import_flagged = StrictBooleanFilter(
        method="filter_import_flagged",
        label="Flagged on import",
        help_text="Imported from a row the importer flagged for review (true), "
        "or imported without a flag (false).",
    )
    updated_since = UpdatedSinceFilter(
        method="filter_updated_since",
        label="Changed since",
        help_text="Changed at or after this date (from its start) or date and "
        "time, the incident itself or any of its tallies.",
    )
    ordering = StrictOrderingFilter(
        fields=["start_date", "end_date", "title", "id", "created_at", "updated_at"],
        help_text="Sort keys, comma-separated, '-' for descending; "
        "default -start_date,-id.",
    )

    class Meta:
        model = Incident
        fields = []

    def filter_queryset(self, queryset):
        """Retracted incidents stay out unless an editor asks for them, and
        with them their parts (SPEC rule 9: withdrawn with the whole), as
        `visible_to` and the child counts have it."""
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        asked = data.get("include_retracted") or (
            data.get("status") == Incident.Status.RETRACTED
        )
        if not (asked and self.request is not None and can_edit(self.request.user)):
            queryset = queryset.exclude(effective_status=Incident.Status.RETRACTED)
        return queryset

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))

    def filter_location(self, queryset, name, value):
        return queryset.filter(location__path__startswith=value.path)

    def filter_target(self, queryset, name, value):
        targets = Target.objects.filter(incident=OuterRef("pk"), category=value)
        return queryset.filter(Exists(targets))

    def filter_actor(self, queryset, name, value):
        roles = IncidentActor.objects.filter(incident=OuterRef("pk"), actor=value)
        return queryset.filter(Exists(roles))

    def filter_disputed(self, queryset, name, value):
        user = getattr(self.request, "user", None) or AnonymousUser()
        tallies = Tally.objects.figures(figures_for(user))
        disputed = Exists(tallies.filter(incident=OuterRef("pk"), disputed=True))
        return queryset.filter(disputed if value else ~disputed)

    def filter_bbox(self, queryset, name, value):
        min_lon, min_lat, max_lon, max_lat = value
        return queryset.filter(
            location__longitude__gte=min_lon,
            location__longitude__lte=max_lon,
            location__latitude__gte=min_lat,
            location__latitude__lte=max_lat,
        )

    def filter_import_flagged(self, queryset, name, value):
        flagged = Q(import_record__isnull=False) & ~Q(import_record__flags=[])
        if value:
            return queryset.filter(flagged)
        return queryset.filter(import_record__isnull=False).exclude(flagged)

    def filter_updated_since(self, queryset, name, value):
        """A change of its tallies (in the figures the user reads) is a change
        of the incident: its headline figures moved."""
        user = getattr(self.request, "user", None) or AnonymousUser()
        changes = TallyChange.objects.filter(
            incident=OuterRef("pk"),
            at__gte=value,
            scope__in=Tally.Scope.covering(figures_for(user)),
        )
        return queryset.filter(Q(updated_at__gte=value) | Exists(changes))

    def filter_include_retracted(self, queryset, name, value):
        return queryset  # applied in filter_queryset, with the user's role


class LocationFilterSet(FilterSet):
    """Gazetteer lookups: by kind, parent, ISO code, name or subtree."""

    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)
    parent = IdFilter(queryset=Location.objects.all(), help_text="Parent (id).")
    code = django_filters.CharFilter(
        lookup_expr="iexact", help_text="ISO 3166 code (PK, PK-BA)."
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=(
            "Part of the name, an ISO code or a former name (FATA finds Khyber "
            "Pakhtunkhwa); best matches first unless `ordering` is given."
        ),
    )
    below = IdFilter(
        queryset=Location.objects.all(),
        method="filter_below",
        help_text="This location and every place inside it (id).",
    )
    ordering = StrictOrderingFilter(fields=["name", "kind", "id"])

    class Meta:
        model = Location
        fields = []

    def filter_below(self, queryset, name, value):
        return queryset.below(value)

    def filter_search(self, queryset, name, value):
        return gazetteer.search(value, queryset)  # `ordering` then reorders


class ActorFilterSet(FilterSet):
    """Actors by kind, name or alias, and parent."""

    kind = django_filters.ChoiceFilter(choices=Actor.Kind.choices)
    search = django_filters.CharFilter(
        method="filter_search", help_text="Words in the name or an alias."
    )
    parent = IdFilter(queryset=Actor.objects.all(), help_text="Parent actor (id).")
    ordering = StrictOrderingFilter(fields=["name", "kind", "id"])

    class Meta:
        model = Actor
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value))


class TargetFilterSet(FilterSet):
    """Targets by incident and category."""

    incident = IdFilter(queryset=incidents_for_request, help_text="Incident (id).")
    category = SlugFilter(
        queryset=TargetCategory.objects.all(), help_text="Target category (slug)."
    )
    ordering = StrictOrderingFilter(
        fields=[("incident_id", "incident"), ("category_id", "category"), "id"]
    )

    class Meta:
        model = Target
        fields = []
