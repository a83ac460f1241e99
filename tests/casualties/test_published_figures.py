"""Rule 9 at every door: readers see the published figures, staff the working ones.

The case is the one from the issue: a draft sub-incident claiming 500 civilians
killed under a published root whose own figure is 11. Researchers (and the
public, where it is on) must read 11 everywhere; analysts and editors read the
working figures, and the pages say which figures they show.
"""

import csv
import io

import pytest

from casualties.models import Tally
from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def root():
    root = IncidentFactory(title="Coordinated attacks")
    ClaimFactory(incident=root, low=11, high=11, point=11)
    draft = IncidentFactory(
        title="Unverified raid", parent=root, status=Incident.Status.DRAFT
    )
    ClaimFactory(incident=draft, low=500, high=500, point=500)
    ClaimFactory(incident=draft, low=900, high=900, point=900, side_id="perpetrator")
    return root


def _civilians(rows):
    return next(
        row for row in rows if (row["group"], row["outcome"]) == ("civilians", "killed")
    )


def test_a_researcher_reads_the_published_tally_of_the_root(api, researcher, root):
    rows = api(researcher).get(f"{API}/incidents/{root.pk}/tally/").json()
    assert _civilians(rows)["best"] == 11
    assert _civilians(rows)["disputed"] is False


def test_an_analyst_reads_the_working_tally_of_the_root(api, analyst, root):
    rows = api(analyst).get(f"{API}/incidents/{root.pk}/tally/").json()
    assert _civilians(rows)["best"] == 500


def test_the_public_reads_the_published_figures(client, settings, root):
    settings.PUBLIC_READ = True
    rows = client.get(f"{API}/incidents/{root.pk}/tally/").json()
    assert _civilians(rows)["best"] == 11


def test_the_tally_list_holds_no_working_row_for_a_researcher(api, researcher, root):
    body = api(researcher).get(f"{API}/tallies/", {"group": "civilians"}).json()
    assert [(row["incident"], row["best"]) for row in body["results"]] == [
        (root.pk, 11)
    ]


def test_disputed_filters_count_only_published_disputes(api, researcher, analyst, root):
    draft = Incident.objects.get(title="Unverified raid")  # 500 against 900
    for user, expected in ((researcher, []), (analyst, [draft.pk])):
        body = api(user).get(f"{API}/incidents/", {"disputed": "true"}).json()
        assert [row["id"] for row in body["results"]] == expected
        tallies = api(user).get(f"{API}/tallies/", {"disputed": "true"}).json()
        assert {row["incident"] for row in tallies["results"]} == set(expected)


def test_headline_tallies_and_search_show_the_published_figure(api, researcher, root):
    body = api(researcher).get(f"{API}/incidents/", {"search": "Coordinated"}).json()
    [incident] = body["results"]
    assert incident["headline_tallies"]["killed"]["best"] == 11


def test_stats_sum_the_published_figures(api, researcher, analyst, root):
    for user, best in ((researcher, 11), (analyst, 500)):
        rows = api(user).get(f"{API}/stats/", {"by": "group"}).json()
        assert {row["key"]: row["best"] for row in rows}["civilians"] == best


def test_the_csv_export_carries_the_published_figure(api, researcher, root):
    response = api(researcher).get(f"{API}/incidents/", {"format": "csv"})
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [(row["id"], row["killed_best"]) for row in rows] == [(str(root.pk), "11")]


KILLED = '<strong class="figure" data-total="killed">{}</strong>'


def test_the_dashboard_says_it_shows_published_figures(researcher_client, root):
    page = researcher_client.get("/").content.decode()
    assert 'data-figures="published"' in page
    assert KILLED.format(11) in page


def test_the_dashboard_says_it_shows_working_figures_to_staff(analyst_client, root):
    page = analyst_client.get("/").content.decode()
    assert 'data-figures="working"' in page
    assert KILLED.format(500) in page


def test_the_incident_page_shows_a_researcher_the_published_figures(
    researcher_client, root
):
    page = researcher_client.get(f"/incidents/{root.pk}/").content.decode()
    assert 'data-figures="published"' in page
    assert "<strong>11</strong>" in page and "<strong>500</strong>" not in page


def test_the_incident_page_shows_an_analyst_the_working_figures(analyst_client, root):
    page = analyst_client.get(f"/incidents/{root.pk}/").content.decode()
    assert 'data-figures="working"' in page and "<strong>500</strong>" in page


def test_a_retracted_claims_history_is_not_shown_to_researchers(
    researcher_client, editor, root
):
    from casualties import services

    claim = ClaimFactory(incident=root, low=77, high=77, point=77, wording="seventy-7")
    services.retract_claim(claim=claim, user=editor, reason="Misattributed")
    page = researcher_client.get(f"/incidents/{root.pk}/").content.decode()
    assert f"Claim {claim.pk} " not in page


def test_publishing_the_draft_moves_its_figures_into_what_researchers_read(
    api, researcher, editor, root
):
    from incidents import services

    draft = Incident.objects.get(title="Unverified raid")
    services.publish_incident(incident=draft, user=editor)
    rows = api(researcher).get(f"{API}/incidents/{root.pk}/tally/").json()
    assert _civilians(rows)["best"] == 500
    assert Tally.objects.filter(incident=root, scope=Tally.Scope.BOTH).exists()
