"""An editor settles the reference case's disputed security-forces toll."""

import re

from playwright.sync_api import expect

from casualties.models import Tally


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
