"""Shared steps of the workflow tests: the records a chain needs, the API calls of a walk, and
the "nothing changed" check of a refused act."""

from __future__ import annotations

import datetime
import subprocess
import threading
from collections.abc import Callable
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from assets.actions import do_create_asset, do_create_project
from assets.models import Asset, AssetCategory, Organisation, Project, Region
from tests.conftest import close_thread_connections
from tests.factories import World


def ensure_reference_data() -> None:
    """Reload the county, its organisations and the categories (data migration 0002) when a
    transactional test finds them flushed. serialized_rollback should restore them, but once the
    session's Playwright browser runs an event loop in this thread, Django hands this thread a new
    connection object without the serialized copy, and nothing is restored."""
    if Region.objects.filter(level="county").exists():
        return
    from django.apps import apps

    import_module("assets.migrations.0002_reference_data").load(apps, None)


def collective(world: World, index: int) -> Organisation:
    return Organisation.objects.get(code=f"col-{world.villages[index].code}")


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def make_project(world: World, code: str, *, implementer: Organisation, region: Region,
                 covered: list[Region]) -> Project:
    return do_create_project(
        {"code": code, "name": f"测试项目{code}", "year": 2021, "implementing_organisation": implementer,
         "region": region, "total_investment": Decimal("500000.00")},
        funding_lines=[{"source": "special_poverty_fund", "amount": "500000.00"}],
        covered_region_ids=[r.pk for r in covered], acting_user=world.user("county"),
    )


def make_asset(world: World, project: Project, *, category: str, village: Region, code: str,
               owner: Organisation | None = None, household: Any = None, **extra: Any) -> Asset:
    cat = AssetCategory.objects.get(code=category)
    value = Decimal("200000.00")
    data = {
        "code": code, "name": f"{village.name}{cat.name}", "asset_class": cat.asset_class, "category": cat,
        "form": cat.default_form, "region": village, "project": project, "year_formed": 2021,
        "quantity": Decimal(1), "unit": "处", "valuation_basis": "actual_expenditure", "original_value": value,
        "depreciation_method": cat.default_depreciation_method, "useful_life_years": cat.default_useful_life_years,
        "ownership_type": ("household" if household else ("state" if owner and owner.kind != "village_collective"
                                                             else ("collective" if owner else ""))),
        "owner_organisation": owner, "owner_household": household, **extra,
    }
    return do_create_asset(data, funding_lines=[{"source": "special_poverty_fund", "amount": str(value)}],
                           acting_user=world.user("county"))


def chinese(text: str) -> bool:
    """A refusal is explained in Chinese (the exact wording is the translators')."""
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def snapshot(model: Any, pk: int) -> tuple:
    """What a refused act must leave as it was."""
    item = model._base_manager.get(pk=pk)
    return (item.status, item.round, item.current_step, item.pending_role, item.pending_organisation_id,
            item.decisions.count(), item.updated_at)


def post(client: APIClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
    return client.post(url, data or {}, format=kwargs.pop("format", "json"), **kwargs)


def today() -> datetime.date:
    return timezone.localdate()


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def at_once(*acts: Callable[..., Any], prepare: Callable[[], Any] | None = None) -> list[Any]:
    """Run the acts in threads released together by a barrier; each result is the act's value or
    its exception (the loser's refusal is what a race test looks at). With ``prepare``, each thread
    first calls it (e.g. loads the item the person had on screen) and passes its value to the act."""
    barrier = threading.Barrier(len(acts))
    results: list[Any] = [None] * len(acts)

    def run(index: int, act: Callable[..., Any]) -> None:
        try:
            args = (prepare(),) if prepare is not None else ()
            barrier.wait(timeout=10)
            results[index] = act(*args)
        except Exception as exc:
            results[index] = exc
        finally:
            close_thread_connections()

    threads = [threading.Thread(target=run, args=(i, act)) for i, act in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
