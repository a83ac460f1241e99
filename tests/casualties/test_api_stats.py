"""stats/: time series and breakdowns of the tallies of top-level incidents.

The dataset is small enough to sum by hand (all figures are killed civilians
unless noted; A..E are top-level):

    A  Mon 2026-01-05  Quetta (PK, Balochistan)   10 official; 7 injured (all)
       A1, a part of A on 2026-03-01, claims 4 (inside A's 10, never added)
    B  Wed 2026-01-07  Lahore (PK, Punjab)        more than 4 (5..open), BLA side
    C  Mon 2026-01-12  Balochistan itself         3 official, police 2 official
    D  Mon 2026-02-02  Kandahar (AF)              20 official
    E  Tue 2026-02-03  no location                1 official

so the all/killed tallies are A 10, B 5..open, C 5 (3 + 2), D 20, E 1.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casualties.models import ClaimantSide, Outcome, Tally, VictimGroup
from incidents.models import Incident, Location
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    LocationFactory,
    bulk_claims,
    bulk_incidents,
    rebuild_tallies,
)

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"
OPEN = None


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _claim(incident, low, high="same", *, group="civilians", side="official", **kw):
    high = low if high == "same" else high
    return ClaimFactory(
        incident=incident,
        group=VictimGroup.objects.get(slug=group),
        outcome=Outcome.objects.get(slug=kw.pop("outcome", "killed")),
        side=ClaimantSide.objects.get(slug=side),
        low=low,
        high=high,
        point=low,
        **kw,
    )


def _place(name, kind, code=None, parent=None) -> Location:
    return LocationFactory(name=name, kind=kind, code=code, parent=parent)


@pytest.fixture
def places():
    pakistan = _place("Pakistan", Location.Kind.COUNTRY, "PK")
    balochistan = _place("Balochistan", Location.Kind.ADMIN1, "PK-BA", pakistan)
    punjab = _place("Punjab", Location.Kind.ADMIN1, "PK-PB", pakistan)
    afghanistan = _place("Afghanistan", Location.Kind.COUNTRY, "AF")
    kandahar = _place("Kandahar", Location.Kind.ADMIN1, "AF-KAN", afghanistan)
    return {
        "PK": pakistan,
        "PK-BA": balochistan,
        "PK-PB": punjab,
        "AF": afghanistan,
        "AF-KAN": kandahar,
        "Quetta": _place("Quetta", Location.Kind.PLACE, parent=balochistan),
        "Lahore": _place("Lahore", Location.Kind.PLACE, parent=punjab),
    }


def _incident(day: str, location=None, **kwargs) -> Incident:
    start = datetime.date.fromisoformat(day)
    return IncidentFactory(start_date=start, location=location, **kwargs)


@pytest.fixture
def dataset(places):
    a = _incident("2026-01-05", places["Quetta"])
    _claim(a, 10)
    _claim(a, 7, group="all", outcome="injured")
    _claim(_incident("2026-03-01", places["Quetta"], parent=a), 4)
    _claim(_incident("2026-01-07", places["Lahore"]), 5, OPEN, side="perpetrator")
    c = _incident("2026-01-12", places["PK-BA"])
    _claim(c, 3)
    _claim(c, 2, group="police")
    _claim(_incident("2026-02-02", places["AF-KAN"]), 20)
    _claim(_incident("2026-02-03"), 1)


def _get(user, **params):
    response = _client(user).get(STATS, params)
    assert response.status_code == 200, response.content
    return response.json()


def _period_rows(rows) -> list[tuple]:
    return [(r["period"], r["incidents"], r["low"], r["best"], r["high"]) for r in rows]


def _breakdown_rows(rows) -> list[tuple]:
    return [(r["key"], r["incidents"], r["low"], r["best"], r["high"]) for r in rows]


# --- time series ---------------------------------------------------------------------


def test_it_sums_top_level_tallies_per_day(dataset, researcher):
    rows = _get(researcher, interval="day")

    assert _period_rows(rows) == [
        ("2026-01-05", 1, 10, 10, 10),
        ("2026-01-07", 1, 5, 5, OPEN),
        ("2026-01-12", 1, 5, 5, 5),
        ("2026-02-02", 1, 20, 20, 20),
        ("2026-02-03", 1, 1, 1, 1),
    ]


def test_it_sums_per_week_from_monday(dataset, researcher):
    rows = _get(researcher, interval="week")

    assert _period_rows(rows) == [
        ("2026-01-05", 2, 15, 15, OPEN),
        ("2026-01-12", 1, 5, 5, 5),
        ("2026-02-02", 2, 21, 21, 21),
    ]


def test_it_sums_per_month(dataset, researcher):
    rows = _get(researcher, interval="month")

    assert _period_rows(rows) == [
        ("2026-01-01", 3, 20, 20, OPEN),
        ("2026-02-01", 2, 21, 21, 21),
    ]


def test_a_part_is_never_added_to_its_whole(dataset, researcher):
    """A1's 4 lies inside A's 10: no March row, and January stays at 20."""
    months = _get(researcher, interval="month")
    countries = _get(researcher, by="country")

    assert [r["period"] for r in months] == ["2026-01-01", "2026-02-01"]
    assert months[0]["best"] == 20
    pakistan = next(r for r in countries if r["key"] == "PK")
    assert (pakistan["incidents"], pakistan["best"]) == (3, 20)


def test_a_reviewed_best_is_what_the_stats_sum(dataset, editor, researcher):
    tally = Tally.objects.get(
        incident__start_date="2026-01-07", group="civilians", outcome="killed"
    )
    response = _client(editor).post(
        f"/api/v1/tallies/{tally.pk}/review/",
        {"best": 8, "rationale": "Named list.", "version": tally.version},
        format="json",
    )
    assert response.status_code == 200

    # B's 5..open becomes a best of 8, at civilians and in its all/killed sum.
    assert _period_rows(_get(researcher, interval="month"))[0] == (
        "2026-01-01",
        3,
        20,
        23,
        OPEN,
    )


def test_the_group_and_outcome_parameters_choose_the_tallies(dataset, researcher):
    injured = _get(researcher, interval="month", outcome="injured")
    police = _get(researcher, interval="day", group="police")

    assert _period_rows(injured) == [("2026-01-01", 1, 7, 7, 7)]
    assert _period_rows(police) == [("2026-01-12", 1, 2, 2, 2)]


def test_the_incident_filters_apply(dataset, researcher):
    rows = _get(researcher, interval="month", country="PK", started_after="2026-01-06")

    assert _period_rows(rows) == [("2026-01-01", 2, 10, 10, OPEN)]


def test_a_researcher_sums_published_incidents_only(dataset, researcher, analyst):
    _claim(_incident("2026-02-10", status=Incident.Status.DRAFT), 100)

    assert _get(researcher, interval="month")[1]["best"] == 21
    assert _get(analyst, interval="month")[1]["best"] == 121


def test_with_no_tallies_the_series_is_empty(researcher):
    assert _get(researcher, interval="week") == []


# --- breakdowns --------------------------------------------------------------------


def test_it_breaks_down_by_country(dataset, researcher):
    rows = _get(researcher, by="country")

    assert _breakdown_rows(rows) == [
        ("AF", 1, 20, 20, 20),
        ("PK", 3, 20, 20, OPEN),
        (None, 1, 1, 1, 1),  # no location
    ]
    assert [r["name"] for r in rows] == ["Afghanistan", "Pakistan", None]
    assert rows[0]["location"] == Location.objects.get(code="AF").pk


def test_it_breaks_down_by_admin1(dataset, researcher):
    rows = _get(researcher, by="admin1")

    assert _breakdown_rows(rows) == [
        ("PK-BA", 2, 15, 15, 15),  # Quetta's 10 and the province's 5
        ("AF-KAN", 1, 20, 20, 20),
        ("PK-PB", 1, 5, 5, OPEN),
        (None, 1, 1, 1, 1),
    ]
    assert [r["name"] for r in rows] == ["Balochistan", "Kandahar", "Punjab", None]


def test_it_breaks_down_by_group(dataset, researcher):
    rows = _get(researcher, by="group")

    assert _breakdown_rows(rows) == [
        ("all", 5, 41, 41, OPEN),
        ("civilians", 5, 39, 39, OPEN),
        ("police", 1, 2, 2, 2),
        ("security-forces", 1, 2, 2, 2),
    ]
    assert rows[0]["name"] == VictimGroup.objects.get(slug="all").name


def test_it_breaks_down_by_outcome(dataset, researcher):
    rows = _get(researcher, by="outcome")

    assert _breakdown_rows(rows) == [
        ("injured", 1, 7, 7, 7),
        ("killed", 5, 41, 41, OPEN),
    ]


def test_it_breaks_down_by_side_from_each_sides_own_interval(dataset, researcher):
    rows = _get(researcher, by="side", group="civilians")

    assert _breakdown_rows(rows) == [
        ("official", 4, 34, None, 34),
        ("perpetrator", 1, 5, None, OPEN),
    ]


def test_by_side_counts_only_claims_about_the_chosen_group(dataset, researcher):
    """The all/killed tallies sum their parts; no side spoke of `all` killed."""
    assert _get(researcher, by="side") == []
    assert _breakdown_rows(_get(researcher, by="side", outcome="injured")) == [
        ("official", 1, 7, None, 7)
    ]


# --- bad input, roles, queries -------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "interval"),
        ({"interval": "day", "by": "group"}, "by"),
        ({"interval": "decade"}, "interval"),
        ({"by": "district"}, "by"),
        ({"interval": "day", "group": "nobody"}, "group"),
        ({"interval": "day", "outcome": "vanished"}, "outcome"),
        ({"by": "group", "group": "all"}, "group"),
        ({"by": "outcome", "outcome": "killed"}, "outcome"),
        ({"interval": "day", "started_after": "last tuesday"}, "started_after"),
        ({"interval": "day", "country": "ZZ"}, "country"),
        ({"interval": "day", "top_level": "maybe"}, "top_level"),
        ({"interval": "day", "bbox": "1,2,3"}, "bbox"),
        # Sent empty is not left out (the fuzz found `by=` read as absent).
        ({"interval": "week", "by": ""}, "by"),
        ({"by": "group", "interval": ""}, "interval"),
        ({"interval": "day", "group": ""}, "group"),
        ({"interval": "day", "outcome": ""}, "outcome"),
    ],
)
def test_it_rejects_bad_parameters_naming_them(researcher, params, param):
    response = _client(researcher).get(STATS, params)

    assert response.status_code == 400
    assert param in response.json()


def test_anonymous_visitors_get_no_stats(dataset):
    assert _client().get(STATS, {"interval": "day"}).status_code in (401, 403)


def test_stats_are_read_only(researcher, editor):
    response = _client(editor).post(STATS, {"interval": "day"}, format="json")

    assert response.status_code in (403, 405)


def _bulk(count: int, places) -> None:
    """Top-level incidents with claims, spread over days and places; made in
    bulk and tallied by one rebuild (many rows, few statements)."""
    locations = [places["Quetta"], places["Lahore"], places["AF-KAN"], None]
    incidents = bulk_incidents(
        {
            "start_date": datetime.date(2025, 1, 1) + datetime.timedelta(days=3 * i),
            "location": locations[i % len(locations)],
        }
        for i in range(count)
    )
    bulk_claims(
        {
            "incident": incident,
            "group_id": group,
            "low": i,
            "high": None if i % 5 == 0 else i,
            "point": i,
        }
        for i, incident in enumerate(incidents)
        for group in ("all", "civilians")
    )
    rebuild_tallies()


MODES = [
    {"interval": "day"},
    {"interval": "week"},
    {"interval": "month"},
    {"by": "admin1", "country": "PK"},
    {"by": "country"},
    {"by": "group"},
    {"by": "outcome"},
    {"by": "side"},
]


@pytest.mark.parametrize("params", MODES)
def test_it_runs_the_same_queries_for_10_and_200_incidents(places, researcher, params):
    client = _client(researcher)
    # The first read of the monthly sums on PostgreSQL reads all of them (and
    # analyzes their tables) once, whatever the size; the reads measured here
    # read again the months the new incidents marked.
    client.get(STATS, params)

    counts = []
    for size in (10, 190):
        _bulk(size, places)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(STATS, params)
        assert response.status_code == 200
        assert response.json()
        counts.append(len(queries))

    assert counts[0] == counts[1]
