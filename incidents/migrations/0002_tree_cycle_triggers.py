"""Database guard against cycles in the incident and location trees.

The SQL lives in incidents/triggers.py, which also reinstalls it after every
migrate (SQLite loses triggers when a migration rebuilds a table).
"""

from django.db import migrations


def install(apps, schema_editor):
    from incidents.triggers import install

    install(schema_editor.connection)


def remove(apps, schema_editor):
    from incidents.triggers import TABLES

    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_cycle ON {table}")
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_cycle")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
