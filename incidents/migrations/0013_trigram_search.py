"""Trigram indexes for the searches that match any part of a name, on
PostgreSQL.

The incident search (`search=`: `UPPER(title) LIKE '%...%' OR UPPER(summary)
LIKE ...`) scanned both columns of every incident: 1.4 s at 100,000
(issue 11). The place search scanned every location: 130 ms per keystroke
with the world's towns loaded (180,000 rows). pg_trgm's GIN indexes answer
each LIKE from the index (an OR as a BitmapOr), with the same rows as before.
SQLite has neither and scans, so the indexes are made on PostgreSQL only and
are not declared on the models.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "location_name_upper_trgm": ("incidents_location", "name"),
    "incident_title_upper_trgm": ("incidents_incident", "title"),
    "incident_summary_upper_trgm": ("incidents_incident", "summary"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, column) in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                f"USING gin (UPPER({column}) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_web_imports")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
