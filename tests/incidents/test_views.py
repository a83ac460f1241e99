"""The dashboard page (the home page): roles, filters, charts, map, queries."""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties import services
from casualties.models import Tally
from casualties.reference_case import ROOT_TITLE, load_reference_case
from incidents import gazetteer
from incidents.models import Incident, Location
from tests.factories import ClaimFactory, IncidentFactory, LocationFactory, stored_as

pytestmark = pytest.mark.django_db

URL = reverse("incidents:home")


def _page(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, header: str) -> str:
    """The table row whose header cell reads `header`."""
    match = re.search(
        rf'<tr>\s*<th scope="row">{re.escape(header)}</th>(.*?)</tr>', page, re.S
    )
    assert match, f"no row {header!r}"
    return match.group(1)


def _cells(row_html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)
    ]


@pytest.fixture
def root():
    return load_reference_case()


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_loads(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content


@pytest.mark.parametrize(
    "role", ["researcher_client", "analyst_client", "editor_client", "admin_client"]
)
def test_every_role_sees_the_dashboard(request, role, root):
    page = _page(request.getfixturevalue(role))
    assert "<h1>Dashboard</h1>" in page
    assert ROOT_TITLE in page


def test_it_shows_the_reference_case_totals(researcher_client, root):
    response = researcher_client.get(URL)
    page = response.content.decode()
    assert '<strong class="figure" data-total="incidents">1</strong>' in page
    assert '<strong class="figure" data-total="killed">129</strong>' in page
    assert "(low 129, high open)" in page
    assert '<strong class="figure" data-total="injured">24</strong>' in page
    assert '<strong class="figure" data-total="disputed">1</strong>' in page


def test_the_side_by_side_table_names_each_group_with_its_figures(
    researcher_client, root
):
    page = _page(researcher_client)
    # Columns: best, low-high, then the sides (independent, official, unknown,
    # perpetrator: highest rank first).
    assert _cells(_row(page, "Security forces")) == [
        "10",
        "10–open",
        "—",
        "10",
        "—",
        "11–open",
    ]
    assert _cells(_row(page, "Civilians"))[:4] == ["11", "11", "—", "11"]
    assert _cells(_row(page, "Militants"))[:4] == ["108", "108–open", "—", "108–open"]


def test_the_side_by_side_chart_is_drawn_in_the_page(researcher_client, root):
    page = _page(researcher_client)
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="sides-chart"' in page
    )
    assert "<title>Security forces, Perpetrator: 11–open</title>" in page
    assert 'id="timeline-chart"' in page


def test_a_review_shows_on_the_dashboard(editor_client, editor, root):
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
    page = _page(editor_client)
    assert _cells(_row(page, "Security forces"))[0] == "12"
    assert re.search(
        r"<td>Security forces</td>.*?<strong>12</strong>.*?Reviewed", page, re.S
    )


def test_the_reconciliation_table_links_each_incident_and_marks_disputes(
    researcher_client, root
):
    page = _page(researcher_client)
    table = page[page.index('id="reconciliation-table"') :]
    assert f'href="{reverse("incidents:detail", args=[root.pk])}"' in table
    assert re.search(
        r"<td>Security forces</td>\s*<td>10</td>\s*<td>11–open</td>.*?"
        r'<span class="badge disputed">disputed</span>',
        table,
        re.S,
    )


def test_the_reconciliation_table_escapes_what_users_typed(researcher_client, root):
    """The table's rows are joined in Python, not by the template engine: its
    escaping is theirs to keep."""
    place = LocationFactory(name='Kel & "Shahkot"')
    IncidentFactory(
        title="Raid on Tom's & Jerry's depot",
        start_date=datetime.date.today(),
        location=place,
    )
    table = _page(researcher_client).split('id="reconciliation-table"')[1]
    table = table.split("</table>")[0]
    assert "Raid on Tom&#x27;s &amp; Jerry&#x27;s depot</a>" in table
    day = datetime.date.today().isoformat()
    assert f"{day} · Kel &amp; &quot;Shahkot&quot;</span>" in table
    assert '<td colspan="7" class="meta">No figures of killed recorded.</td>' in table
    assert "Tom's" not in table


def test_the_map_fetches_the_incidents_as_geojson(researcher_client, root):
    page = _page(researcher_client)
    src = re.search(r'<div id="incident-map"[^>]*data-src="([^"]+)"', page).group(1)
    assert src == "/map.geojson"
    assert "incidents-geojson" not in page  # not embedded: fetched
    assert "without coordinates" not in page

    response = researcher_client.get(src)
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 9  # seven at Balochistan's point


def test_the_map_keeps_the_pages_filters_but_not_its_page(researcher_client, root):
    page = _page(researcher_client, started_after="2099-01-01", page="2")
    assert 'id="incident-map"' not in page  # nothing placed: no map asked for
    page = _page(researcher_client, started_after="2000-01-01", page="1")
    src = re.search(r'data-src="([^"]+)"', page).group(1)
    assert src == "/map.geojson?started_after=2000-01-01"

    later = researcher_client.get("/map.geojson", {"started_after": "2099-01-01"})
    assert later.json()["features"] == []


def test_the_map_refuses_bad_filters_and_anonymous_readers(researcher_client, root):
    bad = researcher_client.get("/map.geojson", {"started_after": "yesterday"})
    assert bad.status_code == 400
    assert "started_after" in bad.json()["errors"]
    assert Client().get("/map.geojson").status_code == 302  # to the login page


def test_the_map_and_its_script_come_from_our_own_static_files(researcher_client, root):
    page = _page(researcher_client)
    for path in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "js/dashboard_map.js",
        "topojson-client/topojson-client.min.js",
        "world-atlas/countries-50m.json",
    ):
        assert finders.find(path), path
    assert 'data-land="/static/world-atlas/countries-50m.json"' in page
    assert '<script src="/static/topojson-client/topojson-client.min.js"' in page
    assert '<script src="/static/leaflet/leaflet' in page
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css"' in page
    assert '<script src="/static/js/dashboard_map.js" defer>' in page
    assert '<link rel="stylesheet" href="/static/css/dashboard.css">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_map_reads_the_outlines_of_the_provinces_in_view(researcher_client, root):
    page = _page(researcher_client)
    assert 'data-provinces="/map/provinces.geojson"' in page
    gazetteer.load(["PK", "IN"], with_outlines=True)
    around_turbat = {"bbox": "62.5,25.5,63.5,26.5"}

    with CaptureQueriesContext(connection) as one:
        response = researcher_client.get("/map/provinces.geojson", around_turbat)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["truncated"] is False
    assert [feature["id"] for feature in data["features"]] == ["PK-BA"]
    balochistan = data["features"][0]
    assert balochistan["properties"] == {"code": "PK-BA", "name": "Balochistan"}
    assert balochistan["geometry"]["type"] == "Polygon"

    # Lahore's box meets Punjab on both sides of the border (and the boxes,
    # not the shapes, of others), larger first; the whole of both countries
    # costs the same queries as one province.
    lahore = researcher_client.get(
        "/map/provinces.geojson", {"bbox": "74,31,74.6,31.8"}
    )
    ids = [feature["id"] for feature in lahore.json()["features"]]
    assert {"IN-PB", "PK-PB"} <= set(ids)
    assert "PK-BA" not in ids
    areas = [
        (max(xs) - min(xs)) * (max(ys) - min(ys))
        for xs, ys in (_extent(f["geometry"]) for f in lahore.json()["features"])
    ]
    assert areas == sorted(areas, reverse=True)
    with CaptureQueriesContext(connection) as many:
        wide = researcher_client.get("/map/provinces.geojson", {"bbox": "60,5,98,38"})
    assert len(wide.json()["features"]) > 30
    assert len(many) == len(one)

    nothing = researcher_client.get("/map/provinces.geojson", {"bbox": "-10,40,-9,41"})
    assert nothing.json()["features"] == []


def _extent(geometry) -> tuple[list[float], list[float]]:
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
    )
    points = [point for polygon in polygons for point in polygon[0]]
    return [lon for lon, _ in points], [lat for _, lat in points]


def test_province_outlines_refuse_a_bad_box_and_anonymous_readers(researcher_client):
    for bbox, message in (
        ("", "This field is required."),
        ("1,2,3", "Give four numbers: min_lon,min_lat,max_lon,max_lat."),
        ("70,30,60,35", "The minimum cannot exceed the maximum."),
        ("70,30,200,35", "Longitudes must lie between -180 and 180."),
    ):
        response = researcher_client.get("/map/provinces.geojson", {"bbox": bbox})
        assert response.status_code == 400, bbox
        assert response.json()["errors"]["bbox"][0]["message"] == message
    anonymous = Client().get("/map/provinces.geojson", {"bbox": "60,20,70,30"})
    assert anonymous.status_code == 302


def test_without_coordinates_there_is_no_map_but_a_sentence(researcher_client):
    IncidentFactory()
    page = _page(researcher_client)
    assert 'id="incident-map"' not in page
    assert "No incident in this selection has coordinates" in page


def test_with_no_incidents_it_says_so(researcher_client):
    page = _page(researcher_client)
    assert "No incidents match these filters." in page
    assert "No figures for this selection." in page


# Filters


def test_the_filters_narrow_the_totals(researcher_client, root):
    page = _page(
        researcher_client, started_after="2025-01-01", started_before="2025-12-31"
    )
    assert '<strong class="figure" data-total="killed">0</strong>' in page
    page = _page(researcher_client, country="pk", province="PK-BA")
    assert '<strong class="figure" data-total="killed">129</strong>' in page
    assert "Balochistan, all dates." in page


def test_the_filters_keep_what_was_entered(researcher_client, root):
    page = _page(researcher_client, started_after="2026-01-01", country="PK")
    assert 'value="2026-01-01"' in page
    assert '<option value="PK" selected>' in page
    assert '<option value="PK-BA">Balochistan</option>' in page


def test_provinces_are_offered_only_once_a_country_is_chosen(researcher_client, root):
    page = _page(researcher_client)
    assert '<option value="PK-BA">' not in page
    assert "Choose a country first." in page


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"started_after": "31/01/2026"}, "started_after", "Enter a valid date."),
        (
            {"started_after": "2026-02-01", "started_before": "2026-01-01"},
            "started_before",
            "The end of the period is before its start.",
        ),
        ({"country": "ZZ"}, "country", "Choose a country from the list."),
        (
            {"country": "PK", "province": "IN-DL"},
            "province",
            "Choose a province of the selected country.",
        ),
        (
            {"province": "PK-BA"},
            "province",
            "Choose a province of the selected country.",
        ),
    ],
)
def test_bad_filters_show_their_message_next_to_the_field_and_no_figures(
    researcher_client, root, params, field, message
):
    response = researcher_client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<p class="error" id="id_{field}_error">{message}</p>' in page
    assert 'role="alert"' in page
    assert "data" not in response.context
    assert ROOT_TITLE not in page


def test_htmx_refreshes_only_the_province_choices(researcher_client, root):
    response = researcher_client.get(
        URL, {"country": "PK"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="province-field"
    )
    page = response.content.decode()
    assert page.startswith('<div id="province-field">')
    assert '<option value="PK-BA">Balochistan</option>' in page
    assert "<h1>" not in page
    assert "HX-Target" in response["Vary"]


def test_the_country_select_asks_htmx_for_its_provinces(researcher_client):
    page = _page(researcher_client)
    assert f'hx-get="{URL}"' in page
    assert 'hx-target="#province-field"' in page


def test_every_filter_has_a_label(researcher_client):
    page = _page(researcher_client)
    for name in ("started_after", "started_before", "country", "province"):
        assert f'<label for="id_{name}">' in page
    assert 'type="date"' in page


# Roles


def test_editors_see_how_many_tallies_wait_for_review(editor_client, root):
    page = _page(editor_client)
    queue = reverse("casualties:queue")
    link = f'<a href="{queue}"><strong class="figure" data-total="review">1</strong>'
    assert f"{link} tally in the review queue</a>" in page


@pytest.mark.parametrize("role", ["researcher_client", "analyst_client"])
def test_others_do_not_see_the_review_count(request, role, root):
    page = _page(request.getfixturevalue(role))
    assert 'data-total="review"' not in page
    assert reverse("casualties:queue") not in page


def test_researchers_do_not_see_drafts(researcher_client):
    IncidentFactory(title="A draft", status=Incident.Status.DRAFT)
    assert "A draft" not in _page(researcher_client)


def test_analysts_see_drafts(analyst_client):
    IncidentFactory(title="A draft", status=Incident.Status.DRAFT)
    assert "A draft" in _page(analyst_client)


def test_user_text_is_escaped_everywhere(researcher_client):
    incident = IncidentFactory(location=LocationFactory())
    ClaimFactory(incident=incident)
    stored_as(incident, title="<script>alert(1)</script>")
    page = _page(researcher_client)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    geojson = researcher_client.get("/map.geojson")
    assert geojson["Content-Type"] == "application/json"  # never read as HTML
    assert geojson["X-Content-Type-Options"] == "nosniff"
    [feature] = geojson.json()["features"]
    assert feature["properties"]["title"] == "<script>alert(1)</script>"


def test_a_bad_page_number_shows_the_first_page(researcher_client, root):
    page = _page(researcher_client, page="many")
    assert ROOT_TITLE in page


def test_only_top_level_incidents_are_rows_of_the_table(researcher_client, root):
    page = _page(researcher_client)
    assert (
        "Security-force response on Saturday"
        not in page.split('id="reconciliation-table"')[1].split("</table>")[0]
    )


# Queries


def _make(count):
    place = Location.objects.create(
        name="Somewhere", kind="place", latitude=1, longitude=2
    )
    for _ in range(count):
        parent = IncidentFactory(location=place)
        ClaimFactory(incident=parent)
        ClaimFactory(incident=IncidentFactory(parent=parent), side_id="perpetrator")


@pytest.mark.parametrize("role", ["researcher_client", "editor_client"])
def test_it_runs_the_same_queries_for_3_or_30_incidents(
    request, role, django_assert_num_queries
):
    client = request.getfixturevalue(role)
    _make(3)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    expected = len(few.captured_queries)  # before the log's window moves on
    _make(27)
    # As for the few: the first read after writes may refresh the monthly
    # sums (casualties.summary), whose query count is the months', not the
    # incidents'. In the full PostgreSQL run it did for one and not the other.
    client.get(URL)
    with django_assert_num_queries(expected):
        client.get(URL)
