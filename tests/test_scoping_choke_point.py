"""One way to scope (issue 8): ``restrict()`` for a model's rows, ``scope_condition()`` for rows
that are not its own (history tables, raw queries), and nothing outside assets/scoping.py
reaching for its private helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from guardian.shortcuts import assign_perm

from assets.history import change_context
from assets.models import Asset
from assets.scoping import ADD, PERMISSIONS, VIEW, has_permission, roles_of, scope_condition, sees_everything
from ledgers.forms import allowed_import_kinds
from ledgers.models import ImportBatch, LedgerExportJob

ROOT = Path(__file__).resolve().parent.parent
SCOPING = "assets.scoping"
SKIPPED_DIRS = {"migrations", "__pycache__", "node_modules"}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    package = package if is_package else package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def private_uses(source: str, module: str = "somewhere", is_package: bool = False) -> list[str]:
    """Private names of assets.scoping that ``source`` imports or reads: ``from assets.scoping
    import _x``, and ``scoping._x`` / ``assets.scoping._x`` through an imported module."""
    tree = ast.parse(source)
    aliases: set[str] = set()  # names bound to the assets.scoping module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _absolute(node, module, is_package)
            for alias in node.names:
                if origin == SCOPING and _is_private(alias.name):
                    found.append(f"from {origin} import {alias.name} (line {node.lineno})")
                if f"{origin}.{alias.name}" == SCOPING:
                    aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == SCOPING:
                    aliases.add(alias.asname or SCOPING)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr) and ast.unparse(node.value) in aliases:
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def python_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in parts[:-1]):
            continue
        files.append(path)
    return files


def test_nothing_outside_the_choke_point_uses_its_private_helpers():
    files = [path for path in python_files() if path != ROOT / "assets" / "scoping.py"]
    assert any(path.parts[-2:] == ("exports", "source.py") for path in files)  # the walk reaches the apps
    found = {
        str(path.relative_to(ROOT)): uses
        for path in files
        if (uses := private_uses(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py"))
    }
    assert found == {}


def test_the_import_walk_sees_every_way_of_reaching_a_private_name():
    assert private_uses("from assets.scoping import VIEW, _holds_object_grants")
    assert private_uses("from assets import scoping\nscoping._holds_object_grants(u, m)")
    assert private_uses("from assets import scoping as s\ns._R")
    assert private_uses("import assets.scoping\nassets.scoping._RW")
    assert private_uses("from .scoping import _R", module="assets.actions")
    assert private_uses("from .. import scoping\nscoping._R", module="assets.views", is_package=True)
    assert not private_uses("from .scoping import _R", module="assets.views", is_package=True)  # another module
    assert private_uses("from ..scoping import _R", module="assets.views.base")
    assert not private_uses("from assets.scoping import VIEW, scope_condition\nfrom other import _x\nself._x")
    assert not private_uses("from assets import scoping\nscoping.__name__")


# --- scope_condition: the condition restrict() applies, for rows that are not the model's own -----


def historical_ids(user, action=VIEW, history_type: str | None = None) -> set[int]:
    """The assets with a row in the history table that the user may see."""
    rows = Asset.history.filter(scope_condition(user, Asset, action, object_id="id"))
    if history_type:
        rows = rows.filter(history_type=history_type)
    return set(rows.values_list("id", flat=True))


def live_ids(user, action=VIEW) -> set[int]:
    return set(Asset.objects.restrict(user, action).values_list("pk", flat=True))


@pytest.mark.django_db
def test_history_rows_are_scoped_exactly_like_the_live_rows(world):
    everything = set(Asset.objects.values_list("pk", flat=True))
    for name in world.users:
        user = world.user(name)
        for action in (VIEW, ADD, "change", "delete"):
            assert historical_ids(user, action) == live_ids(user, action), (name, action)
    assert historical_ids(world.user("county")) == everything
    assert historical_ids(world.user("norole")) == set()


@pytest.mark.django_db
def test_an_object_grant_reaches_the_history_rows_of_that_asset_only(world):
    outside = world.assets[2][0]
    changed = [*world.assets[0], outside]
    with change_context(None, "a later change"):
        for asset in changed:
            asset.remarks = "changed"
            asset.save()
    # the grant must be joined on the asset's id, not on the history row's own key
    assert Asset.history.get(id=outside.pk, history_type="~").history_id != outside.pk
    user = world.user("village1")
    assign_perm("view_asset", user, outside)
    user = world.user("village1")
    own = {asset.pk for asset in world.assets[0]}
    assert historical_ids(user, history_type="~") == live_ids(user) == own | {outside.pk}
    assert historical_ids(user, "change", history_type="~") == own


# --- records private to their owner: export jobs and import batches -------------------------------


@pytest.mark.django_db
def test_export_jobs_and_import_batches_are_their_owners_only(world):
    clerk, county = world.user("village1"), world.user("county")
    clerk_job = LedgerExportJob.objects.create(created_by=clerk, ledger="village")
    county_job = LedgerExportJob.objects.create(created_by=county, ledger="county")
    batch = ImportBatch.objects.create(kind="assets", uploaded_by=clerk, original_name="a.xlsx", sha256="0" * 64)
    assert set(LedgerExportJob.objects.restrict(clerk, VIEW)) == {clerk_job}
    assert set(LedgerExportJob.objects.restrict(county, VIEW)) == {county_job}  # county-wide, yet not others'
    assert set(ImportBatch.objects.restrict(clerk, VIEW)) == {batch}
    assert not ImportBatch.objects.restrict(county, VIEW).exists()
    assert not LedgerExportJob.objects.restrict(clerk, "change").exists()  # jobs are not edited by hand
    # a role without the right reaches nothing, not even a row that names it
    township = world.user("township1")
    ImportBatch.objects.create(kind="assets", uploaded_by=township, original_name="b.xlsx", sha256="1" * 64)
    assert not ImportBatch.objects.restrict(township, VIEW).exists()


@pytest.mark.django_db
def test_the_roles_that_may_upload_are_the_roles_that_may_import_some_kind(world):
    roles = set()
    for name in world.users:
        user = world.user(name)
        assert has_permission(user, "import_batch", ADD) == bool(allowed_import_kinds(user)), name
        roles |= roles_of(user)
    assert roles == set(PERMISSIONS)  # every role was asked


@pytest.mark.django_db
def test_sees_everything_is_a_county_wide_role(world):
    assert sees_everything(world.user("county"), "ledger", VIEW)
    assert not sees_everything(world.user("township1"), "ledger", VIEW)
    assert not sees_everything(world.user("norole"), "asset", VIEW)
