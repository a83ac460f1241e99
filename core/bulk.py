"""Insert many new rows with one history row each, fast.

Django's bulk_create compiles every value of every row through the field
machinery, and django-simple-history's bulk_history_create builds a model
instance per history row and does it again: at 100,000 imported events that
is most of the import's time. On PostgreSQL the rows go through COPY instead,
with their ids taken from the sequence first (so that history rows, links and
the objects themselves know them); elsewhere, and for a handful of rows, the
Django calls do the same job.

Rows are model instances with every value set as the database should store
it (pre_save runs, so auto_now and auto_now_add apply); no signal is sent.
"""

import json
from collections.abc import Sequence

from django.db import connection
from django.db.models import FileField, JSONField
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

COPY_THRESHOLD = 200
ANALYZE_AFTER = 10_000  # rows written, beyond which the statistics are refreshed


def insert(objects: Sequence, *, user=None, reason: str = "", history=True) -> None:
    """Insert these new instances of one model (ids set on them) and, with
    `history`, one `+` history row each, by `user`, saying `reason`."""
    if not objects:
        return
    model = type(objects[0])
    if not copies(len(objects)):
        model.objects.bulk_create(objects, batch_size=500)
        if history:
            get_history_manager_for_model(model).bulk_history_create(
                objects, batch_size=500, default_user=user, default_change_reason=reason
            )
        return
    unnumbered = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(unnumbered, new_ids(model, len(unnumbered)), strict=True):
        obj.pk = pk
    for obj in objects:
        obj._state.adding = False
    fields = model._meta.concrete_fields
    rows = [
        [_stored(field, field.pre_save(obj, True)) for field in fields]
        for obj in objects
    ]
    copy(model._meta.db_table, [field.column for field in fields], rows)
    if history:
        _history(model, fields, rows, user, reason)


def insert_rows(
    model, rows: Sequence[dict], *, user=None, reason: str = "", history=True
) -> list[int]:
    """`insert` for rows given as {attname: value}, every other column at its
    default; returns their ids, in order.

    At 100,000 imported events, building a model instance for each of the
    million rows they make was the import's largest cost in Python, and COPY
    needs only the values. Below the COPY threshold, and off PostgreSQL, the
    rows become instances and go through `insert`.
    """
    if not rows:
        return []
    if not copies(len(rows)):
        objects = [model(**row) for row in rows]
        insert(objects, user=user, reason=reason, history=history)
        return [obj.pk for obj in objects]
    fields = model._meta.concrete_fields
    pk = model._meta.pk.attname
    missing = [index for index, row in enumerate(rows) if row.get(pk) is None]
    ids = [row.get(pk) for row in rows]
    for index, new in zip(missing, new_ids(model, len(missing)), strict=True):
        ids[index] = new
    now = timezone.now()
    defaults = [
        now
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        else field.get_default()
        for field in fields
    ]
    names = [field.attname for field in fields]
    at_pk = names.index(pk)
    encoded = [i for i, field in enumerate(fields) if isinstance(field, JSONField)]
    table = []
    for row, row_id in zip(rows, ids, strict=True):
        values = [
            row.get(name, default)
            for name, default in zip(names, defaults, strict=True)
        ]
        values[at_pk] = row_id
        for index in encoded:
            values[index] = _stored(fields[index], values[index])
        table.append(values)
    copy(model._meta.db_table, [field.column for field in fields], table)
    if history:
        _history(model, fields, table, user, reason)
    return ids


def copies(count: int) -> bool:
    """Whether `insert` of this many rows goes through COPY (and so whether a
    caller can take the ids first, with `new_ids`)."""
    return connection.vendor == "postgresql" and count >= COPY_THRESHOLD


def new_ids(model, count: int) -> list[int]:
    """Ids taken from the table's sequence up front."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _history(model, fields, rows, user, reason: str) -> None:
    """The history rows of new rows: the tracked columns as inserted, then
    simple_history's own."""
    historical = get_history_manager_for_model(model).model
    values = {field.attname: index for index, field in enumerate(fields)}
    extra = {
        "history_date": timezone.now(),
        "history_change_reason": reason or None,
        "history_type": "+",
        "history_user_id": getattr(user, "pk", None),
    }
    columns, picks = [], []
    for field in historical._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(field.column)
        picks.append(values.get(field.attname, field.attname))
    copy(
        historical._meta.db_table,
        columns,
        (
            [row[pick] if isinstance(pick, int) else extra[pick] for pick in picks]
            for row in rows
        ),
    )


def _stored(field, value):
    """What COPY takes for a value: JSON as text, a file by its name."""
    if isinstance(field, JSONField):
        return json.dumps(value)
    if isinstance(field, FileField):
        return str(value or "")
    return value


def copy(table: str, columns: Sequence[str], rows) -> None:
    """COPY these rows (sequences of values, in `columns` order) into `table`."""
    statement = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as stream:
        for row in rows:
            stream.write_row(row)


def analyze(*models) -> None:
    """Refresh PostgreSQL's statistics of tables a bulk write just changed.

    Until autovacuum gets to them, minutes later, the planner works from the
    old counts: right after a rebuild from empty it took 2.2 million tallies
    for one row, and joined the 400,000-row CSV export against them in a
    nested loop that ran for over ten minutes (the export, when analysed: a
    few seconds). ANALYZE samples each table: about a second."""
    if connection.vendor != "postgresql" or not models:
        return
    tables = ", ".join(f'"{model._meta.db_table}"' for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
