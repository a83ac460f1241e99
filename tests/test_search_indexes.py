"""The searches that match any part of a name read PostgreSQL's trigram
indexes (migration incidents 0013) instead of scanning the table.

The tables here are small, so sequential scans are switched off for the
EXPLAIN: what is checked is that an index can answer the search at all."""

import pytest
from django.db import connection, transaction

from incidents import gazetteer
from incidents.filters import IncidentFilterSet
from incidents.models import Incident

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's"
    ),
]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_incident_search_reads_the_title_and_summary_indexes():
    found = IncidentFilterSet({"search": "quarry"}, Incident.objects.all()).qs

    # Unordered: on a small table whose statistics say "one row", walking the
    # (start_date, id) index in order and filtering is as cheap as the search
    # indexes, and which one wins depended on the tests run before this one.
    plan = _plan(found.order_by())

    assert "incident_title_upper_trgm" in plan
    assert "incident_summary_upper_trgm" in plan


def test_the_place_search_reads_the_name_index():
    plan = _plan(gazetteer.search("Turbat")[:20])

    assert "location_name_upper_trgm" in plan


def test_connections_run_without_jit_or_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
