"""Trigram indexes for the list's text search on name and code (PostgreSQL only)."""

from django.db import migrations

INDEXES = [
    ("asset_name_trgm", "assets_asset", "name"),
    ("asset_code_trgm", "assets_asset", "code"),
    ("project_name_trgm", "assets_project", "name"),
    ("household_head_trgm", "assets_household", "head_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("assets", "0002_reference_data")]
    operations = [migrations.RunPython(create, drop)]
