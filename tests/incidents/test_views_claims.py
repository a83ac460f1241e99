"""Saving a batch of claims: all or nothing, the tallies after, who may."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties.models import Claim, Tally
from incidents.models import Incident
from sources.models import Report
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    ReportFactory,
    SourceFactory,
    plausible_date_message,
)
from tests.incidents.form_data import FIVE_POLICE, MORE_THAN_12, TEXT, claim_data

pytestmark = pytest.mark.django_db


def _url(incident):
    return reverse("incidents:claims", args=[incident.pk])


@pytest.fixture
def incident():
    return IncidentFactory(status=Incident.Status.DRAFT)


def test_an_analyst_saves_two_claims_and_the_tallies_follow(
    analyst_client, analyst, incident
):
    claimant = ActorFactory(name="Interior ministry")
    data = claim_data(FIVE_POLICE, MORE_THAN_12, claimant=claimant.pk)
    response = analyst_client.post(_url(incident), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[incident.pk])
    claims = list(Claim.objects.filter(incident=incident).order_by("id"))
    assert [(c.group_id, c.outcome_id, c.low, c.high) for c in claims] == [
        ("police", "killed", 5, 5),
        ("all", "injured", 13, None),
    ]
    assert {(c.claimant, c.side_id, c.created_by) for c in claims} == {
        (claimant, "official", analyst)
    }
    figures = {
        (t.group_id, t.outcome_id): (t.low, t.best, t.high)
        for t in Tally.objects.filter(incident=incident)
    }
    assert figures == {
        ("police", "killed"): (5, 5, 5),
        ("security-forces", "killed"): (5, 5, 5),
        ("all", "killed"): (5, 5, 5),
        ("all", "injured"): (13, 13, None),
    }
    assert claims[0].history.get().history_user == analyst


def test_the_parent_incidents_tallies_follow_too(analyst_client):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    analyst_client.post(_url(child), claim_data(FIVE_POLICE))
    tally = Tally.objects.get(incident=root, group="police", outcome="killed")
    assert (tally.low, tally.best) == (5, 5)


def test_a_row_without_keep_is_neither_checked_nor_saved(analyst_client, incident):
    unkept = {"keep": "", "low": "-3", "wording": "ignored"}
    analyst_client.post(_url(incident), claim_data(FIVE_POLICE, unkept))
    assert list(Claim.objects.values_list("wording", flat=True)) == ["five policemen"]


def test_a_blank_row_is_skipped(analyst_client, incident):
    blank = {"group": "", "outcome": ""}
    response = analyst_client.post(_url(incident), claim_data(FIVE_POLICE, blank))
    assert response.status_code == 302
    assert Claim.objects.count() == 1


def test_the_claims_are_linked_to_the_report_chosen(analyst_client, incident):
    report = ReportFactory()
    analyst_client.post(_url(incident), claim_data(FIVE_POLICE, report=report.pk))
    claim = Claim.objects.get()
    assert list(claim.reports.all()) == [report]
    tally = Tally.objects.get(incident=incident, group="police", outcome="killed")
    assert tally.sources == 1
    assert list(incident.report_links.values_list("report", flat=True)) == [report.pk]


def test_a_new_report_is_created_from_its_source_and_title(
    analyst_client, analyst, incident
):
    source = SourceFactory(name="Dawn")
    data = claim_data(
        FIVE_POLICE,
        source=source.pk,
        report_title="Five policemen killed in Turbat",
        report_url="https://example.org/turbat",
    )
    analyst_client.post(_url(incident), data)
    report = Report.objects.get()
    assert (report.source, report.title, report.created_by) == (
        source,
        "Five policemen killed in Turbat",
        analyst,
    )
    assert list(Claim.objects.get().reports.all()) == [report]


def test_the_pasted_text_stays_with_the_new_report_and_comes_back(
    analyst_client, incident
):
    source = SourceFactory(name="Dawn")
    data = claim_data(
        FIVE_POLICE, source=source.pk, report_title="Turbat", text=f"  {TEXT}  "
    )
    analyst_client.post(_url(incident), data)
    report = Report.objects.get()
    assert report.excerpt == TEXT

    page = analyst_client.get(_url(incident), {"report": report.pk})
    assert page.context["extract"]["text"].value() == TEXT


def test_a_new_report_needs_its_source(analyst_client, incident):
    response = analyst_client.post(
        _url(incident), claim_data(FIVE_POLICE, report_title="Untitled")
    )
    assert response.context["source"].errors["source"] == [
        "Choose the source of the new report."
    ]
    assert not Claim.objects.exists()
    assert not Report.objects.exists()


def test_nothing_is_saved_when_one_row_is_invalid(analyst_client, incident):
    bad = {"low": "10", "high": "4", "wording": "Kept wording"}
    response = analyst_client.post(_url(incident), claim_data(FIVE_POLICE, bad))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows.forms[1].errors["high"] == [
        "The high figure cannot be below the low figure."
    ]
    page = response.content.decode()
    assert 'value="Kept wording"' in page
    assert 'id="id_claims-1-high_error"' in page
    assert "Nothing was saved" in page
    assert not Claim.objects.exists()
    assert not Tally.objects.exists()


def test_a_row_needs_its_figures_group_and_outcome(analyst_client, incident):
    response = analyst_client.post(
        _url(incident), claim_data({"group": "", "outcome": "", "wording": "some"})
    )
    errors = response.context["rows"].forms[0].errors
    assert set(errors) == {"group", "outcome", "low"}
    assert not Claim.objects.exists()


def test_saving_nothing_says_so(analyst_client, incident):
    response = analyst_client.post(
        _url(incident), claim_data({"group": "", "outcome": ""})
    )
    assert response.context["rows"].non_form_errors() == [
        "Nothing to save: fill in at least one row and tick Keep."
    ]


def test_a_future_assertion_time_gets_the_models_message(analyst_client, incident):
    response = analyst_client.post(
        _url(incident), claim_data(FIVE_POLICE, asserted_at="2999-01-01T10:00")
    )
    assert response.context["source"].errors["asserted_at"] == [
        plausible_date_message()
    ]
    assert 'id="id_asserted_at_error"' in response.content.decode()
    assert not Claim.objects.exists()


def test_markup_in_a_wording_is_refused(analyst_client, incident):
    row = {**FIVE_POLICE, "wording": "<b>five</b>"}
    response = analyst_client.post(_url(incident), claim_data(row))
    assert response.context["rows"].forms[0].errors["wording"] == [
        "HTML markup is not allowed here."
    ]
    assert "<b>five</b>" not in response.content.decode()
    assert not Claim.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_researchers_may_not_enter_claims(researcher_client, method, incident):
    response = getattr(researcher_client, method)(
        _url(incident), claim_data(FIVE_POLICE)
    )
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_it_asks_anonymous_visitors_to_log_in(client, incident):
    response = client.post(_url(incident), claim_data(FIVE_POLICE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Claim.objects.exists()


def test_a_missing_incident_is_a_404(analyst_client):
    missing = reverse("incidents:claims", args=[999999])
    assert analyst_client.post(missing, claim_data(FIVE_POLICE)).status_code == 404


def test_claims_on_a_retracted_incident_are_refused(editor_client):
    retracted = IncidentFactory(
        status=Incident.Status.RETRACTED, retraction_reason="Duplicate"
    )
    response = editor_client.post(_url(retracted), claim_data(FIVE_POLICE))
    assert response.status_code == 404
    assert not Claim.objects.exists()


def test_a_posted_incident_field_is_ignored(analyst_client, incident):
    other = IncidentFactory()
    data = claim_data(FIVE_POLICE, incident=other.pk, **{"claims-0-incident": other.pk})
    analyst_client.post(_url(incident), data)
    assert Claim.objects.get().incident == incident


def test_analysts_cannot_set_an_assessment(analyst_client, incident):
    data = claim_data(FIVE_POLICE, **{"claims-0-assessment": "credible"})
    analyst_client.post(_url(incident), data)
    assert Claim.objects.get().assessment == Claim.Assessment.UNASSESSED


def test_a_tampered_row_count_saves_nothing(analyst_client, incident):
    data = claim_data(FIVE_POLICE, **{"claims-TOTAL_FORMS": "5000"})
    response = analyst_client.post(_url(incident), data)
    assert response.status_code == 200
    assert response.context["rows"].non_form_errors()
    assert not Claim.objects.exists()


def test_a_retracted_report_cannot_be_linked(analyst_client, incident):
    report = ReportFactory(
        retracted_at="2026-02-01T00:00Z", retraction_reason="Fabricated"
    )
    response = analyst_client.post(
        _url(incident), claim_data(FIVE_POLICE, report=report.pk)
    )
    assert response.context["source"].errors["report"]
    assert not Claim.objects.exists()


def test_the_page_offers_the_report_just_added_with_its_excerpt(
    analyst_client, incident
):
    report = ReportFactory(title="Turbat attack", excerpt=TEXT)
    response = analyst_client.get(_url(incident), {"report": report.pk})
    page = response.content.decode()
    assert f'<option value="{report.pk}" selected>' in page
    assert TEXT in page


def test_the_page_offers_the_reports_already_cited_in_the_tree(
    analyst_client, incident
):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    cited = ReportFactory(title="Cited in the tree")
    ClaimFactory(incident=root, reports=[cited])
    elsewhere = ReportFactory(title="Cited elsewhere")
    ClaimFactory(incident=incident, reports=[elsewhere])
    page = analyst_client.get(_url(child)).content.decode()
    assert "Cited in the tree" in page
    assert "Cited elsewhere" not in page


def test_the_page_has_the_labels_the_flow_needs(analyst_client, incident):
    page = analyst_client.get(_url(incident)).content.decode()
    for label in ("Report text", "Keep", "Claimant", "Side", "Report title"):
        assert f">{label}</label>" in page
    assert ">Extract</button>" in page
    assert ">Save claims</button>" in page
    assert '<option value="unknown" selected>' in page


def test_the_page_runs_a_fixed_number_of_queries(
    analyst_client, incident, django_assert_num_queries
):
    report = ReportFactory()
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(_url(incident), {"report": report.pk})
    for _ in range(15):
        ClaimFactory(incident=incident, reports=[ReportFactory()])
        ActorFactory()
    with django_assert_num_queries(len(few)):
        analyst_client.get(_url(incident), {"report": report.pk})


def test_a_figure_already_recorded_holds_the_save_until_confirmed(
    analyst_client, incident
):
    analyst_client.post(_url(incident), claim_data(FIVE_POLICE))
    [first] = Claim.objects.filter(incident=incident)

    again = analyst_client.post(_url(incident), claim_data(FIVE_POLICE, MORE_THAN_12))
    assert again.status_code == 200
    page = again.content.decode()
    assert "Nothing was saved: some figures repeat a claim already recorded" in page
    assert (
        f"Figure 1 (“five policemen”) repeats claim {first.pk}, already recorded"
        in page
    )
    assert 'name="duplicates_ok"' in page
    assert 'value="five policemen"' in page  # the rows come back as typed
    assert Claim.objects.filter(incident=incident).count() == 1

    confirmed = analyst_client.post(
        _url(incident), claim_data(FIVE_POLICE, MORE_THAN_12, duplicates_ok="1")
    )
    assert confirmed.status_code == 302
    assert Claim.objects.filter(incident=incident).count() == 3


def test_a_row_repeating_another_row_of_the_batch_is_said(analyst_client, incident):
    response = analyst_client.post(_url(incident), claim_data(FIVE_POLICE, FIVE_POLICE))
    assert response.status_code == 200
    assert "Figure 2 (“five policemen”) repeats figure 1." in response.content.decode()
    assert not Claim.objects.filter(incident=incident).exists()


def test_another_claimants_same_figure_is_no_repeat(analyst_client, incident):
    analyst_client.post(_url(incident), claim_data(FIVE_POLICE))
    other = ActorFactory(name="The group itself")
    response = analyst_client.post(
        _url(incident), claim_data(FIVE_POLICE, claimant=other.pk, side="perpetrator")
    )
    assert response.status_code == 302
    assert Claim.objects.filter(incident=incident).count() == 2
