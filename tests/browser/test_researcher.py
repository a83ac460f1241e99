"""A researcher reads the dashboard and incident pages, and can change nothing."""

import re

from playwright.sync_api import expect

from incidents import gazetteer
from incidents.base import service_write
from incidents.models import Actor, Incident


def test_a_researcher_reads_the_dashboard_and_the_incident_page(log_in, reference_root):
    page = log_in("researcher")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Incidents"
    ).click()
    page.get_by_role("link", name=reference_root.title).first.click()
    page.wait_for_url(re.compile(rf"/incidents/{reference_root.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference_root.title)
    expect(page.locator("table.tallies")).to_have_count(1)


def test_a_researcher_sees_no_form_no_queue_and_no_edit_link(log_in, reference_root):
    page = log_in("researcher")
    for path in ("/", "/incidents/", f"/incidents/{reference_root.pk}/"):
        page.goto(path)
        for name in ("Edit", "Add claims", "Add report", "New incident", "Review"):
            expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(
            page.get_by_role("link", name=re.compile("review queue", re.I))
        ).to_have_count(0)
        # The only forms that post are logging out; the rest are GET filters.
        expect(page.locator("form[method=post i]")).to_have_count(1)


def test_a_researcher_gets_403_from_the_analyst_and_editor_urls(log_in, reference_root):
    page = log_in("researcher")
    pk = reference_root.pk
    for path in (
        "/incidents/new/",
        f"/incidents/{pk}/edit/",
        f"/incidents/{pk}/claims/new/",
        "/review/",
    ):
        response = page.goto(path)
        assert response.status == 403, path


def test_the_map_shows_a_title_with_markup_as_text(log_in, reference_root):
    """Titles stored before markup was refused (or by any other way) are data:
    the tooltip shows them whole and runs nothing."""
    title = 'Raid <img src=x onerror="alert(1)"> at <Checkpoint 7'
    with service_write():
        Incident.objects.update(title=title)
    gazetteer.load(["PK"], with_outlines=True)  # as load_gazetteer does
    page = log_in("researcher")

    # The map fetches its markers after the page: all nine come.
    markers = page.locator("#incident-map path.leaflet-interactive")
    expect(markers).to_have_count(9)
    expect(page.locator("#incident-map")).to_have_attribute("data-loaded", "9")
    # Land under them, from our own static files (Natural Earth, world-atlas).
    expect(page.locator("#incident-map")).to_have_attribute("data-land-state", "drawn")
    assert page.locator(".leaflet-land-pane path").count() > 100
    # And the provinces of the region in view, over the land, under the markers.
    expect(page.locator("#incident-map")).to_have_attribute(
        "data-provinces-drawn", re.compile(r"^[1-9]")
    )
    assert page.locator(".leaflet-provinces-pane path").count() >= 1
    # Seven parts stand at Balochistan's point, one above the other: the
    # last drawn is on top.
    marker = page.locator("#incident-map path.leaflet-interactive").last
    marker.hover()

    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(title)
    expect(page.locator("#incident-map img")).to_have_count(0)
    page.wait_for_timeout(200)
    assert page.dialogs == []


def test_a_researcher_filters_the_list_by_names(log_in, reference_root):
    page = log_in("researcher")
    page.goto("/incidents/")
    page.get_by_text("Filters").first.click()
    page.get_by_label("Actor").select_option(label="Baloch Liberation Army")
    page.get_by_label("Country").select_option(label="Pakistan")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"actor=\d+"))
    expect(page.get_by_label("Actor")).to_have_value(
        str(Actor.objects.get(name="Baloch Liberation Army").pk)
    )
    expect(page.get_by_role("heading", name=reference_root.title)).to_be_visible()


def test_the_list_shows_the_tree_and_walks_down_it(log_in, reference_root):
    page = log_in("researcher")
    page.goto("/incidents/")
    children = Incident.objects.filter(parent=reference_root).count()
    page.get_by_role("link", name=f"{children} sub-incidents").click()
    expect(page).to_have_url(re.compile(rf"parent={reference_root.pk}"))
    expect(page.locator(".incident-list > li")).to_have_count(children)
    expect(page.locator(".incident-list .tree").first).to_contain_text(
        f"Part of {reference_root.title}"
    )
