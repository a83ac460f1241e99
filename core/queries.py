"""Query helpers shared by the apps."""

import datetime
import decimal
import enum
import functools
import uuid
from collections.abc import Collection

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections


class Listed:
    """The ids of the page a statement is building, named by a CTE of that
    statement (`incidents.api.listing.page_json`) rather than passed in: the
    statement's text and parameters are then the same for every page, so it
    is compiled once and prepared once."""

    def __init__(self, cte: str):
        self.cte = cte


def one_of(queryset, column: str, values: Collection | Listed):
    """The rows whose `column` (of the queryset's own table) is one of
    `values`: one array parameter on PostgreSQL (`= ANY(%s)`), an IN list
    elsewhere; or, given `Listed`, the ids of the statement's CTE.

    psycopg interpolates parameters on the client, and a query with an IN list
    of 100 placeholders is too long for its parse cache: the five such queries
    of a list page cost it several milliseconds a request. Whole numbers go
    as one array literal: psycopg dumps a list of them element by element, in
    Python (0.3 ms for 100)."""
    table = queryset.model._meta.db_table
    if isinstance(values, Listed):
        where = f'"{table}"."{column}" IN (SELECT id FROM {values.cte})'
        return queryset.extra(where=[where])
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{column}__in": values})
    return queryset.extra(
        where=[f'"{table}"."{column}" = ANY(%s)'], params=[array(values)]
    )


def array(values: Collection):
    """`values` as a PostgreSQL array parameter: whole numbers as the array's
    text (`{1,2,3}`), which PostgreSQL reads as the column's type."""
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    return list(values)


def written_in(sql: str, params, using: str = DEFAULT_DB_ALIAS) -> str:
    """PostgreSQL: the statement with its values written into its text, for
    `prepared_cursor`, where a literal `%` is doubled. Values written in,
    rather than sent as parameters, let the plan PostgreSQL keeps for the
    statement use the indexes made for one value (a status, a scope), which
    a generic plan would miss.

    The statements asked again (a list's first page, the filters a dashboard
    links to) are the ones worth preparing, and writing their values in
    through psycopg cost the incident list 0.1 ms a request: a statement
    whose values are all plain scalars (or choices: a status) is written
    once and remembered. Each value's type is part of the key, since 1, 1.0
    and True are equal and hash alike but are written differently."""
    params = tuple(params)
    if all(type(value) in _SCALARS or isinstance(value, enum.Enum) for value in params):
        return _written(using, sql, params, tuple(map(type, params)))
    return _write(using, sql, params)


_SCALARS = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        decimal.Decimal,
        str,
        datetime.date,
        datetime.datetime,
        uuid.UUID,
    }
)


@functools.lru_cache(maxsize=1024)
def _written(using: str, sql: str, params: tuple, types: tuple) -> str:
    return _write(using, sql, params)


def _write(using: str, sql: str, params) -> str:
    return connections[using].ops.compose_sql(sql, params).replace("%", "%%")


def prepared_cursor(using: str = DEFAULT_DB_ALIAS):
    """On PostgreSQL, a cursor that binds parameters on the server, so that
    psycopg prepares a statement it has run five times on this connection
    (its `prepare_threshold`) and PostgreSQL plans it once: planning the
    incident list's page took 3 of its 8 ms, and the token's statement 1 of
    its 2. Django's own cursors bind on the client, which never prepares.
    Elsewhere, Django's cursor."""
    database = connections[using]
    if database.vendor != "postgresql":
        return database.cursor()
    database.ensure_connection()
    return database._prepare_cursor(psycopg.Cursor(database.connection))
