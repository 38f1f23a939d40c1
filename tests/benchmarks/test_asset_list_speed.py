"""The asset list benchmark under pytest (see bench_asset_list.py for what it measures)."""

import os

import pytest
from django.db import connection

from assets.models import Asset
from tests.benchmarks.bench_asset_list import HEADER, run

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]


def test_asset_list_speed() -> None:
    if connection.vendor != "postgresql" or Asset.objects.count() < 100_000:
        pytest.skip("needs the seeded PostgreSQL benchmark database (tests/benchmarks/bench_seed.py)")
    print("\n" + HEADER)
    results = run(repeat=30)
    assert all(r.constant_queries for r in results), "queries per page depend on the page size"
    if os.environ.get("BENCH_ASSERT_TARGETS"):
        assert all(r.meets_target for r in results), "p95 targets missed"
