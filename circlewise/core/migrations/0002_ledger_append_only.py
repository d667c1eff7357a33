"""The database itself refuses UPDATE and DELETE on the ledger, on SQLite and on PostgreSQL."""

from django.db import migrations

MESSAGE = "the ledger is append-only"

SQLITE_FORWARD = [
    f"CREATE TRIGGER core_ledger_no_update BEFORE UPDATE ON core_ledgerevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER core_ledger_no_delete BEFORE DELETE ON core_ledgerevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_ledger_no_update;",
    "DROP TRIGGER IF EXISTS core_ledger_no_delete;",
]
POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION core_ledger_refuse_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
    $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER core_ledger_no_update BEFORE UPDATE ON core_ledgerevent "
    "FOR EACH ROW EXECUTE FUNCTION core_ledger_refuse_change();",
    "CREATE TRIGGER core_ledger_no_delete BEFORE DELETE ON core_ledgerevent "
    "FOR EACH ROW EXECUTE FUNCTION core_ledger_refuse_change();",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_ledger_no_update ON core_ledgerevent;",
    "DROP TRIGGER IF EXISTS core_ledger_no_delete ON core_ledgerevent;",
    "DROP FUNCTION IF EXISTS core_ledger_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
