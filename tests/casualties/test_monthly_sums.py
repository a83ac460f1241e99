"""The monthly sums (casualties.summary) give the dashboard and `stats/` the
same figures as the tallies do, and stay exact as writes commit: each write
marks its months stale, and the next read reads them again.

PostgreSQL only: the sums rest on its triggers and snapshots (SQLite reads
the tallies). The writes commit one by one, as users' requests do, so that
the snapshots the sums are stored with are real ones."""

import datetime

import pytest
from django.db import connection, transaction

from casualties import services as claim_services
from casualties import summary
from casualties.api import stats
from casualties.models import Claim
from casualties.reference_case import load_reference_case
from incidents import dashboard
from incidents import services as incident_services
from incidents.models import Incident, Location
from tests.factories import ClaimFactory, IncidentFactory, LocationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's triggers"
    ),
]

MARCH = datetime.date(2026, 3, 1)
STATS = [
    "interval=month",
    "interval=year&outcome=injured",
    "by=group",
    "by=outcome&started_after=2026-01-01&started_before=2026-03-31",
    "by=country",
    "by=admin1&country=PK",
    "by=side&group=all",
    "by=admin1&include_retracted=true",
]


def _direct(monkeypatch, build):
    """What `build` gives read from the tallies, without the sums."""
    with monkeypatch.context() as patched:
        patched.setattr(dashboard.Sums, "for_filters", classmethod(lambda *a: None))
        patched.setattr(stats, "_sums", lambda *a: None)
        return build()


def _dashboard(user, **filters):
    data = dashboard.build(user, dashboard.Filters(**filters), with_review=True)
    return (
        data.totals,
        data.groups,
        data.interval,
        data.periods,
        data.waiting_for_review,
        data.table.paginator.count,
    )


def _assert_same(monkeypatch, api, users, places):
    for user in users:
        for filters in ({}, {"place": places["PK"]}, {"place": places["PK-BA"]}):
            summed = _dashboard(user, **filters)
            direct = _direct(monkeypatch, lambda u=user, f=filters: _dashboard(u, **f))
            assert summed == direct
        client = api(user)
        for query in STATS:
            url = f"/api/v1/stats/?{query}"
            summed = client.get(url)
            assert summed.status_code == 200, summed.content
            direct = _direct(monkeypatch, lambda c=client, u=url: c.get(u))
            assert summed.json() == direct.json(), query


@pytest.fixture
def places():
    load_reference_case()
    return {place.code: place for place in Location.objects.exclude(code="")}


def test_the_sums_follow_every_kind_of_write(
    monkeypatch, api, researcher, analyst, editor, places
):
    users = (researcher, analyst, editor)
    _assert_same(monkeypatch, api, users, places)
    assert summary.stale_months() == set()  # the reads stored every month

    quetta = LocationFactory(name="Quetta", parent=places["PK-BA"])
    new = IncidentFactory(start_date=MARCH, location=quetta)
    assert summary.stale_months() == {MARCH}
    claim = ClaimFactory(incident=new, group_id="all", low=5, high=None, point=7)
    ClaimFactory(incident=new, group_id="civilians", side_id="perpetrator", low=2)
    draft = IncidentFactory(
        start_date=datetime.date(2026, 2, 3), status=Incident.Status.DRAFT
    )
    ClaimFactory(incident=draft, group_id="all", outcome_id="injured", low=4)
    _assert_same(monkeypatch, api, users, places)

    # A date moved to another month, a part moved under another incident, a
    # draft published, a claim superseded, an incident retracted.
    new = incident_services.update_incident(
        incident=new, user=editor, start_date=datetime.date(2025, 12, 30)
    )
    assert summary.stale_months() >= {MARCH, datetime.date(2025, 12, 1)}
    part = Incident.objects.filter(parent__isnull=False).first()
    incident_services.update_incident(incident=part, user=editor, parent=new)
    draft.refresh_from_db()
    incident_services.publish_incident(incident=draft, user=editor)
    claim_services.create_claim(
        user=editor,
        incident_id=new.pk,
        side_id=claim.side_id,
        group_id="all",
        outcome_id="killed",
        low=9,
        high=12,
        point=10,
        supersedes=Claim.objects.get(pk=claim.pk),
    )
    _assert_same(monkeypatch, api, users, places)
    new.refresh_from_db()
    incident_services.retract_incident(incident=new, user=editor, reason="Duplicate.")
    _assert_same(monkeypatch, api, users, places)


def test_a_place_moved_or_given_a_point_marks_the_months_of_its_incidents(places):
    quetta = LocationFactory(
        name="Quetta", parent=places["PK-BA"], latitude=None, longitude=None
    )
    IncidentFactory(start_date=MARCH, location=quetta)
    summary.fresh()
    assert summary.stale_months() == set()

    LocationFactory(
        name="Nowhere yet", parent=places["PK-BA"], latitude=None, longitude=None
    )
    assert summary.stale_months() == set()  # no incident there
    quetta.latitude, quetta.longitude = 30.18, 66.99
    quetta.save()

    assert summary.stale_months() == {MARCH}
    summary.fresh()
    assert summary.stale_months() == set()


def test_only_whole_months_and_provinces_are_read_from_the_sums(places):
    jan, feb_end = datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)

    assert summary.scope_for(jan, feb_end) == summary.Scope(
        first_month=jan, last_month=datetime.date(2026, 2, 1)
    )
    assert summary.scope_for(datetime.date(2026, 1, 2), None) is None
    assert summary.scope_for(None, datetime.date(2026, 2, 27)) is None
    assert summary.scope_for(None, None, places["PK-BA"]).admin1_id == (
        places["PK-BA"].pk
    )
    district = LocationFactory(parent=places["PK-BA"], kind=Location.Kind.ADMIN2)
    assert summary.scope_for(None, None, district) is None


def test_a_transaction_reads_its_own_writes_into_the_sums_once():
    """A transaction's snapshot counts the transaction itself as running when
    no later one has finished; its marks must still be cleared by the read
    that saw its writes, or every later read in it reads the months again
    (the list's query count then depended on other connections' commits)."""
    with transaction.atomic():
        IncidentFactory(start_date=MARCH)
        summary.fresh()
        assert summary.stale_months() == set()
        IncidentFactory(start_date=MARCH + datetime.timedelta(days=40))
        assert summary.stale_months() == {datetime.date(2026, 4, 1)}
        summary.fresh()
        assert summary.stale_months() == set()


def test_a_full_read_of_the_sums_leaves_the_planner_their_statistics(places):
    """Without them the planner takes the new rows for none and sorts the
    dashboard's side sums where it would hash them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {summary.STALE} (month) VALUES (%s)", [summary.ALL]
        )
        summary.fresh()
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('casualties_figuresum', 'casualties_sidesum', 'casualties_incidentsum')"
        )
        counted = dict(cursor.fetchall())
    assert len(counted) == 3
    assert all(rows > 0 for rows in counted.values()), counted


def test_the_panels_of_one_page_check_the_months_once():
    """Inside `read_together` the first read brings the sums up to date and
    the others trust it; outside, every read checks."""
    from django.test.utils import CaptureQueriesContext

    IncidentFactory(start_date=MARCH)

    def reads() -> list[int]:
        """The queries each of three reads runs."""
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                summary.fresh()
            counts.append(len(queries))
        return counts

    with summary.read_together():
        first, *others = reads()
    assert first >= 2  # the check, then March read again
    assert others == [0, 0]
    assert summary.stale_months() == set()
    assert reads() == [1, 1, 1]  # outside: a check each


def _reads_of_sums(build) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        build()
    return sum(
        any(
            f"casualties_{t}" in q["sql"]
            for t in ("figuresum", "sidesum", "incidentsum")
        )
        for q in queries
    )


def test_the_dashboards_panels_are_remembered_until_the_sums_change(
    monkeypatch, researcher
):
    incident = IncidentFactory(start_date=MARCH)
    ClaimFactory(incident=incident, group_id="all", low=5, point=7, high=9)

    first = _dashboard(researcher)
    assert first[0].killed.best == 7
    assert _reads_of_sums(lambda: _dashboard(researcher)) == 0  # remembered
    assert _dashboard(researcher) == first

    # A write marks March; the next page reads the sums again, and shows it.
    ClaimFactory(incident=incident, group_id="all", low=8, point=12, high=15)
    assert _reads_of_sums(lambda: _dashboard(researcher)) > 0
    after = _dashboard(researcher)
    assert after != first
    assert after == _direct(monkeypatch, lambda: _dashboard(researcher))

    # Inside a transaction the sums may hold its own writes: nothing is
    # remembered there, and nothing remembered outside is read.
    with transaction.atomic():
        assert _reads_of_sums(lambda: _dashboard(researcher)) > 0
        assert _reads_of_sums(lambda: _dashboard(researcher)) > 0
