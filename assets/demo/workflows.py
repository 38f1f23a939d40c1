"""The demo's workflows in every state, so that each demo account's inbox has work.

``seed_demo`` calls `seed_workflows` after the demo register exists (it creates the accounts
county, finance, auditor, dept_water, township1, village1, village2). This module adds the
account ``committee`` (finance staff of 县委财经委员会, who passes transfers and state-owned
disposals) and runs every seeder that a feature app registered from its ``AppConfig.ready()``
with `register_workflow_seeder` (transfers, disposals, revenue …), in their order, each walking
its items through the chain as the real demo users, through the same action functions as the
web pages, so that every step has its trail and history. Idempotent: when the demo's ``YS-LC-``
projects exist it does nothing.

The helpers below (places, a demo project, a demo asset, a stand-in document) are for those
seeders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assets.actions import do_create_asset, do_create_project
from assets.choices import OrganisationKind, RegionLevel, Role
from assets.history import change_context
from assets.models import Asset, AssetCategory, Household, Organisation, Project, Region, RoleAssignment, User

MARKER = "YS-LC-"
REASON = "演示数据"
DEFAULT_PASSWORD = "Demo@2026"


@dataclass
class DemoPlaces:
    users: dict[str, User]
    village1: Region
    village2: Region
    township1: Region
    collective1: Organisation
    collective2: Organisation
    neighbour: Organisation | None  # another village collective in township1, for shares

    def user(self, name: str) -> User:
        return User.objects.get(pk=self.users[name].pk)  # fresh: no cached scope


def ensure_committee_account(password: str) -> User:
    """县委财经委员会's demo member (role finance): passes transfers and state disposals."""
    committee = Organisation.objects.get(kind=OrganisationKind.FINANCE_COMMITTEE, code="finance_committee")
    user = User.objects.filter(username="committee").first()
    if user is None:
        user = User.objects.create_user("committee", password=password, full_name=f"{committee.name}（演示）")
    RoleAssignment.objects.get_or_create(user=user, role=Role.FINANCE, organisation=committee)
    return user


def _organisation_of(user: User, role: str) -> Organisation:
    return RoleAssignment.objects.select_related("organisation__region").get(
        user=user, role=role, is_active=True).organisation


def demo_places() -> DemoPlaces:
    names = ["county", "finance", "dept_water", "township1", "village1", "village2", "committee"]
    users = {user.username: user for user in User.objects.filter(username__in=names)}
    missing = sorted(set(names) - users.keys())
    if missing:
        raise ValueError(f"demo accounts missing: {', '.join(missing)} (run seed_demo first)")
    collective1 = _organisation_of(users["village1"], Role.VILLAGE_CLERK)
    collective2 = _organisation_of(users["village2"], Role.VILLAGE_CLERK)
    village1 = collective1.region
    neighbour = Organisation.objects.filter(
        kind=OrganisationKind.VILLAGE_COLLECTIVE, region__township_id=village1.township_id,
        region__level=RegionLevel.VILLAGE,
    ).exclude(pk=collective1.pk).order_by("code").first()
    return DemoPlaces(users=users, village1=village1, village2=collective2.region,
                      township1=Region.objects.get(pk=village1.township_id), collective1=collective1,
                      collective2=collective2, neighbour=neighbour)


def demo_project(places: DemoPlaces, suffix: str, name: str, *, implementer: Organisation, region: Region,
                 covered: list[Region], year: int = 2025) -> Project:
    return do_create_project(
        {"code": f"{MARKER}{suffix}", "name": name, "year": year, "implementing_organisation": implementer,
         "region": region, "total_investment": Decimal("1200000.00"), "completion_date": timezone.localdate(),
         "needs_final_accounts": False},
        funding_lines=[{"source": "revitalization_subsidy", "amount": "1200000.00"}],
        covered_region_ids=[r.pk for r in covered], acting_user=places.user("county"), reason=REASON,
    )


def demo_asset(places: DemoPlaces, project: Project, suffix: str, category: str, name: str, *, village: Region,
               value: str = "180000.00", owner: Organisation | None = None, ownership: str = "",
               household: Household | None = None, **extra: Any) -> Asset:
    cat = AssetCategory.objects.get(code=category)
    return do_create_asset(
        {"code": f"{MARKER}{suffix}", "name": name, "asset_class": cat.asset_class, "category": cat,
         "form": cat.default_form, "region": village, "project": project, "year_formed": project.year,
         "quantity": Decimal(1), "unit": "头" if category == "livestock" else "处",
         "valuation_basis": "actual_expenditure", "original_value": Decimal(value),
         "depreciation_method": cat.default_depreciation_method, "useful_life_years": cat.default_useful_life_years,
         "ownership_type": ownership, "owner_organisation": owner, "owner_household": household, **extra},
        funding_lines=[{"source": "revitalization_subsidy", "amount": value}],
        acting_user=places.user("county"), reason=REASON,
    )


def document(name: str, text: str) -> ContentFile:
    """A small stand-in for a scanned document attached in the demo."""
    return ContentFile(f"{text}\n".encode(), name=name)


WorkflowSeeder = Callable[["DemoPlaces", Counter], None]
_SEEDERS: list[tuple[int, str, WorkflowSeeder]] = []


def register_workflow_seeder(order: int, name: str, seeder: WorkflowSeeder) -> None:
    """A feature app's demo seeder, run by `seed_workflows` in ``order`` (a later chain may build
    on what an earlier one made, e.g. a disposal of a transferred asset)."""
    if any(known == name for _order, known, _seeder in _SEEDERS):
        return  # ready() ran twice (a test re-populating apps): keep the first
    _SEEDERS.append((order, name, seeder))
    _SEEDERS.sort(key=lambda entry: entry[0])


@transaction.atomic
def seed_workflows(password: str | None = None) -> Counter:
    """Demo items of every registered chain in every state (see the module's docstring)."""
    created: Counter = Counter()
    if Project.objects.filter(code__startswith=MARKER).exists():
        return created
    ensure_committee_account(password or DEFAULT_PASSWORD)
    places = demo_places()
    with change_context(None, REASON):
        for _order, _name, seeder in _SEEDERS:
            seeder(places, created)
    return created
