"""A small world for tests: two townships with two villages each, one user per role, and a
few projects, households and assets in every village. Built through the action functions so
that every row has its history, as in real use."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from assets.actions import do_create_asset, do_create_household, do_create_project
from assets.choices import AssetClass, OrganisationKind, Role, TownshipKind
from assets.history import change_context
from assets.models import Asset, AssetCategory, Household, Organisation, Project, Region, RoleAssignment, User
from assets.models.households import id_number_check_digit

PASSWORD = "Demo@2026"
_serial = itertools.count(1)


def make_id_number(village_code: str, n: int) -> str:
    first17 = f"{village_code[:6]}1980{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + id_number_check_digit(first17)


@dataclass
class World:
    county: Region
    townships: list[Region]
    villages: list[Region]  # villages[0], [1] in townships[0]; [2], [3] in townships[1]
    users: dict[str, User] = field(default_factory=dict)
    assets: dict[int, list[Asset]] = field(default_factory=dict)  # by village index
    households: dict[int, list[Household]] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)

    def user(self, name: str) -> User:
        """A fresh instance (no cached scope) of the named user."""
        return User.objects.get(pk=self.users[name].pk)


def make_user(username: str, role: str | None, organisation: Organisation | None, **extra) -> User:
    user = User.objects.create_user(username, password=PASSWORD, full_name=username, **extra)
    if role:
        RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    return user


def ensure_reference_data() -> None:
    """The county, its organisations and the categories of migration 0002, if a transactional
    test's flush removed them (the loader is idempotent)."""
    if Region.objects.filter(level="county").exists():
        return
    from importlib import import_module

    from django.apps import apps

    import_module("assets.migrations.0002_reference_data").load(apps, None)


def build_world(assets_per_village: int = 2) -> World:
    ensure_reference_data()
    county = Region.objects.get(level="county")
    with change_context(None, "test world"):
        townships, villages = [], []
        for t in range(2):
            township = Region.objects.create(
                code=f"6531271{t:02d}", name=f"测试乡{t + 1}", level="township", parent=county,
                township_kind=TownshipKind.XIANG,
            )
            townships.append(township)
            Organisation.objects.create(code=f"twp-{township.code}", name=f"{township.name}人民政府",
                                        kind=OrganisationKind.TOWNSHIP_GOVERNMENT, region=township)
            for v in range(2):
                village = Region.objects.create(
                    code=f"{township.code}2{v:02d}", name=f"{township.name}{v + 1}村", level="village", parent=township
                )
                villages.append(village)
                Organisation.objects.create(code=f"col-{village.code}", name=f"{village.name}股份经济合作社",
                                            kind=OrganisationKind.VILLAGE_COLLECTIVE, region=village)
        world = World(county=county, townships=townships, villages=villages)
        org = Organisation.objects.get
        world.users = {
            "admin": User.objects.create_superuser("admin", password=PASSWORD),
            "county": make_user("county", Role.COUNTY_AGRI, org(code="agri_bureau")),
            "finance": make_user("finance", Role.FINANCE, org(code="finance_bureau")),
            "auditor": make_user("auditor", Role.AUDITOR, org(code="audit_bureau")),
            "dept_water": make_user("dept_water", Role.DEPARTMENT_STAFF, org(code="dept_water")),
            "township1": make_user("township1", Role.TOWNSHIP_OFFICIAL, org(code=f"twp-{townships[0].code}")),
            "township2": make_user("township2", Role.TOWNSHIP_OFFICIAL, org(code=f"twp-{townships[1].code}")),
            "village1": make_user("village1", Role.VILLAGE_CLERK, org(code=f"col-{villages[0].code}")),
            "village1b": make_user("village1b", Role.VILLAGE_CLERK, org(code=f"col-{villages[1].code}")),
            "village2": make_user("village2", Role.VILLAGE_CLERK, org(code=f"col-{villages[2].code}")),
            "norole": make_user("norole", None, None),
        }
    county_user = world.users["county"]
    water = AssetCategory.objects.get(code="drinking_water")
    workshop = AssetCategory.objects.get(code="workshop")
    livestock = AssetCategory.objects.get(code="livestock")
    for index, village in enumerate(villages):
        households = [
            do_create_household(
                {"head_name": f"户主{index}-{n}", "id_number": make_id_number(village.code, next(_serial)),
                 "village": village, "is_poverty_alleviated": True, "members_count": 4},
                acting_user=county_user,
            )
            for n in range(2)
        ]
        world.households[index] = households
        project = do_create_project(
            {"code": f"XM-{village.code}", "name": f"{village.name}帮扶项目", "year": 2020,
             "implementing_organisation": org(code=f"col-{village.code}"), "region": village,
             "total_investment": Decimal("300000.00")},
            funding_lines=[{"source": "special_poverty_fund", "amount": "300000.00"}],
            covered_region_ids=[village.pk], acting_user=county_user,
        )
        world.projects[index] = project
        made = []
        for n in range(assets_per_village):
            category = [water, workshop, livestock][n % 3]
            asset_class = category.asset_class
            value = Decimal("100000.00")
            made.append(do_create_asset(
                {"code": f"ZC-{village.code}-{n:03d}", "name": f"{village.name}{category.name}{n}",
                 "asset_class": asset_class, "category": category, "form": category.default_form,
                 "region": village, "project": project, "year_formed": 2020, "quantity": Decimal(1),
                 "unit": "头" if asset_class == AssetClass.HOUSEHOLD else "处",
                 "valuation_basis": "actual_expenditure", "original_value": value,
                 "depreciation_method": category.default_depreciation_method,
                 "useful_life_years": category.default_useful_life_years,
                 "ownership_type": "household" if asset_class == AssetClass.HOUSEHOLD else "collective",
                 "owner_household": households[0] if asset_class == AssetClass.HOUSEHOLD else None,
                 "owner_organisation": None if asset_class == AssetClass.HOUSEHOLD
                 else org(code=f"col-{village.code}")},
                funding_lines=[{"source": "special_poverty_fund", "amount": str(value)}],
                beneficiary_ids=[h.pk for h in households], acting_user=county_user,
            ))
        world.assets[index] = made
    return world
