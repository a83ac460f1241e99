"""The incident list page: the API's filters, pagination, roles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties.reference_case import ROOT_TITLE, load_reference_case
from incidents.models import Actor, Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

URL = reverse("incidents:list")


def test_it_lists_the_reference_case(researcher_client):
    load_reference_case()
    response = researcher_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert ROOT_TITLE in page
    assert "Security-force response" in page
    assert response.context["paginator"].count == 9


def test_it_filters_like_the_api(researcher_client):
    root = load_reference_case()
    response = researcher_client.get(URL, {"top_level": "true"})
    assert list(response.context["incidents"]) == [root]


def test_it_links_each_incident_to_its_page(researcher_client):
    incident = IncidentFactory()
    response = researcher_client.get(URL)
    assert reverse("incidents:detail", args=[incident.pk]) in response.content.decode()


def test_researchers_do_not_see_drafts(researcher_client):
    IncidentFactory(title="A draft", status=Incident.Status.DRAFT)
    IncidentFactory(title="Published one")
    page = researcher_client.get(URL).content.decode()
    assert "A draft" not in page
    assert "Published one" in page


def test_analysts_see_drafts(analyst_client):
    IncidentFactory(title="A draft", status=Incident.Status.DRAFT)
    assert "A draft" in analyst_client.get(URL).content.decode()


def test_editors_see_retracted_incidents_only_when_they_ask(editor_client):
    IncidentFactory(
        title="Withdrawn", status=Incident.Status.RETRACTED, retraction_reason="Dup"
    )
    assert "Withdrawn" not in editor_client.get(URL).content.decode()
    asked = editor_client.get(URL, {"include_retracted": "true"})
    assert "Withdrawn" in asked.content.decode()


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_bad_filter_value_shows_its_message_and_no_incidents(researcher_client):
    IncidentFactory(title="Should not show")
    response = researcher_client.get(URL, {"started_after": "31/01/2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert 'id="id_started_after_error"' in page
    assert "Should not show" not in page


def test_an_unknown_location_id_is_an_error_not_a_500(researcher_client):
    response = researcher_client.get(URL, {"location": "999999"})
    assert response.status_code == 200
    assert response.context["filterset"].errors["location"]


def test_every_filter_has_a_label(researcher_client):
    page = researcher_client.get(URL).content.decode()
    for name in ("search", "parent", "location", "country", "status", "bbox"):
        assert f'<label for="id_{name}">' in page
    assert "[invalid name]" not in page


def test_type_target_country_and_actor_are_chosen_by_name(researcher_client):
    load_reference_case()
    actor = Actor.objects.order_by("id").first()
    page = researcher_client.get(URL).content.decode()
    assert '<select name="type" id="id_type">' in page
    assert '<option value="attack">Attack</option>' in page
    assert '<select name="country" id="id_country">' in page
    assert '<option value="PK">Pakistan</option>' in page
    assert f'<option value="{actor.pk}">{actor.name}</option>' in page
    assert '<option value="" selected>Any</option>' in page

    chosen = researcher_client.get(URL, {"actor": actor.pk, "country": "PK"})
    page = chosen.content.decode()
    assert f'<option value="{actor.pk}" selected>{actor.name}</option>' in page
    assert '<option value="PK" selected>Pakistan</option>' in page


def test_only_editors_are_offered_retracted_incidents(researcher_client):
    page = researcher_client.get(URL).content.decode()
    assert 'name="include_retracted"' not in page


def test_it_shows_a_page_at_a_time(researcher_client):
    IncidentFactory.create_batch(30)
    first = researcher_client.get(URL)
    second = researcher_client.get(URL, {"page": 2, "search": "Incident"})
    assert len(first.context["incidents"]) == 25
    assert len(second.context["incidents"]) == 5
    assert "page=2" in first.content.decode()
    assert "page=1&amp;search=Incident" in second.content.decode()


def test_a_page_past_the_end_is_a_404(researcher_client):
    IncidentFactory()
    assert researcher_client.get(URL, {"page": 9}).status_code == 404


def _make(count):
    for _ in range(count):
        ClaimFactory(incident=IncidentFactory())


def test_it_runs_the_same_queries_for_5_or_30_incidents(researcher_client):
    _make(5)
    with CaptureQueriesContext(connection) as few:
        researcher_client.get(URL)
    _make(25)
    with CaptureQueriesContext(connection) as many:
        researcher_client.get(URL)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_htmx_filtering_returns_only_the_results(researcher_client):
    load_reference_case()
    response = researcher_client.get(
        reverse("incidents:list"), {"search": "Gwadar"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Attack on civilians in Gwadar" in page
    assert "Mastung" not in page
    assert "<html" not in page
    assert "<form" not in page


def test_htmx_filtering_names_the_bad_filter_in_the_results(researcher_client):
    response = researcher_client.get(
        reverse("incidents:list"),
        {"started_after": "31/01/2026"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "Started on or after: Enter a valid date." in page


def test_each_incident_shows_its_killed_and_injured_figures(researcher_client):
    root = load_reference_case()
    response = researcher_client.get(URL, {"top_level": "true"})
    (listed,) = response.context["incidents"]
    page = response.content.decode()

    assert listed == root
    assert (listed.killed.best, listed.injured.best) == (129, 24)
    assert listed.disputed
    assert "Killed <strong>129</strong>" in page
    assert "Injured <strong>24</strong>" in page


def test_an_incident_without_claims_shows_no_figures(researcher_client):
    IncidentFactory(title="Quiet day")
    response = researcher_client.get(URL)
    (listed,) = response.context["incidents"]

    assert not listed.disputed
    assert 'class="figures"' not in response.content.decode()


def test_each_incident_shows_where_it_stands_in_its_tree(researcher_client):
    root = load_reference_case()
    children = Incident.objects.filter(parent=root).count()
    page = researcher_client.get(URL).content.decode()
    assert (
        f'<a href="/incidents/?parent={root.pk}">{children} sub-incidents</a>' in page
    )
    assert f'Part of <a href="/incidents/{root.pk}/">{ROOT_TITLE}</a>' in page
