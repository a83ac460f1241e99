"""Filters of the casualty lists, for the API and the HTML pages alike.

Incident choices are limited to what the requesting user may read, so an id of
a draft looks to a researcher exactly like an id that does not exist.
"""

import django_filters
from django_filters.constants import EMPTY_VALUES

from casualties.models import Claim, ClaimantSide, Outcome, Tally, VictimGroup
from core.filters import (
    DayFilter,
    FilterSet,
    RetractableFilterSet,
    StrictBooleanFilter,
    StrictOrderingFilter,
    UpdatedSinceFilter,
)
from incidents.access import incidents_for_request
from incidents.models import Actor
from sources.models import Report


class IncidentFilter(django_filters.ModelChoiceFilter):
    """An incident id among those the user may read."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", incidents_for_request)
        super().__init__(*args, **kwargs)


class IncidentTreeFilter(IncidentFilter):
    """The incident and everything below it: one indexed prefix match on its path."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__path__startswith": value.path})


def slug_filter(model, label: str):
    """One or more taxonomy slugs (repeat the parameter); unknown ones are a 400.

    Not `distinct`: the slug is a column of the filtered row itself, so no
    row can come twice, and SELECT DISTINCT over every column of 2.2 million
    tallies cost 365 ms a page."""
    return django_filters.ModelMultipleChoiceFilter(
        queryset=model.objects.all(), label=label, distinct=False
    )


class ClaimFilterSet(RetractableFilterSet):
    incident = IncidentFilter(label="Claims attached to this incident (id).")
    incident_tree = IncidentTreeFilter(
        field_name="incident",
        label="Claims on this incident (id) or on any incident below it.",
    )
    group = slug_filter(VictimGroup, "Victim group slug(s); exact, not descendants.")
    outcome = slug_filter(Outcome, "Outcome slug(s).")
    side = slug_filter(ClaimantSide, "Claimant side slug(s).")
    assessment = django_filters.MultipleChoiceFilter(
        distinct=False,
        choices=Claim.Assessment.choices,
        label="Editor's assessment(s).",
    )
    claimant = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.all(), label="The claimant actor (id)."
    )
    report = django_filters.ModelChoiceFilter(
        field_name="reports",
        queryset=Report.objects.all(),
        label="Claims read in this report (id).",
    )
    asserted_after = DayFilter(
        field_name="asserted_at", bound="after", label="Asserted on or after."
    )
    asserted_before = DayFilter(
        field_name="asserted_at", bound="before", label="Asserted on or before."
    )
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(
        fields=["id", "incident", "low", "high", "asserted_at", "updated_at"],
        label="Sort keys, comma-separated, '-' for descending; ties by id.",
    )

    class Meta:
        model = Claim
        fields = [
            "incident",
            "incident_tree",
            "group",
            "outcome",
            "side",
            "assessment",
            "claimant",
            "report",
            "asserted_after",
            "asserted_before",
            "updated_since",
            "include_retracted",
        ]


class TallyFilterSet(FilterSet):
    """The tally filters of SPEC section 6; `status=needs_review&status=stale` is
    the review queue."""

    incident = IncidentFilter(label="Tallies of this incident (id).")
    top_level = StrictBooleanFilter(
        field_name="incident__parent",
        lookup_expr="isnull",
        label="Only tallies of top-level incidents (true) or of parts (false).",
    )
    group = slug_filter(VictimGroup, "Victim group slug(s); exact, not descendants.")
    outcome = slug_filter(Outcome, "Outcome slug(s).")
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Tally.Status.choices, label="Review status(es)."
    )
    disputed = StrictBooleanFilter(label="Only disputed (true) or undisputed tallies.")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(
        fields=["group", "outcome", "low", "best", "updated_at", "id"],
        label="Sort keys, comma-separated, '-' for descending; ties by id.",
    )

    class Meta:
        model = Tally
        fields = [
            "incident",
            "top_level",
            "group",
            "outcome",
            "status",
            "disputed",
            "updated_since",
        ]
