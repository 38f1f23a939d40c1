"""Trigram indexes that the list searches can actually use (PostgreSQL only).

The searches filter with ``icontains``, which Django writes on PostgreSQL as
``UPPER("assets_asset"."name"::text) LIKE UPPER('%保鲜库%')``. The plain-column trigram indexes of
0003 cannot serve that expression, so every search scanned the whole table (about 0.8 s at
1,000,000 assets, tests/benchmarks/bench_asset_list.py). These indexes are on the very
expression; the 0003 ones, which no query used but every insert paid for, are dropped.
"""

from django.db import migrations

# name, table, column
INDEXES = [
    ("asset_name_upper_trgm", "assets_asset", "name"),
    ("asset_code_upper_trgm", "assets_asset", "code"),
    ("project_name_upper_trgm", "assets_project", "name"),
    ("project_code_upper_trgm", "assets_project", "code"),
    ("household_head_upper_trgm", "assets_household", "head_name"),
]
REPLACED = [
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
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )
    for name, _table, _column in REPLACED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in REPLACED:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("assets", "0003_search_indexes")]
    operations = [migrations.RunPython(create, drop)]
