"""An editor settles the reference case's disputed security-forces toll."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from casualties.models import Claim, Tally
from tests.factories import review

User = get_user_model()


def test_an_editor_reviews_the_disputed_tally_and_the_dashboard_shows_it(
    log_in, reference_root
):
    page = log_in("editor")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Review queue")
    ).click()
    page.get_by_role("link", name=re.compile("security forces", re.I)).first.click()

    page.get_by_label("Best").fill("12")
    page.get_by_label("Rationale").fill(
        "The government's 10 predates the later funerals; 12 is documented."
    )
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_contain_text(
        re.compile("review", re.I)
    )

    tally = Tally.objects.get(
        incident=reference_root, group_id="security-forces", outcome_id="killed"
    )
    assert (tally.best, tally.status) == (12, "reviewed")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboard"
    ).click()
    row = page.get_by_role("row").filter(has_text=re.compile("Security forces", re.I))
    expect(row.first).to_contain_text("12")


def test_after_each_assessment_the_review_page_agrees_with_itself(
    log_in, reference_root
):
    """Discounting a claim under a reviewed tally, without a reload: the claim
    moves to "Set aside", both counts follow, the figures are swapped in and
    the review's rationale says it is stale and for which best."""
    tally = Tally.objects.get(
        incident=reference_root, group_id="security-forces", outcome_id="killed"
    )
    editor = User.objects.get(username="editor")
    review(tally, editor, 12, "Funerals counted in Turbat.")
    claim = Claim.objects.get(incident=reference_root, side="perpetrator")
    page = log_in("editor")
    page.goto(f"/review/{tally.pk}/")
    page.evaluate("window.notReloaded = true")
    counted = page.get_by_role("heading", name=re.compile(r"^Counted \(\d+\)"))
    before = int(re.search(r"\d+", counted.inner_text()).group(0))
    expect(page.locator(".reviewed")).to_contain_text("for best 12")
    expect(page.locator(".reviewed")).not_to_contain_text("now stale")

    page.locator(f"#claim-{claim.pk}").get_by_role("button", name="Discounted").click()

    expect(page.get_by_role("heading", name=f"Counted ({before - 1})")).to_be_visible()
    aside = page.locator("section.column").filter(
        has=page.get_by_role("heading", name=re.compile("^Set aside"))
    )
    expect(aside.locator(f"#claim-{claim.pk}")).to_contain_text(
        "Saved: assessed as discounted."
    )
    expect(page.locator(".reviewed")).to_contain_text("for best 12, now stale")
    tally.refresh_from_db()
    claims = f"{tally.claims} claim{'' if tally.claims == 1 else 's'} counted here"
    expect(page.locator("#tally-figures")).to_contain_text(claims)
    assert page.evaluate("window.notReloaded") is True
