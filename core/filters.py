"""Filter types every FilterSet shares, strict about their input.

django-filter quietly drops some malformed values (a boolean of "maybe", an
unknown `ordering`); a researcher's script would then get the unfiltered list
and never know. The types here turn such values into a 400 naming the parameter.
"""

import copy
import datetime

import django_filters
from django import forms
from django.utils import timezone
from django_filters import utils
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions

from config.api import can_edit
from core.validators import moment


class StrictBooleanField(forms.Field):
    """`true`/`false` (or 1/0), any case; anything else is an error."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(
                "Enter true or false.", code="invalid"
            ) from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class DayFilter(django_filters.DateFilter):
    """A calendar day on a datetime field, both ends inclusive.

    `after` counts from the day's first moment and `before` up to its last, as
    bounds on the column itself (not `__date`), so its index still serves.
    """

    def __init__(self, *args, bound: str, **kwargs):
        if bound not in {"after", "before"}:
            raise ValueError("bound is 'after' or 'before'")
        self.bound = bound
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if self.bound == "before":
            if value == datetime.date.max:
                return qs
            value += datetime.timedelta(days=1)
        moment = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        lookup = "gte" if self.bound == "after" else "lt"
        return self.get_method(qs)(**{f"{self.field_name}__{lookup}": moment})


class SinceField(forms.CharField):
    """A date (from its start) or a date and time, ISO 8601."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        return moment(value, day_starts=True)


class UpdatedSinceFilter(django_filters.CharFilter):
    """`updated_since`: rows changed at or after a moment, for mirrors that
    stay in sync (the changes feed, /api/v1/changes/, adds tombstones)."""

    field_class = SinceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("label", "Changed since")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault(
            "help_text",
            "Changed at or after this date (from its start) or date and time.",
        )
        super().__init__(*args, **kwargs)


class _Filters(dict):
    """A FilterSet class's filters, which each FilterSet copies one level deep
    rather than recursively: a filter holds only its settings."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, filter_ in self.items():
            copies[name] = copied = copy.copy(filter_)
            # A field the class's filter built (the schema generator asks for
            # some) is built again, so no two forms share one.
            copied.__dict__.pop("_field", None)
            if copied.method is not None:
                copied.method = copied.method  # bound to the copy, not the class's
        return copies


class _OwnFields(dict):
    """The fields of a form class built for one FilterSet, which its one form
    takes as they are."""

    def __deepcopy__(self, memo):
        return dict(self)


class FilterSet(django_filters.FilterSet):
    """django-filter's, copying less on every request.

    A FilterSet deep-copies its class's filters, and its form deep-copies the
    fields it was just given, cloning every choice filter's queryset twice: 0.6
    ms of a 10 ms incident list at 400,000 incidents. Filters hold only their
    settings, and each form class is built for its one FilterSet, with fields
    made for it, so one level of copying, and none for the fields, is enough."""

    def __init__(self, *args, only=None, **kwargs):
        """`only`: the names of the filters to copy and apply, when the
        caller knows them (the API: the parameters a request names). The
        other filters would filter nothing, and copying all of them cost the
        incident list a tenth of its Python."""
        if only is not None:
            self.base_filters = _Filters(
                (name, filter_)
                for name, filter_ in type(self).base_filters.items()
                if name in only
            )
        super().__init__(*args, **kwargs)

    @classmethod
    def get_filters(cls):
        filters = _Filters(super().get_filters())
        # Each filter's label, as django-filter would work it out for every
        # request's copy (1.7 ms of the incident list), worked out once.
        model = cls._meta.model
        for filter_ in filters.values():
            if filter_._label is None and model is not None:
                filter_.model = model
                filter_._label = filter_.label
                del filter_.model
        return filters

    def get_form_class(self):
        form = super().get_form_class()
        form.base_fields = _OwnFields(form.base_fields)
        return form


class RetractableFilterSet(FilterSet):
    """Hides retracted records unless an editor asks for them.

    The hiding lives in the FilterSet, not the viewset, so that the HTML lists
    that reuse it hide exactly what the API hides.
    """

    include_retracted = StrictBooleanFilter(
        method="keep_all",
        label="Include retracted records (editors only; ignored for others).",
    )

    def keep_all(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which sees the user

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        user = getattr(self.request, "user", None)
        wanted = self.form.cleaned_data.get("include_retracted")
        if not (wanted and user is not None and can_edit(user)):
            queryset = queryset.filter(retracted_at__isnull=True)
        return queryset


class StrictOrderingFilter(django_filters.OrderingFilter):
    """`ordering`: the one sort parameter of every list, API and page alike.

    Orders by the requested keys, then by id, so that pages never shuffle. An
    unknown key is a 400 naming the parameter (the choices are validated),
    where DRF's OrderingFilter ignores what it does not know. On a page, empty
    entries (a form's "any") keep the list's default order; the API refuses
    them (StrictFilterBackend), as it refuses every other empty parameter.
    """

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        if not ordering:
            return qs
        if not {"id", "-id"} & set(ordering):
            ordering.append("-id" if ordering[-1].startswith("-") else "id")
        return qs.order_by(*ordering)


def _takes_blank(filter_) -> bool:
    """Text may be empty; nothing else may."""
    return issubclass(filter_.field_class, forms.CharField) and not isinstance(
        filter_, django_filters.OrderingFilter
    )


def _is_blank(filter_, value: str) -> bool:
    """An ordering names a key in each comma-separated entry (`ordering=,`
    names none: the schema's enum has no empty key)."""
    if isinstance(filter_, django_filters.OrderingFilter):
        return any(not entry.strip() for entry in value.split(","))
    return value == ""


class StrictFilterBackend(DjangoFilterBackend):
    """The API's filters: a parameter given empty is refused unless it takes
    text. A page's form sends empty fields for "any" (the HTML lists use the
    FilterSets directly), but a client that sends `started_before=` meant a
    date and would otherwise get the unfiltered list without knowing."""

    def get_filterset(self, request, queryset, view, only=None):
        """django-filter's, which also takes `only` (FilterSet)."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if only is not None:
            kwargs["only"] = only
        filterset = filterset_class(**kwargs)
        blank = {
            name: ["Give a value, or leave the parameter out."]
            for name, values in request.query_params.lists()
            if name in filterset.filters
            and not _takes_blank(filterset.filters[name])
            and any(_is_blank(filterset.filters[name], value) for value in values)
        }
        if blank:
            raise exceptions.ValidationError(blank)
        return filterset

    def filter_queryset(self, request, queryset, view):
        """django-filter's, with only the filters the request names: a filter
        left out filters nothing, and building the form's field for each of
        the others (querysets, choices, widgets) cost 2.4 ms of the incident
        list. The browsable API's form (`to_html`) still offers them all."""
        filterset = self.get_filterset(
            request, queryset, view, only=set(request.query_params)
        )
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
