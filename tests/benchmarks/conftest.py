"""Benchmarks run against the seeded benchmark database itself, not a fresh test database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangfu_bench \
        .venv/bin/pytest -p no:cacheprovider -s tests/benchmarks

(The default run ignores tests/benchmarks; naming the folder collects it.) Each test still runs
inside a transaction that is rolled back, so sessions made by logins vanish.
"""

import pytest


@pytest.fixture(scope="session")
def django_db_setup() -> None:
    """Use the database DATABASE_URL names, as it is (pytest-django: an existing database)."""
