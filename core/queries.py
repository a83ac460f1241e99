"""Query helpers shared by the apps."""

from collections.abc import Collection

from django.db import connection


def one_of(queryset, column: str, values: Collection):
    """The rows whose `column` (of the queryset's own table) is one of
    `values`: one array parameter on PostgreSQL (`= ANY(%s)`), an IN list
    elsewhere.

    psycopg interpolates parameters on the client, and a query with an IN list
    of 100 placeholders is too long for its parse cache: the five such queries
    of a list page cost it several milliseconds a request."""
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{column}__in": values})
    table = queryset.model._meta.db_table
    return queryset.extra(
        where=[f'"{table}"."{column}" = ANY(%s)'], params=[list(values)]
    )
