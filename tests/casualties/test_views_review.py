"""The review page: the claims side by side and the editor's review of the figures."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties import services
from casualties.models import Claim, ClaimantSide, Tally, TallyChange, TallyReview
from casualties.reference_case import load_reference_case
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    ReportFactory,
    UserFactory,
    stored_as,
)

pytestmark = pytest.mark.django_db

RATIONALE = "The government's 10 predates the later funerals; 12 is documented."


def _url(tally):
    return reverse("casualties:review", args=[tally.pk])


@pytest.fixture
def root():
    return load_reference_case()


@pytest.fixture
def security(root):
    """The reference case's disputed tally: official 10 against "more than 10"."""
    return Tally.objects.get(incident=root, group="security-forces", outcome="killed")


def _civilians(incident):
    return Tally.objects.get(incident=incident, group="civilians", outcome="killed")


def _review(client, tally, **data):
    data = {"best": 12, "rationale": RATIONALE, "version": tally.version, **data}
    return client.post(_url(tally), {k: v for k, v in data.items() if v is not None})


def _unreviewed(tally) -> bool:
    """No review was saved, for this tally or any other."""
    return (
        Tally.objects.get(pk=tally.pk).review_id is None
        and not TallyReview.objects.exists()
    )


def _field_errors(page, name):
    """The messages printed right after the field's input."""
    block = re.search(rf'name="{name}".*?</div>', page, re.S).group(0)
    return re.findall(r'<p class="error"[^>]*>(.*?)</p>', block)


# --- the page --------------------------------------------------------------------


def test_it_shows_both_sides_claims_as_counted(editor_client, security):
    response = editor_client.get(_url(security))
    assert response.status_code == 200
    counted = response.context["counted"]
    assert {claim.side_id for claim in counted} == {"official", "perpetrator"}
    assert response.context["set_aside"] == []
    page = response.content.decode()
    assert "10 security officers killed" in page
    assert "Pakistan interior ministry" in page
    assert "Baloch Liberation Army" in page
    assert "11-open" in page


def test_each_claim_shows_its_sources_with_their_grades(editor_client, security):
    page = editor_client.get(_url(security)).content.decode()
    assert '<span class="source">BLA media</span>' in page
    assert 'title="E: unreliable">reliability E</span>' in page
    assert 'title="4: doubtful">credibility 4</span>' in page


def test_it_sets_aside_retracted_discounted_and_superseded_claims(editor_client):
    incident = IncidentFactory()
    claimant = ActorFactory()
    ClaimFactory(incident=incident, low=3, wording="counted three")
    ClaimFactory(
        incident=incident, low=4, assessment="discounted", wording="discounted four"
    )
    retracted = ClaimFactory(incident=incident, low=5, wording="retracted five")
    services.retract_claim(claim=retracted, user=None, reason="Misread.")
    earlier = ClaimFactory(
        incident=incident, low=6, claimant=claimant, wording="earlier six"
    )
    ClaimFactory(
        incident=incident, low=7, claimant=claimant, supersedes=earlier, wording="7"
    )
    tally = _civilians(incident)
    response = editor_client.get(_url(tally))
    reasons = {c.wording: c.set_aside_reason for c in response.context["set_aside"]}
    assert reasons == {
        "discounted four": "Discounted by an editor.",
        "retracted five": "Retracted (the claim or its incident).",
        "earlier six": "Superseded by a later claim.",
    }
    assert [c.wording for c in response.context["counted"]] == ["counted three", "7"]


def test_it_sets_aside_an_older_figure_from_the_same_claimant(editor_client):
    incident = IncidentFactory()
    claimant = ActorFactory()
    ClaimFactory(incident=incident, low=3, claimant=claimant, wording="first")
    ClaimFactory(incident=incident, low=9, claimant=claimant, wording="second")
    response = editor_client.get(_url(_civilians(incident)))
    [older] = response.context["set_aside"]
    assert older.wording == "first"
    assert older.set_aside_reason == "A later figure from the same claimant counts."


def test_a_whole_shows_the_claims_about_its_parts(editor_client, root):
    militants = Tally.objects.get(incident=root, group="militants", outcome="killed")
    response = editor_client.get(_url(militants))
    points = sorted(claim.point for claim in response.context["counted"])
    assert points == [41, 67, 108]
    assert "Earlier security raids on 30 January</a>, militants" in (
        response.content.decode()
    )


def test_it_offers_the_review_form_with_the_tally_version(editor_client, security):
    page = editor_client.get(_url(security)).content.decode()
    assert '<label for="id_best">Best</label>' in page
    assert '<label for="id_low">Low</label>' in page
    assert '<label for="id_high">High</label>' in page
    assert '<label for="id_rationale">Rationale</label>' in page
    assert f'name="version" value="{security.version}"' in page
    assert '<button type="submit">Save review</button>' in page
    assert "The claims and parts support 10 to open" in page


def test_it_offers_each_assessment_per_claim(editor_client, security):
    page = editor_client.get(_url(security)).content.decode()
    claim = Claim.objects.get(incident=security.incident, side="perpetrator")
    assess = reverse("casualties:assess", args=[claim.pk])
    assert f'hx-post="{assess}" hx-target="#review-claims"' in page
    for value in ("unassessed", "credible", "contested", "discounted"):
        assert f'name="assessment" value="{value}"' in page


def test_a_tally_outside_the_queue_can_be_reviewed_too(editor_client, root):
    civilians = Tally.objects.get(incident=root, group="civilians", outcome="killed")
    assert civilians.status == Tally.Status.AUTO
    assert editor_client.get(_url(civilians)).status_code == 200


def test_admins_may_open_it(admin_client, security):
    assert admin_client.get(_url(security)).status_code == 200


@pytest.mark.parametrize("role_client", ["analyst_client", "researcher_client"])
def test_analysts_and_researchers_are_refused(request, role_client, security):
    client = request.getfixturevalue(role_client)
    assert client.get(_url(security)).status_code == 403


def test_it_asks_anonymous_visitors_to_log_in(client, security):
    response = client.get(_url(security))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_missing_tally_is_a_404(editor_client):
    assert (
        editor_client.get(reverse("casualties:review", args=[99999])).status_code == 404
    )


def test_claimant_and_wording_markup_is_escaped(editor_client):
    incident = stored_as(IncidentFactory(), title="<script>alert('title')</script>")
    claim = ClaimFactory(incident=incident, claimant=ActorFactory())
    stored_as(claim.claimant, name="<script>alert('claimant')</script>")
    stored_as(claim, wording="<script>alert('wording')</script>")
    page = editor_client.get(_url(_civilians(incident))).content
    page = page.decode()
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#x27;claimant&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;wording&#x27;)&lt;/script&gt;" in page


def _grow(incident, count):
    perpetrator = ClaimantSide.objects.get(slug="perpetrator")
    for n in range(count):
        ClaimFactory(
            incident=incident,
            low=10 + n,
            claimant=ActorFactory(),
            reports=[ReportFactory(), ReportFactory()],
        )
        ClaimFactory(
            incident=IncidentFactory(parent=incident),
            low=1,
            side=perpetrator,
            reports=[ReportFactory()],
        )
        ClaimFactory(incident=incident, low=n + 1, assessment="discounted")


def test_it_runs_the_same_queries_for_few_or_many_claims(editor_client):
    incident = IncidentFactory()
    _grow(incident, 2)
    tally = _civilians(incident)
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(_url(tally)).status_code == 200
    _grow(incident, 8)
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(_url(tally))
    assert len(response.context["counted"]) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


# --- the review --------------------------------------------------------------------


def test_a_review_sets_the_best_figure_and_returns_to_the_queue(
    editor_client, editor, security
):
    response = _review(editor_client, security)
    assert response.status_code == 302
    assert response["Location"] == reverse("casualties:queue")
    security.refresh_from_db()
    assert (security.best, security.status) == (12, Tally.Status.REVIEWED)
    assert (security.review.rationale, security.review.reviewed_by) == (
        RATIONALE,
        editor,
    )
    latest = TallyChange.objects.filter(tally_id=security.pk).latest("at", "id")
    assert (latest.cause, latest.user) == (TallyChange.Cause.REVIEW, editor)
    page = editor_client.get(response["Location"]).content.decode()
    assert '<ul class="messages" role="status">' in page
    assert "Review saved: Security forces killed in Coordinated attacks" in page


def test_the_reviewed_figure_counts_in_the_tallies_above(editor_client, security):
    _review(editor_client, security)
    everyone = Tally.objects.get(
        incident=security.incident, group="all", outcome="killed"
    )
    assert everyone.best == 11 + 12 + 108


def test_a_review_may_narrow_low_and_high(editor_client, security):
    _review(editor_client, security, low=11, high=20)
    security.refresh_from_db()
    assert (security.low, security.best, security.high) == (11, 12, 20)


def test_a_best_outside_the_claims_interval_is_refused_beside_the_field(
    editor_client, security
):
    version = security.version
    response = _review(editor_client, security, best=5)
    assert response.status_code == 200
    page = response.content.decode()
    assert _field_errors(page, "best") == [
        "The best figure must lie between 10 and open, the interval the claims support."
    ]
    assert 'name="best" value="5"' in page
    assert RATIONALE.replace("'", "&#x27;") in page
    security.refresh_from_db()
    assert (security.version, security.best, security.status) == (
        version,
        10,
        Tally.Status.NEEDS_REVIEW,
    )


def test_a_review_without_a_rationale_is_refused(editor_client, security):
    response = _review(editor_client, security, rationale="  ")
    assert _field_errors(response.content.decode(), "rationale") == [
        "Say why this figure is the best estimate."
    ]
    assert _unreviewed(security)


def test_a_low_above_the_best_is_refused(editor_client, security):
    response = _review(editor_client, security, low=13)
    assert _field_errors(response.content.decode(), "low") == [
        "The low figure cannot be above the best figure."
    ]
    assert _unreviewed(security)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"best": -1}, "best"), ({"best": "many"}, "best"), ({"high": "x"}, "high")],
)
def test_figures_that_are_not_counts_are_refused(editor_client, security, data, field):
    response = _review(editor_client, security, **data)
    assert _field_errors(response.content.decode(), field)
    assert _unreviewed(security)


def test_markup_in_the_rationale_is_refused_as_by_the_api(editor_client, security):
    response = _review(editor_client, security, rationale="<b>sure</b>")
    assert _field_errors(response.content.decode(), "rationale") == [
        "HTML markup is not allowed here."
    ]
    assert _unreviewed(security)


def test_a_review_of_a_changed_tally_shows_then_and_now_and_saves_nothing(
    editor_client, security
):
    seen = security.version
    analyst = UserFactory(username="analyst")
    ClaimFactory(
        incident=security.incident,
        group=security.group,
        low=15,
        side=ClaimantSide.objects.get(slug="independent"),
        created_by=analyst,
    )
    security.refresh_from_db()
    assert security.version != seen

    response = _review(editor_client, security, version=seen)
    assert response.status_code == 409
    page = response.content.decode()
    assert "This tally changed while you were reviewing it" in page
    then_now = re.sub(r"<[^>]+>", " ", page.split('class="then-now"')[1])
    then_now = " ".join(then_now.split("</table>")[0].split())
    assert "When you opened it 10 10 open Needs review" in then_now
    assert f"Now 10 15 open {security.get_status_display()}" in then_now
    assert f'name="version" value="{security.version}"' in page
    assert 'name="best" value="12"' in page
    assert _unreviewed(security)


def test_after_a_conflict_the_kept_form_saves(editor_client, security):
    ClaimFactory(incident=security.incident, group=security.group, low=11)
    response = _review(editor_client, security)
    assert response.status_code == 409
    version = response.context["form"]["version"].value()
    assert _review(editor_client, security, version=version).status_code == 302
    assert Tally.objects.get(pk=security.pk).best == 12


def test_a_form_without_a_version_changes_nothing(editor_client, security):
    response = editor_client.post(_url(security), {"best": 12, "rationale": RATIONALE})
    assert response.status_code == 200
    assert response.context["form"].errors["version"]
    assert _unreviewed(security)


@pytest.mark.parametrize("role_client", ["analyst_client", "researcher_client"])
def test_a_review_by_a_non_editor_is_refused(request, role_client, security):
    response = _review(request.getfixturevalue(role_client), security)
    assert response.status_code == 403
    assert _unreviewed(security)


def test_an_anonymous_review_is_sent_to_log_in(client, security):
    response = _review(client, security)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _unreviewed(security)
