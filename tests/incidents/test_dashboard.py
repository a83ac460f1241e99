"""The dashboard's figures: sums of top-level tallies, filtered and visible."""

import datetime
import re

import pytest
from django.urls import reverse

from casualties import services
from casualties.models import PUBLISHED, Tally
from casualties.reference_case import load_reference_case
from incidents import dashboard
from incidents import services as incident_services
from incidents.dashboard import Figures, Filters
from incidents.models import Incident, Location
from tests.factories import ClaimFactory, IncidentFactory, LocationFactory

pytestmark = pytest.mark.django_db

OPEN = None
JAN_15 = datetime.date(2026, 1, 15)
JAN_30 = datetime.date(2026, 1, 30)
JAN_31 = datetime.date(2026, 1, 31)


@pytest.fixture
def root():
    return load_reference_case()


def _build(user, **filters):
    return dashboard.build(user, Filters(**filters), with_review=True)


def _map(user, **filters) -> dict:
    return dashboard.map_data(user, Filters(**filters))


def _groups(data) -> dict:
    return {group.slug: group for group in data.groups}


def _sides(group) -> dict[str, str]:
    return {side.slug: side.interval for side in group.sides}


def _country(code, name):
    return Location.objects.create(name=name, kind=Location.Kind.COUNTRY, code=code)


def _province(code, name, country):
    return Location.objects.create(
        name=name, kind=Location.Kind.ADMIN1, code=code, parent=country
    )


def _incident_in(location, *, killed, start=JAN_31, **kwargs):
    incident = IncidentFactory(location=location, start_date=start, **kwargs)
    ClaimFactory(incident=incident, low=killed, high=killed, point=killed)
    return incident


# The reference case (SPEC section 5)


def test_the_reference_case_totals_are_those_of_the_spec(root, researcher):
    totals = _build(researcher).totals
    assert totals.top_level == 1
    assert totals.incidents == 9
    assert totals.killed == Figures(low=129, best=129, high=OPEN)
    assert totals.injured == Figures(low=24, best=24, high=OPEN)
    assert totals.disputed == 1


def test_each_side_of_the_reference_case_is_shown_per_group(root, researcher):
    groups = _groups(_build(researcher))
    assert groups["civilians"].figures == Figures(11, 11, 11)
    assert _sides(groups["civilians"]) == {"official": "11"}
    assert groups["security-forces"].figures == Figures(10, 10, OPEN)
    assert _sides(groups["security-forces"]) == {
        "official": "10",
        "perpetrator": "11–open",
    }
    assert groups["militants"].figures == Figures(108, 108, OPEN)
    assert _sides(groups["militants"]) == {"official": "108–open"}
    assert groups["all"].figures == Figures(129, 129, OPEN)


def test_the_umbrella_claim_is_not_added_to_its_parts(root, researcher):
    # "At least 108 over 48 hours" at the root, 67 and 41 in two operations.
    assert _groups(_build(researcher))["militants"].figures.best == 108


def test_the_groups_come_whole_before_their_parts(root, researcher):
    slugs = [group.slug for group in _build(researcher).groups]
    assert slugs[0] == "all"
    assert set(slugs) == {"all", "civilians", "security-forces", "militants"}


def test_an_editors_review_shows_in_the_groups_and_the_totals(root, editor):
    tally = Tally.objects.get(incident=root, group="security-forces", outcome="killed")
    services.review_tally(
        tally_id=tally.pk,
        user=editor,
        best=12,
        low=None,
        high=None,
        rationale="Funerals documented.",
        version=tally.version,
    )
    data = _build(editor)
    assert _groups(data)["security-forces"].figures.best == 12
    assert data.totals.killed.best == 11 + 12 + 108


def test_the_reference_case_waits_for_one_review(root, editor):
    assert _build(editor).waiting_for_review == 1


def test_the_review_count_is_left_out_unless_asked_for(root, researcher):
    data = dashboard.build(researcher, Filters())
    assert data.waiting_for_review is None


# Sums


def test_top_level_incidents_add_up(researcher):
    IncidentFactory()
    _incident_in(None, killed=5)
    _incident_in(None, killed=7)
    totals = _build(researcher).totals
    assert totals.top_level == 3
    assert totals.killed == Figures(12, 12, 12)


def test_a_sub_incident_is_never_added_to_its_parent(researcher):
    parent = _incident_in(None, killed=20)
    _incident_in(None, killed=8, parent=parent)
    totals = _build(researcher).totals
    assert (totals.top_level, totals.incidents) == (1, 2)
    assert totals.killed.best == 20


def test_no_incidents_gives_zeros_not_errors(researcher):
    data = _build(researcher)
    assert data.totals.killed == Figures(0, 0, 0)
    assert data.totals.top_level == 0
    assert data.groups == []
    assert data.periods == []
    assert _map(researcher)["features"] == []
    assert data.table.paginator.count == 0


# Filters


def test_the_period_filter_narrows_every_figure(researcher):
    _incident_in(None, killed=5, start=JAN_15)
    _incident_in(None, killed=7, start=JAN_31)
    data = _build(researcher, started_after=JAN_30)
    assert data.totals.top_level == 1
    assert data.totals.killed.best == 7
    assert _groups(data)["civilians"].figures.best == 7
    assert [period.killed for period in data.periods] == [7]
    data = _build(researcher, started_before=JAN_30)
    assert data.totals.killed.best == 5


def test_a_period_without_incidents_has_no_figures(root, researcher):
    data = _build(
        researcher,
        started_after=datetime.date(2025, 1, 1),
        started_before=datetime.date(2025, 12, 31),
    )
    assert data.totals.top_level == 0
    assert data.totals.killed.best == 0


def test_the_country_filter_narrows_every_figure(root, researcher):
    india = _country("IN", "India")
    _incident_in(_province("IN-DL", "Delhi", india), killed=3)
    pakistan = Location.objects.get(code="PK")
    assert _build(researcher).totals.killed.best == 129 + 3
    assert _build(researcher, place=pakistan).totals.killed.best == 129
    in_india = _build(researcher, place=india)
    assert in_india.totals.killed.best == 3
    assert in_india.totals.top_level == 1
    assert list(_groups(in_india)) == ["all", "civilians"]


def test_the_province_filter_includes_places_inside_it(researcher):
    pakistan = _country("PK", "Pakistan")
    balochistan = _province("PK-BA", "Balochistan", pakistan)
    punjab = _province("PK-PB", "Punjab", pakistan)
    _incident_in(LocationFactory(parent=balochistan), killed=4)
    _incident_in(punjab, killed=9)
    assert _build(researcher, place=balochistan).totals.killed.best == 4
    assert _build(researcher, place=punjab).totals.killed.best == 9
    assert _build(researcher, place=pakistan).totals.killed.best == 13


# Who sees what


def test_researchers_do_not_count_drafts(researcher, analyst):
    _incident_in(None, killed=5, status=Incident.Status.DRAFT)
    assert _build(researcher).totals.top_level == 0
    assert _build(analyst).totals.killed.best == 5


def test_retracted_incidents_count_for_nobody(editor):
    incident = _incident_in(None, killed=5)
    incident_services.retract_incident(incident=incident, user=editor, reason="Dup")
    assert _build(editor).totals.top_level == 0


# Timeline


def test_a_short_period_is_drawn_per_day_with_empty_days_filled(researcher):
    _incident_in(None, killed=5, start=datetime.date(2026, 1, 1))
    _incident_in(None, killed=7, start=datetime.date(2026, 1, 3))
    data = _build(researcher)
    assert data.interval == "day"
    assert [(p.label, p.incidents, p.killed) for p in data.periods] == [
        ("2026-01-01", 1, 5),
        ("2026-01-02", 0, 0),
        ("2026-01-03", 1, 7),
    ]


def test_a_longer_period_is_drawn_per_week(researcher):
    _incident_in(None, killed=5, start=datetime.date(2026, 1, 1))  # a Thursday
    _incident_in(None, killed=7, start=datetime.date(2026, 3, 15))
    data = _build(researcher)
    assert data.interval == "week"
    assert data.periods[0].start == datetime.date(2025, 12, 29)  # its Monday
    assert data.periods[0].label == "2025-12-29"
    assert sum(p.killed for p in data.periods) == 12
    assert all(p.start.weekday() == 0 for p in data.periods)


def test_years_of_data_are_drawn_per_month(researcher):
    _incident_in(None, killed=5, start=datetime.date(2023, 1, 10))
    _incident_in(None, killed=7, start=datetime.date(2026, 1, 31))
    data = _build(researcher)
    assert data.interval == "month"
    assert len(data.periods) == 37
    assert (data.periods[0].label, data.periods[-1].label) == ("2023-01", "2026-01")


def test_the_page_shows_the_timeline_as_a_table_too(researcher_client):
    _incident_in(None, killed=5, start=datetime.date(2026, 1, 1))
    _incident_in(None, killed=7, start=datetime.date(2026, 1, 3))

    page = researcher_client.get(reverse("incidents:home")).content.decode()

    start = page.index('id="timeline-table"')
    table = page[start : page.index("</table>", start)]
    assert re.findall(
        r'<tr><th scope="row">([^<]*)</th><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td></tr>',
        table,
    ) == [("2026-01-01", "1", "5"), ("2026-01-02", "0", "0"), ("2026-01-03", "1", "7")]


# Map


def test_the_map_holds_every_incident_of_the_reference_case(root, researcher):
    """Seven parts are placed only in Balochistan: they stand at the province's
    representative point, marked approximate, as is Gwadar (district
    precision); only the prison in Mastung is exact."""
    features = _map(researcher)["features"]
    assert len(features) == 9
    exact = {
        feature["properties"]["title"]
        for feature in features
        if not feature["properties"]["approximate"]
    }
    assert exact == {"Attack on the Mastung high-security prison"}
    province = [f for f in features if f["geometry"]["coordinates"] == [66.0, 28.0]]
    assert len(province) == 7
    assert all(f["properties"]["approximate"] for f in province)
    gwadar = next(f for f in features if "Gwadar" in f["properties"]["title"])
    assert gwadar["geometry"] == {"type": "Point", "coordinates": [62.3225, 25.1264]}
    assert gwadar["properties"]["url"].endswith(
        f"/incidents/{gwadar['properties']['id']}/"
    )
    assert _build(researcher).totals.mapped == 9


def test_map_markers_carry_the_best_killed(researcher):
    incident = _incident_in(LocationFactory(), killed=6)
    features = _map(researcher)["features"]
    assert features[0]["properties"]["killed"] == 6
    assert features[0]["properties"]["id"] == incident.pk


def test_the_map_takes_the_newest_incidents_up_to_its_limit(researcher):
    place = LocationFactory()
    for day in (1, 2, 3):
        IncidentFactory(location=place, start_date=datetime.date(2026, 1, day))
    data = dashboard.map_features(Incident.objects.all(), PUBLISHED, limit=2)
    dates = [f["properties"]["date"] for f in data["features"]]
    assert dates == ["2026-01-03", "2026-01-02"]


# Reconciliation table


def test_the_table_sets_each_sides_claim_beside_the_best(root, researcher):
    page = _build(researcher).table
    [incident] = page.object_list
    rows = {row.group: row for row in incident.rows}
    security = rows["Security forces"]
    assert (security.official, security.perpetrator) == ("10", "11–open")
    assert security.figures.best == 10
    assert security.disputed
    assert security.status == "needs_review"
    assert rows["Civilians"].official == "11"
    assert not rows["Civilians"].disputed
    assert [row.group for row in incident.rows][0] == "All"


def test_independent_and_unknown_sides_are_the_others(researcher):
    incident = IncidentFactory()
    ClaimFactory(incident=incident, side_id="independent", low=4, high=6, point=5)
    ClaimFactory(incident=incident, side_id="unknown", low=3, high=3, point=3)
    [top] = _build(researcher).table.object_list
    row = next(row for row in top.rows if row.group == "Civilians")
    assert row.others == [("Independent", "4–6"), ("Unknown", "3")]
    assert row.official == ""


def test_the_table_lists_top_level_incidents_newest_first_a_page_at_a_time(
    researcher,
):
    for day in range(1, 26):
        IncidentFactory(start_date=datetime.date(2026, 1, day))
    first = _build(researcher).table
    assert first.paginator.count == 25
    assert len(first.object_list) == dashboard.TABLE_PAGE_SIZE
    assert first.object_list[0].start_date == datetime.date(2026, 1, 25)
    last = dashboard.build(researcher, Filters(), page_number="2").table
    assert len(last.object_list) == 5


def test_the_review_count_follows_the_filters(root, editor):
    assert _build(editor, started_after=JAN_31).waiting_for_review == 0
