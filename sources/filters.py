"""Filters of the source and report lists (their types: core.filters)."""

import django_filters
from django.db.models import Q

from core.filters import (
    DayFilter,
    FilterSet,
    RetractableFilterSet,
    StrictOrderingFilter,
)
from incidents.models import Actor
from sources.models import Report, Source


class SourceFilterSet(FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Source.Kind.choices
    )
    reliability = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Source.Reliability.choices
    )
    affiliation = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.all(), label="The actor the outlet speaks for (id)."
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, label="Words in the name or URL."
    )
    ordering = StrictOrderingFilter(
        fields=["id", "name", "kind", "reliability", "updated_at"],
        label="Sort keys, comma-separated, '-' for descending; ties by id.",
    )

    class Meta:
        model = Source
        fields = ["kind", "reliability", "affiliation", "search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(url__icontains=value))


class ReportFilterSet(RetractableFilterSet):
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(), label="The outlet (id)."
    )
    published_after = DayFilter(
        field_name="published_at", bound="after", label="Published on or after."
    )
    published_before = DayFilter(
        field_name="published_at", bound="before", label="Published on or before."
    )
    language = django_filters.CharFilter(max_length=10, label="Language code.")
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, label="Words in the title or excerpt."
    )
    ordering = StrictOrderingFilter(
        fields=["id", "published_at", "title", "credibility", "updated_at"],
        label="Sort keys, comma-separated, '-' for descending; ties by id.",
    )

    class Meta:
        model = Report
        fields = [
            "source",
            "published_after",
            "published_before",
            "language",
            "search",
            "include_retracted",
        ]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(excerpt__icontains=value))
