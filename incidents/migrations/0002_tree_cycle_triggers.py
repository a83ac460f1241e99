"""Database guard against cycles in the incident and location trees.

A node's id appears in the materialised path of every node below it, so a
parent whose path contains the node's id would close a loop. CHECK
constraints cannot look at another row, hence a trigger per vendor.
"""

from django.db import migrations

TABLES = ("incidents_incident", "incidents_location")

POSTGRES = """
CREATE OR REPLACE FUNCTION {table}_no_cycle() RETURNS trigger AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM {table} p
    WHERE p.id = NEW.parent_id AND p.path LIKE '%/' || NEW.id || '/%'
  ) THEN
    RAISE EXCEPTION 'a record cannot be placed below itself'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_cycle BEFORE UPDATE OF parent_id ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_no_cycle();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS {table}_no_cycle ON {table};
DROP FUNCTION IF EXISTS {table}_no_cycle();
"""
SQLITE = """
CREATE TRIGGER {table}_no_cycle BEFORE UPDATE OF parent_id ON {table}
WHEN NEW.parent_id IS NOT NULL AND EXISTS (
  SELECT 1 FROM {table} p
  WHERE p.id = NEW.parent_id AND p.path LIKE '%/' || NEW.id || '/%'
)
BEGIN SELECT RAISE(ABORT, 'a record cannot be placed below itself'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS {table}_no_cycle;"


def _run(templates):
    def run(apps, schema_editor):
        template = templates.get(schema_editor.connection.vendor)
        if template is None:
            return
        for table in TABLES:
            schema_editor.execute(template.format(table=table), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}),
        )
    ]
