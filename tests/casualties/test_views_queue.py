"""The review queue: the tallies waiting for an editor, the longest-waiting first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties import services
from casualties.models import ClaimantSide, Tally
from casualties.reference_case import load_reference_case
from tests.factories import ClaimFactory, IncidentFactory, stored_as

pytestmark = pytest.mark.django_db

URL = reverse("casualties:queue")


def disputed_tally(incident=None) -> Tally:
    """Two sides ten and forty apart: a disputed civilians-killed tally."""
    incident = incident or IncidentFactory()
    ClaimFactory(incident=incident, low=10)
    ClaimFactory(
        incident=incident,
        low=50,
        side=ClaimantSide.objects.get(slug="perpetrator"),
    )
    return Tally.objects.get(incident=incident, group="civilians", outcome="killed")


def test_it_lists_the_reference_cases_disputed_tally(editor_client):
    root = load_reference_case()
    tally = Tally.objects.get(incident=root, group="security-forces", outcome="killed")
    response = editor_client.get(URL)
    assert response.status_code == 200
    assert list(response.context["tallies"]) == [tally]
    page = response.content.decode()
    review = reverse("casualties:review", args=[tally.pk])
    assert (
        f'<a href="{review}">Coordinated attacks across Balochistan: '
        "Security forces killed</a>"
    ) in page
    assert reverse("incidents:detail", args=[root.pk]) in page
    assert "<li>Official: 10–10</li><li>Perpetrator: 11–open</li>" in page
    assert '<span class="badge disputed">disputed</span>' in page
    assert "needs review" in page


def test_it_shows_low_best_and_open_high(editor_client):
    disputed_tally()
    page = editor_client.get(URL).content.decode()
    assert 'data-label="Low">10<' in page
    assert 'data-label="Best"><strong>10</strong>' in page
    assert 'data-label="High">50<' in page


def test_it_lists_an_inconsistent_tally(editor_client):
    whole = IncidentFactory()
    ClaimFactory(incident=whole, low=5)
    ClaimFactory(incident=IncidentFactory(parent=whole), low=20)
    tally = Tally.objects.get(incident=whole, group="civilians", outcome="killed")
    assert tally.inconsistent and not tally.disputed
    page = editor_client.get(URL).content.decode()
    assert '<span class="badge disputed">inconsistent</span>' in page


def test_a_reviewed_tally_leaves_the_queue_and_comes_back_stale(editor_client, editor):
    tally = disputed_tally()
    services.review_tally(
        tally_id=tally.pk,
        user=editor,
        best=30,
        low=None,
        high=None,
        rationale="Morgue lists.",
        version=tally.version,
    )
    assert list(editor_client.get(URL).context["tallies"]) == []

    ClaimFactory(incident=tally.incident, low=12)
    response = editor_client.get(URL)
    assert list(response.context["tallies"]) == [tally]
    assert '<span class="badge status-stale">stale</span>' in response.content.decode()


def test_it_leaves_out_tallies_nobody_disputes(editor_client):
    ClaimFactory(low=7)
    response = editor_client.get(URL)
    assert list(response.context["tallies"]) == []
    assert "Nothing is waiting for review." in response.content.decode()


def test_it_lists_the_longest_waiting_first(editor_client):
    changed, waiting = disputed_tally(), disputed_tally()
    # A further figure moves the first tally: it has now waited the shortest.
    ClaimFactory(incident=changed.incident, low=12)
    changed.refresh_from_db()
    waiting.refresh_from_db()
    assert waiting.updated_at < changed.updated_at
    assert list(editor_client.get(URL).context["tallies"]) == [waiting, changed]


def test_it_shows_25_tallies_a_page(editor_client):
    for _ in range(26):
        disputed_tally()
    first = editor_client.get(URL)
    assert len(first.context["tallies"]) == 25
    assert "26 tallies waiting for review" in first.content.decode()
    assert len(editor_client.get(URL, {"page": 2}).context["tallies"]) == 1
    assert editor_client.get(URL, {"page": 9}).status_code == 404


def test_it_runs_the_same_queries_for_2_or_12_tallies(editor_client):
    for _ in range(2):
        disputed_tally()
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(URL).status_code == 200
    for _ in range(10):
        disputed_tally(IncidentFactory(parent=IncidentFactory()))
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(URL)
    assert len(response.context["tallies"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_admins_see_the_queue(admin_client):
    disputed_tally()
    assert len(admin_client.get(URL).context["tallies"]) == 1


@pytest.mark.parametrize("role_client", ["analyst_client", "researcher_client"])
def test_analysts_and_researchers_are_refused(request, role_client):
    disputed_tally()
    assert request.getfixturevalue(role_client).get(URL).status_code == 403


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_menu_links_to_the_queue_for_editors_only(editor_client, analyst, client):
    nav_link = f'<a href="{URL}">Review queue</a>'
    assert nav_link in editor_client.get(reverse("incidents:list")).content.decode()
    client.force_login(analyst)
    assert nav_link not in client.get(reverse("incidents:list")).content.decode()


def test_html_in_an_incident_title_is_escaped(editor_client):
    disputed_tally(stored_as(IncidentFactory(), title="<script>alert(1)</script>"))
    page = editor_client.get(URL).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
