"""Extracting claims from pasted text, and adding rows, before saving."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties.models import Claim
from incidents.models import Incident
from tests.factories import (
    ActorFactory,
    IncidentFactory,
)
from tests.incidents.form_data import TEXT, claim_data

pytestmark = pytest.mark.django_db


def _url(incident):
    return reverse("incidents:claims", args=[incident.pk])


@pytest.fixture
def incident():
    return IncidentFactory(status=Incident.Status.DRAFT)


def test_extract_with_htmx_returns_the_rows_filled_from_the_text(
    analyst_client, incident
):
    response = analyst_client.post(
        _url(incident), claim_data(action="extract", text=TEXT), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == (
        "incidents/partials/claim_entry.html"
    )
    page = response.content.decode()
    assert "<html" not in page
    fields = ("keep", "wording", "group", "outcome", "low", "high", "point")
    rows = response.context["rows"].forms
    assert [{name: row.initial[name] for name in fields} for row in rows] == [
        {
            "keep": True,
            "wording": "five policemen were killed",
            "group": "police",
            "outcome": "killed",
            "low": 5,
            "high": 5,
            "point": 5,
        },
        {
            "keep": True,
            "wording": "more than 12 people were injured",
            "group": "all",
            "outcome": "injured",
            "low": 13,
            "high": None,
            "point": None,
        },
    ]
    assert "<mark>five policemen were killed</mark>" in page
    assert "<mark>more than 12 people were injured</mark>" in page
    assert 'name="claims-TOTAL_FORMS" value="2"' in page
    assert not Claim.objects.exists()


def test_extract_without_htmx_renders_the_whole_page_keeping_the_choices(
    analyst_client, incident
):
    claimant = ActorFactory(name="Interior ministry")
    data = claim_data(
        action="extract", text=TEXT, claimant=claimant.pk, side="official"
    )
    response = analyst_client.post(_url(incident), data)
    page = response.content.decode()
    assert "<html" in page
    assert "<mark>five policemen were killed</mark>" in page
    assert f'<option value="{claimant.pk}" selected>' in page
    assert '<option value="official" selected>' in page
    assert "Nothing was saved" not in page


def test_the_pasted_text_is_escaped_around_the_highlights(analyst_client, incident):
    text = '<script>alert("x")</script> 11 civilians were killed <b>today</b>.'
    response = analyst_client.post(
        _url(incident), claim_data(action="extract", text=text), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "<script>" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; " in page
    assert "<mark>11 civilians were killed</mark> &lt;b&gt;today&lt;/b&gt;." in page


def test_extract_without_text_asks_for_it(analyst_client, incident):
    response = analyst_client.post(
        _url(incident), claim_data(action="extract", text="  "), HTTP_HX_REQUEST="true"
    )
    assert response.context["extract"].errors["text"] == [
        "Paste the report text to extract figures from."
    ]
    assert response.context["rows"].total_form_count() == 1


def test_text_with_no_figures_leaves_one_blank_row(analyst_client, incident):
    response = analyst_client.post(
        _url(incident), claim_data(action="extract", text="Nothing happened.")
    )
    assert response.context["rows"].total_form_count() == 1
    assert "No figures found" in response.content.decode()


def test_extracted_rows_save_as_they_were_suggested(analyst_client, incident):
    rows = analyst_client.post(
        _url(incident), claim_data(action="extract", text=TEXT)
    ).context["rows"]
    posted = [
        {k: "" if v is None else v for k, v in form.initial.items() if k != "keep"}
        for form in rows.forms
    ]
    analyst_client.post(_url(incident), claim_data(*posted))
    assert Claim.objects.count() == 2


def test_add_a_row_keeps_the_rows_typed_without_checking_them(analyst_client, incident):
    half = {"wording": "Half typed", "low": "", "group": "police"}
    response = analyst_client.post(
        _url(incident), claim_data(half, action="add_row"), HTTP_HX_REQUEST="true"
    )
    rows = response.context["rows"]
    assert rows.total_form_count() == 2
    assert rows.forms[0].initial["wording"] == "Half typed"
    assert not rows.is_bound
    assert "This field is required" not in response.content.decode()


def test_extracting_runs_the_same_queries_however_many_figures(
    analyst_client, incident, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as one:
        analyst_client.post(
            _url(incident),
            claim_data(action="extract", text="11 civilians were killed."),
        )
    many = " ".join(f"{n} civilians were killed." for n in range(2, 30))
    with django_assert_num_queries(len(one)):
        analyst_client.post(_url(incident), claim_data(action="extract", text=many))


def test_figures_past_the_rows_a_batch_holds_are_listed_not_dropped(
    analyst_client, incident
):
    text = " ".join(f"{n} civilians were killed." for n in range(1, 56))
    response = analyst_client.post(
        _url(incident), claim_data(action="extract", text=text), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "Found 55 figures; the first 50 are in the rows below, the other 5" in page
    assert page.count('name="claims-') > 0
    assert 'name="claims-49-low"' in page and 'name="claims-50-low"' not in page
    listed = page[page.index('<ol class="left-over-figures">') :]
    listed = listed[: listed.index("</ol>")]
    for n in range(51, 56):
        assert f"<q>{n} civilians were killed</q>: civilians, killed, {n}–{n}" in listed
    assert "<q>50 civilians" not in listed


THREE_SPEAKERS = (
    "Five policemen were killed, the ISPR said. The group said its fighters "
    "killed 40 soldiers. Hospital officials said 12 people were wounded."
)


def test_each_row_suggests_the_claimant_and_side_its_sentence_names(
    analyst_client, incident
):
    ispr = ActorFactory(name="ISPR")
    response = analyst_client.post(
        _url(incident),
        claim_data(action="extract", text=THREE_SPEAKERS),
        HTTP_HX_REQUEST="true",
    )
    rows = response.context["rows"]
    assert [
        (f.initial["row_side"], f.initial["row_claimant"], f.initial["said_by"])
        for f in rows.forms
    ] == [
        ("official", ispr.pk, "the ISPR"),
        ("perpetrator", None, "The group"),
        ("independent", None, "Hospital officials"),
    ]
    page = response.content.decode()
    assert "Said by: Hospital officials" in page
    assert '<option value="perpetrator" selected>' in page


def test_a_rows_own_side_and_claimant_win_over_the_batchs(analyst_client, incident):
    ispr = ActorFactory(name="ISPR")
    data = claim_data(
        {"group": "police", "wording": "Five policemen", "low": 5, "high": 5},
        {"group": "military", "wording": "40 soldiers", "low": 40, "high": 40},
        side="unknown",
    )
    data["claims-0-row_side"] = "official"
    data["claims-0-row_claimant"] = str(ispr.pk)
    data["claims-1-row_side"] = "perpetrator"
    response = analyst_client.post(_url(incident), data)
    assert response.status_code == 302
    saved = sorted(
        Claim.objects.filter(incident=incident).values_list(
            "low", "side_id", "claimant_id"
        )
    )
    assert saved == [(5, "official", ispr.pk), (40, "perpetrator", None)]


def test_a_claimant_named_by_an_alias_is_suggested(analyst_client, incident):
    ispr = ActorFactory(name="Inter-Services Public Relations", aliases=["ISPR"])
    response = analyst_client.post(
        _url(incident),
        claim_data(action="extract", text="Five soldiers were killed, the ISPR said."),
        HTTP_HX_REQUEST="true",
    )
    [row] = response.context["rows"].forms
    assert row.initial["row_claimant"] == ispr.pk
