"""The incident page: tree, claims with their sources, tallies, history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties.models import Claim
from casualties.reference_case import load_reference_case
from casualties.services import assess_claim, update_claim
from incidents.models import Incident
from incidents.services import update_incident
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    LocationFactory,
    ReportFactory,
    stored_as,
)

pytestmark = pytest.mark.django_db


def _url(incident):
    return reverse("incidents:detail", args=[incident.pk])


@pytest.fixture
def root():
    return load_reference_case()


@pytest.fixture
def page(researcher_client, root):
    response = researcher_client.get(_url(root))
    assert response.status_code == 200
    return response.content.decode()


def _row(page, group, outcome):
    """The tally row of that group and outcome, tags stripped."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        if text.startswith(f"{group} {outcome} "):
            return text
    raise AssertionError(f"no tally row for {group} {outcome}")


def test_it_shows_the_reference_roots_children(page, root):
    for child in root.children.all():
        assert _url(child) in page
    assert "Security-force response" in page


def test_it_groups_the_claims_with_their_sources(researcher_client, root):
    response = researcher_client.get(_url(root))
    groups = response.context["claim_groups"]
    keys = [(group.group.slug, group.outcome.slug) for group in groups]
    assert len(keys) == len(set(keys)) == 4
    security = next(g for g in groups if g.group.slug == "security-forces")
    assert {claim.side.slug for claim in security.claims} == {
        "official",
        "perpetrator",
    }
    page = response.content.decode()
    assert "a higher security force death toll than the government&#x27;s" in page
    assert "France 24" in page
    assert "https://www.france24.com/en/asia-pacific/" in page


def test_it_shows_129_to_open_for_all_killed(page):
    row = _row(page, "All", "Killed")
    assert row.startswith("All Killed 129 129 open")


def test_it_marks_security_force_deaths_as_disputed_with_each_side(page):
    row = _row(page, "Security forces", "Killed")
    assert "disputed" in row
    assert "needs review" in row
    assert "10–10" in row
    assert "11–open" in row


def test_it_shows_the_history_of_the_incident_and_its_claims(
    researcher_client, editor, root
):
    claim = Claim.objects.filter(incident=root).first()
    assess_claim(
        claim=claim, user=editor, assessment=Claim.Assessment.CREDIBLE, note=""
    )
    response = researcher_client.get(_url(root))
    page = response.content.decode()
    assert 'aria-labelledby="history-heading"' in page
    latest = next(
        entry
        for entry in response.context["history"].entries
        if entry.record == "claim"
    )
    assert latest.user == editor.username
    assert [change.field for change in latest.changes] == ["assessment"]
    assert "Assessment: Unassessed → Credible" in page


def test_the_history_is_paged_in_words(researcher_client, editor):
    quetta = LocationFactory(name="Quetta")
    incident = IncidentFactory(title="First")
    for n in range(25):
        update_incident(incident=incident, user=editor, title=f"Title {n}")
    update_incident(incident=incident, user=editor, location=quetta)

    first = researcher_client.get(_url(incident)).content.decode()
    second = researcher_client.get(_url(incident), {"history_page": 2})

    assert "Location: — → Quetta" in first
    assert "Older changes" in first
    assert "Page 1 of 2" in first
    assert second.status_code == 200
    assert "Title: First → Title 0" in second.content.decode()


def test_a_missing_incident_is_a_404(researcher_client):
    response = researcher_client.get(reverse("incidents:detail", args=[999999]))
    assert response.status_code == 404


def test_researchers_get_a_404_for_a_draft(researcher_client):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    assert researcher_client.get(_url(draft)).status_code == 404


def test_analysts_read_drafts(analyst_client):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    assert analyst_client.get(_url(draft)).status_code == 200


def test_researchers_do_not_see_draft_sub_incidents(researcher_client):
    root = IncidentFactory()
    IncidentFactory(parent=root, title="Hidden part", status=Incident.Status.DRAFT)
    page = researcher_client.get(_url(root)).content.decode()
    assert "Hidden part" not in page


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(_url(IncidentFactory()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_html_in_a_title_is_escaped(researcher_client):
    incident = stored_as(IncidentFactory(), title="<script>alert(1)</script>")
    stored_as(ClaimFactory(incident=incident), wording="<b>bold</b> claim")
    page = researcher_client.get(_url(incident)).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def _grow(root, count):
    for _ in range(count):
        child = IncidentFactory(parent=root)
        IncidentFactory(parent=child)
        claim = ClaimFactory(
            incident=root,
            low=count,
            high=count,
            point=count,
            reports=[ReportFactory(), ReportFactory()],
        )
        more = count + 1
        update_claim(claim=claim, user=None, low=more, high=more, point=more)


def test_it_runs_the_same_queries_for_2_or_10_children_and_claims(
    researcher_client,
):
    root = IncidentFactory()
    _grow(root, 2)
    with CaptureQueriesContext(connection) as few:
        assert researcher_client.get(_url(root)).status_code == 200
    _grow(root, 8)
    with CaptureQueriesContext(connection) as many:
        assert researcher_client.get(_url(root)).status_code == 200
    # The history's page reads two queries per kind of record it shows and one
    # per kind of name: the few case's page shows every kind (the incident,
    # claims, reports, tallies), the many case's only the latest claims and
    # tallies. Never more as the incident grows.
    assert len(many.captured_queries) <= len(few.captured_queries)
