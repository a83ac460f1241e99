"""core.filters.FilterSet copies its class's filters one level deep: each
FilterSet must still own its filters, and method filters must call their own."""

import pytest
from django.http import QueryDict

from incidents.filters import IncidentFilterSet, LocationFilterSet
from incidents.models import Incident, Location
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_each_filterset_owns_its_filters_and_fields():
    first = IncidentFilterSet(QueryDict("search=quarry"), Incident.objects.all())
    second = IncidentFilterSet(QueryDict("search=mine"), Incident.objects.all())

    for name, filter_ in first.filters.items():
        assert filter_ is not second.filters[name]
        assert filter_ is not IncidentFilterSet.base_filters[name]
        assert filter_.parent is first and second.filters[name].parent is second
    assert first.form.fields["search"] is not second.form.fields["search"]
    assert first.is_valid() and second.is_valid()
    assert first.form.cleaned_data["search"] == "quarry"
    assert second.form.cleaned_data["search"] == "mine"
    assert not any(
        hasattr(filter_, "parent") and filter_.parent is not None
        for filter_ in IncidentFilterSet.base_filters.values()
    )


def test_a_method_filter_runs_on_its_own_filterset():
    LocationFactory(name="Turbat")
    LocationFactory(name="Quetta")

    found = LocationFilterSet(QueryDict("search=turbat"), Location.objects.all()).qs
    other = LocationFilterSet(QueryDict("search=quetta"), Location.objects.all()).qs

    assert [place.name for place in found] == ["Turbat"]
    assert [place.name for place in other] == ["Quetta"]


def test_no_two_forms_share_a_field_the_class_filter_built():
    """drf-spectacular reads `.field` of the class's choice filters, which
    caches one there; the pages then change their FilterSets' fields."""
    assert IncidentFilterSet.base_filters["status"].field is not None

    first = IncidentFilterSet(QueryDict(""), Incident.objects.all())
    second = IncidentFilterSet(QueryDict(""), Incident.objects.all())

    built = IncidentFilterSet.base_filters["status"].field
    assert first.form.fields["status"] is not built
    assert first.form.fields["status"] is not second.form.fields["status"]


def test_labels_are_django_filters_own():
    """Worked out once per class (core.filters.FilterSet.get_filters), as
    django-filter would for each request's copy."""
    from django_filters.utils import label_for_filter

    for name, filter_ in IncidentFilterSet.base_filters.items():
        if filter_.extra.get("label") is None and name in ("type", "status"):
            assert filter_.label == label_for_filter(
                Incident, filter_.field_name, filter_.lookup_expr, filter_.exclude
            )
    form = IncidentFilterSet(QueryDict(""), Incident.objects.all()).form
    assert form.fields["status"].label == "Status"


def test_the_api_filters_with_what_it_is_given_and_offers_every_filter(
    researcher_client,
):
    """The API's list builds only the filters a request names; the browsable
    API's filter form still shows all of them."""
    from tests.factories import IncidentFactory

    IncidentFactory(title="Quarry blast", status=Incident.Status.PUBLISHED)
    IncidentFactory(title="Market attack", status=Incident.Status.PUBLISHED)

    found = researcher_client.get("/api/v1/incidents/", {"search": "quarry"})
    assert [row["title"] for row in found.json()["results"]] == ["Quarry blast"]
    refused = researcher_client.get("/api/v1/incidents/", {"disputed": "maybe"})
    assert refused.status_code == 400 and "disputed" in refused.json()

    page = researcher_client.get(
        "/api/v1/incidents/", {"search": "quarry"}, HTTP_ACCEPT="text/html"
    )
    html = page.content.decode()
    for name in IncidentFilterSet.base_filters:
        assert f'name="{name}"' in html, name
