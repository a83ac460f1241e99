"""Assessing a claim from the review page, with htmx and without."""

import re

import pytest
from django.urls import reverse

from casualties import services
from casualties.models import Claim, Tally
from casualties.reference_case import load_reference_case
from tests.factories import ClaimFactory, IncidentFactory, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return load_reference_case()


@pytest.fixture
def security(root):
    return Tally.objects.get(incident=root, group="security-forces", outcome="killed")


@pytest.fixture
def bla_claim(security):
    """The perpetrator's "higher than the government's figure": more than 10."""
    return Claim.objects.get(incident=security.incident, side="perpetrator")


def _assess(client, claim, under, htmx=False, **data):
    """POST the claim's assessment as the review page of tally `under` does."""
    data = {
        "assessment": "credible",
        "assessment_note": "",
        "version": claim.version,
        "tally": under.pk,
        **data,
    }
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("casualties:assess", args=[claim.pk]),
        {k: v for k, v in data.items() if v is not None},
        **headers,
    )


def test_assessing_without_javascript_returns_to_the_claim(
    editor_client, editor, security, bla_claim
):
    version = bla_claim.version
    response = _assess(
        editor_client, bla_claim, security, assessment="contested", assessment_note="?"
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('casualties:review', args=[security.pk])}#claim-{bla_claim.pk}"
    )
    bla_claim.refresh_from_db()
    assert (bla_claim.assessment, bla_claim.assessment_note) == ("contested", "?")
    assert bla_claim.version == version + 1
    assert bla_claim.history.latest().history_user == editor
    page = editor_client.get(response["Location"]).content.decode()
    assert f"Claim {bla_claim.pk} assessed as contested." in page


def test_assessing_with_htmx_swaps_the_claims_and_the_figures(
    editor_client, security, bla_claim
):
    response = _assess(editor_client, bla_claim, security, htmx=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(
        '<section class="panel" id="review-claims" aria-labelledby="claims-heading">'
    )
    assert "<html" not in page
    assert page.count("Saved: assessed as") == 1  # beside this claim only
    assert "Saved: assessed as credible." in page
    assert '<section id="tally-figures" class="panel"' in page
    assert 'hx-swap-oob="true"' in page
    assert f'name="version" value="{bla_claim.version + 1}"' in page
    assert Claim.objects.get(pk=bla_claim.pk).assessment == "credible"


def test_a_discounted_claim_moves_to_set_aside_and_the_counts_agree(
    editor_client, security, bla_claim
):
    before = editor_client.get(
        reverse("casualties:review", args=[security.pk])
    ).content.decode()
    counted = int(re.search(r"Counted \((\d+)\)", before).group(1))
    aside = int(re.search(r"Set aside \((\d+)\)", before).group(1))

    response = _assess(
        editor_client, bla_claim, security, htmx=True, assessment="discounted"
    )
    page = response.content.decode()
    assert f"Counted ({counted - 1})" in page
    assert f"Set aside ({aside + 1})" in page
    set_aside = page[page.index("Set aside (") :]
    assert f'id="claim-{bla_claim.pk}"' in set_aside
    security.refresh_from_db()
    figures = page[page.index('<section id="tally-figures"') :]
    assert f"{security.claims} claim{'s' if security.claims != 1 else ''} counted" in (
        figures
    )


def test_discounting_a_claim_refreshes_the_stored_tallies(
    editor_client, security, bla_claim
):
    response = _assess(
        editor_client, bla_claim, security, htmx=True, assessment="discounted"
    )
    security.refresh_from_db()
    assert (security.low, security.best, security.high) == (10, 10, 10)
    assert (security.disputed, security.status) == (False, Tally.Status.AUTO)
    page = response.content.decode()
    assert "No: Discounted by an editor." in page
    high = '<span class="figure-name">High</span> <span class="figure">10</span>'
    assert high in page


def test_reassessing_a_claim_under_a_reviewed_tally_makes_it_stale(
    editor_client, editor, security, bla_claim
):
    review(security, editor, 12, "Funerals.")
    security.refresh_from_db()
    _assess(editor_client, bla_claim, security, assessment="contested")
    security.refresh_from_db()
    assert security.status == Tally.Status.STALE


def test_a_claim_edited_since_the_page_opened_is_not_overwritten(
    editor_client, analyst, security, bla_claim
):
    seen = bla_claim.version
    services.update_claim(
        claim=bla_claim, user=analyst, assessment_note="Checked with the morgue."
    )

    response = _assess(
        editor_client, bla_claim, security, version=seen, assessment="discounted"
    )
    assert response.status_code == 302
    bla_claim.refresh_from_db()
    assert bla_claim.assessment == "unassessed"
    page = editor_client.get(response["Location"]).content.decode()
    assert f"Claim {bla_claim.pk} was edited by analyst at " in page
    assert "Nothing was saved" in page


def test_with_htmx_a_conflict_shows_in_the_row_with_the_new_version(
    editor_client, analyst, security, bla_claim
):
    seen = bla_claim.version
    bla_claim = services.update_claim(claim=bla_claim, user=analyst)
    response = _assess(editor_client, bla_claim, security, htmx=True, version=seen)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="notice" role="alert">' in page
    assert f"Claim {bla_claim.pk} was edited by analyst at " in page
    assert f'name="version" value="{bla_claim.version}"' in page
    assert Claim.objects.get(pk=bla_claim.pk).assessment == "unassessed"


def test_a_claim_of_another_tally_is_a_404(editor_client, root, security):
    civilians = Claim.objects.get(incident=root, group="civilians")
    response = _assess(editor_client, civilians, security)
    assert response.status_code == 404
    assert Claim.objects.get(pk=civilians.pk).assessment == "unassessed"


def test_a_claim_of_another_incident_tree_is_a_404(editor_client, security):
    elsewhere = ClaimFactory(incident=IncidentFactory(), group=security.group)
    assert _assess(editor_client, elsewhere, security).status_code == 404
    assert Claim.objects.get(pk=elsewhere.pk).assessment == "unassessed"


def test_a_missing_claim_is_a_404(editor_client, security):
    response = editor_client.post(
        reverse("casualties:assess", args=[99999]),
        {"assessment": "credible", "version": 1, "tally": security.pk},
    )
    assert response.status_code == 404


def test_a_missing_tally_is_a_404_and_no_tally_a_400(
    editor_client, bla_claim, security
):
    assert _assess(editor_client, bla_claim, security, tally=99999).status_code == 404
    assert _assess(editor_client, bla_claim, security, tally="").status_code == 400
    assert Claim.objects.get(pk=bla_claim.pk).assessment == "unassessed"


def test_an_unknown_assessment_is_refused(editor_client, security, bla_claim):
    response = _assess(editor_client, bla_claim, security, assessment="proven")
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert Claim.objects.get(pk=bla_claim.pk).version == bla_claim.version


def test_markup_in_the_note_is_refused_beside_it_and_the_input_kept(
    editor_client, security, bla_claim
):
    response = _assess(
        editor_client, bla_claim, security, htmx=True, assessment_note="<i>no</i>"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "HTML markup is not allowed here." in page
    assert 'value="&lt;i&gt;no&lt;/i&gt;"' in page
    assert Claim.objects.get(pk=bla_claim.pk).assessment == "unassessed"


@pytest.mark.parametrize("role_client", ["analyst_client", "researcher_client"])
def test_non_editors_may_not_assess(request, role_client, security, bla_claim):
    client = request.getfixturevalue(role_client)
    assert _assess(client, bla_claim, security).status_code == 403
    assert Claim.objects.get(pk=bla_claim.pk).assessment == "unassessed"


def test_anonymous_visitors_are_sent_to_log_in(client, security, bla_claim):
    response = _assess(client, bla_claim, security)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Claim.objects.get(pk=bla_claim.pk).assessment == "unassessed"


def test_assessing_is_a_post(editor_client, bla_claim):
    url = reverse("casualties:assess", args=[bla_claim.pk])
    assert editor_client.get(url).status_code == 405


def test_a_stale_reviews_rationale_says_which_best_it_was_for(
    editor_client, editor, security, bla_claim
):
    review(security, editor, 12, "Funerals counted in Turbat.")
    detail = reverse("incidents:detail", args=[security.incident_id])
    page = editor_client.get(detail).content.decode()
    assert "for best 12: " in page
    assert "now stale" not in page

    _assess(editor_client, bla_claim, security, assessment="contested")
    for url in (detail, reverse("casualties:review", args=[security.pk])):
        page = editor_client.get(url).content.decode()
        note = page[page.index('<p class="reviewed stale">') :]
        note = note[: note.index("</p>")]
        assert "on <time" in note  # dated
        assert "for best 12, <strong>now stale</strong>" in note
        assert "Funerals counted in Turbat." in note
        assert "an editor has yet to look again" in note
