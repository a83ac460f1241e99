"""Statements with their values written in (core.queries.written_in): the
same text as psycopg writes, remembered only where the values say exactly
what is written."""

import datetime

import pytest
from django.db import connection

from core.queries import written_in
from incidents.models import Incident

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="values are written in for PostgreSQL's prepared statements only",
    ),
]


def _run(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("%%", "%"))
        return cursor.fetchone()


def test_equal_values_of_other_types_are_written_as_their_own():
    """1, 1.0 and True are equal and hash alike: each is still written as
    itself, whichever was written first."""
    sql = "SELECT %s, pg_typeof(%s)::text"

    texts = [written_in(sql, [value, value]) for value in (1, 1.0, True, 1, True)]

    assert [_run(text)[1] for text in texts] == [
        "integer",
        "numeric",
        "boolean",
        "integer",
        "boolean",
    ]


def test_choices_dates_and_text_are_written_as_psycopg_writes_them():
    sql = "SELECT %s, %s, %s, '100%%'"
    values = [Incident.Status.PUBLISHED, datetime.date(2024, 2, 29), "it's"]

    text = written_in(sql, values)

    assert text == written_in(sql, values)  # the second time, remembered
    assert _run(text) == ("published", datetime.date(2024, 2, 29), "it's", "100%")


def test_values_that_cannot_be_remembered_are_written_each_time():
    sql = "SELECT %s::int[]"

    assert _run(written_in(sql, [[1, 2]])) == ([1, 2],)
    assert _run(written_in(sql, [[3]])) == ([3],)
