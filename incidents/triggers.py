"""Database guard against cycles in the incident and location trees.

A node's id appears in the materialised path of every node below it, so a
parent whose path contains the node's id would close a loop. CHECK
constraints cannot look at another row, hence a trigger per vendor.

SQLite drops a table's triggers whenever a migration rebuilds the table, so
`install` runs after every `migrate` (see IncidentsConfig.ready) as well as in
the migration that introduced it; it is idempotent.
"""

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
DROP TRIGGER IF EXISTS {table}_no_cycle ON {table};
CREATE TRIGGER {table}_no_cycle BEFORE UPDATE OF parent_id ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_no_cycle();
"""
SQLITE = """
CREATE TRIGGER IF NOT EXISTS {table}_no_cycle BEFORE UPDATE OF parent_id ON {table}
WHEN NEW.parent_id IS NOT NULL AND EXISTS (
  SELECT 1 FROM {table} p
  WHERE p.id = NEW.parent_id AND p.path LIKE '%/' || NEW.id || '/%'
)
BEGIN SELECT RAISE(ABORT, 'a record cannot be placed below itself'); END;
"""
TEMPLATES = {"postgresql": POSTGRES, "sqlite": SQLITE}


def install(connection) -> None:
    template = TEMPLATES.get(connection.vendor)
    if template is None:
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in TABLES:
            if table in existing:
                cursor.execute(template.format(table=table), None)


def install_after_migrate(sender, using, **kwargs) -> None:
    from django.db import connections

    install(connections[using])
