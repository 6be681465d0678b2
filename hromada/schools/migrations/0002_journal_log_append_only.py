"""
The journal's change log is append-only in the database itself.

MoES order №707 (2022): the electronic journal is protected from unauthorised
change or deletion. Triggers refuse UPDATE and DELETE on the log table, so
neither the application, the back office nor raw SQL can rewrite history.
"""

from django.db import migrations

TABLE = "schools_journalchange"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the journal change log is append-only (% refused)', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse();
    """,
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse();",
]
SQLITE = [
    f"""
    CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the journal change log is append-only (UPDATE refused)'); END;
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the journal change log is append-only (DELETE refused)'); END;
    """,
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
]


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
