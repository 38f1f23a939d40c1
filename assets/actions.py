"""State changes of the register, one ``do_<verb>`` function each (Zulip's pattern).

Each is atomic, runs inside a change context (so every history row it writes names the acting
user, the reason and one request id), validates the whole record before saving, and re-checks
after saving that the record is still inside the acting user's scope: a village clerk cannot
move an asset into another village. Views and API viewsets only validate input and call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from assets.duplicates import check_same_village, register_duplicate_cases
from assets.history import change_context
from assets.locks import check_manual_change
from assets.models import (
    Asset,
    AssetBeneficiary,
    AssetFundingLine,
    AssetRegistration,
    Household,
    Project,
    ProjectFundingLine,
    User,
)
from assets.scoping import ADD, CHANGE
from assets.validators import validate_funding_total

M = TypeVar("M", bound=models.Model)
FundingInput = Iterable[Mapping[str, Any]]


def _assign(obj: models.Model, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)


def _check_in_scope(obj: models.Model, acting_user: User, action: str) -> None:
    """NetBox's post-save check: the saved row must still be inside the user's scope."""
    if not type(obj).objects.restrict(acting_user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("This record would be outside your area of responsibility."))


def _sync_funding_lines(owner: models.Model, model: type[models.Model], fk: str, lines: FundingInput) -> None:
    """Make the owner's funding lines equal ``lines`` (one per source), writing history for
    every line added, changed or removed."""
    wanted = {line["source"]: Decimal(line["amount"]) for line in lines}
    existing = {line.source: line for line in model.objects.filter(**{fk: owner})}
    for source, line in existing.items():
        if source not in wanted:
            line.delete()
        elif line.amount != wanted[source]:
            line.amount = wanted[source]
            line.save()
    for source, amount in wanted.items():
        if source not in existing:
            model.objects.create(**{fk: owner, "source": source, "amount": amount})


def _funding_amounts(lines: FundingInput | None, fallback: Iterable[models.Model]) -> list[Decimal]:
    if lines is not None:
        return [Decimal(line["amount"]) for line in lines]
    return [line.amount for line in fallback]


def _validate_sources(lines: FundingInput | None) -> None:
    if lines is None:
        return
    sources = [line["source"] for line in lines]
    if len(sources) != len(set(sources)):
        raise ValidationError({"funding_lines": _("Each funding source may appear once.")})


# --- assets -------------------------------------------------------------------------------------


def _save_asset(
    asset: Asset,
    *,
    funding_lines: FundingInput | None,
    beneficiary_ids: Iterable[int] | None,
    registrations: Iterable[Mapping[str, Any]] | None,
    acting_user: User,
    action: str,
) -> Asset:
    _validate_sources(funding_lines)
    existing_lines = asset.funding_lines.all() if asset.pk else []
    asset.fill_derived()
    asset.full_clean()
    validate_funding_total(
        asset.original_value, _funding_amounts(funding_lines, existing_lines), field=_("the original value")
    )
    asset.save()
    if funding_lines is not None:
        _sync_funding_lines(asset, AssetFundingLine, "asset", funding_lines)
    if beneficiary_ids is not None:
        _sync_beneficiaries(asset, set(beneficiary_ids), acting_user)
    if registrations is not None:
        _sync_registrations(asset, registrations)
    _check_in_scope(asset, acting_user, action)
    return asset


def _sync_beneficiaries(asset: Asset, wanted: set[int], acting_user: User) -> None:
    visible = set(Household.objects.restrict(acting_user, "view").filter(pk__in=wanted).values_list("pk", flat=True))
    if visible != wanted:
        raise ValidationError({"beneficiaries": _("Some households are unknown or outside your area.")})
    current = {link.household_id: link for link in asset.beneficiary_links.all()}
    for household_id, link in current.items():
        if household_id not in wanted:
            link.delete()
    for household_id in wanted - current.keys():
        AssetBeneficiary.objects.create(asset=asset, household_id=household_id)


def _sync_registrations(asset: Asset, registrations: Iterable[Mapping[str, Any]]) -> None:
    wanted = {reg["system"]: reg for reg in registrations}
    existing = {reg.system: reg for reg in asset.registrations.all()}
    for system, reg in existing.items():
        if system not in wanted:
            reg.delete()
    for system, data in wanted.items():
        reg = existing.get(system) or AssetRegistration(asset=asset, system=system)
        if reg.pk and reg.number == data["number"] and reg.registered_on == data["registered_on"]:
            continue
        reg.number, reg.registered_on = data["number"], data["registered_on"]
        reg.full_clean()
        reg.save()


@transaction.atomic
def do_create_asset(
    data: Mapping[str, Any],
    *,
    funding_lines: FundingInput,
    beneficiary_ids: Iterable[int] = (),
    registrations: Iterable[Mapping[str, Any]] = (),
    acting_user: User,
    reason: str = "",
) -> Asset:
    with change_context(acting_user, reason or _("Asset entered")):
        check_manual_change(None, data)  # 四(八): chain-owned statuses are not chosen by hand
        asset = Asset()
        _assign(asset, data)
        if not asset.code:
            asset.code = next_asset_code(asset)
        return _save_asset(
            asset, funding_lines=funding_lines, beneficiary_ids=beneficiary_ids,
            registrations=registrations, acting_user=acting_user, action=ADD,
        )


@transaction.atomic
def do_update_asset(
    asset: Asset,
    data: Mapping[str, Any],
    *,
    funding_lines: FundingInput | None = None,
    beneficiary_ids: Iterable[int] | None = None,
    registrations: Iterable[Mapping[str, Any]] | None = None,
    acting_user: User,
    reason: str = "",
) -> Asset:
    with change_context(acting_user, reason or _("Asset edited")):
        locked = Asset.objects.restrict(acting_user, CHANGE).select_for_update().get(pk=asset.pk)
        # 四(四), 四(八): what an open transfer or disposal decides is changed only by its chain
        check_manual_change(locked, data)
        _assign(locked, data)
        return _save_asset(
            locked, funding_lines=funding_lines, beneficiary_ids=beneficiary_ids,
            registrations=registrations, acting_user=acting_user, action=CHANGE,
        )


def next_asset_code(asset: Asset) -> str:
    """ZC-<region code>-<year>-<n>: the next free number for that region and year."""
    prefix = f"ZC-{asset.region.code}-{asset.year_formed}-"
    taken = Asset.objects.filter(code__startswith=prefix).count()
    number = taken + 1
    while Asset.objects.filter(code=f"{prefix}{number:04d}").exists():
        number += 1
    return f"{prefix}{number:04d}"


# --- households ---------------------------------------------------------------------------------


def _save_household(household: Household, *, acting_user: User, action: str, id_number_changed: bool = True) -> None:
    """Validate and save; an ID number already in the same village is refused, one in another
    village opens a case for the townships without telling the user (no probing of records
    outside their scope)."""
    household.id_number = (household.id_number or "").strip().upper()
    household.full_clean(validate_constraints=False)
    check_same_village(household)
    household.validate_constraints()
    household.save()
    _check_in_scope(household, acting_user, action)
    if id_number_changed:
        register_duplicate_cases([household], acting_user=acting_user)


@transaction.atomic
def do_create_household(data: Mapping[str, Any], *, acting_user: User, reason: str = "") -> Household:
    with change_context(acting_user, reason or _("Household entered")):
        household = Household()
        _assign(household, data)
        _save_household(household, acting_user=acting_user, action=ADD)
        return household


@transaction.atomic
def do_update_household(household: Household, data: Mapping[str, Any], *, acting_user: User,
                        reason: str = "") -> Household:
    with change_context(acting_user, reason or _("Household edited")):
        locked = Household.objects.restrict(acting_user, CHANGE).select_for_update().get(pk=household.pk)
        previous_id_number = locked.id_number
        _assign(locked, data)
        _save_household(locked, acting_user=acting_user, action=CHANGE,
                        id_number_changed=locked.id_number != previous_id_number)
        return locked


# --- projects -----------------------------------------------------------------------------------


def _save_project(project: Project, *, funding_lines: FundingInput | None, covered_region_ids: Iterable[int] | None,
                  acting_user: User, action: str) -> Project:
    _validate_sources(funding_lines)
    existing_lines = project.funding_lines.all() if project.pk else []
    project.full_clean()
    validate_funding_total(
        project.total_investment, _funding_amounts(funding_lines, existing_lines), field=_("the total investment")
    )
    project.save()
    if funding_lines is not None:
        _sync_funding_lines(project, ProjectFundingLine, "project", funding_lines)
    if covered_region_ids is not None:
        project.covered_regions.set(list(covered_region_ids))
    _check_in_scope(project, acting_user, action)
    return project


@transaction.atomic
def do_create_project(data: Mapping[str, Any], *, funding_lines: FundingInput,
                      covered_region_ids: Iterable[int] = (), acting_user: User, reason: str = "") -> Project:
    with change_context(acting_user, reason or _("Project entered")):
        project = Project()
        _assign(project, data)
        return _save_project(project, funding_lines=funding_lines, covered_region_ids=covered_region_ids,
                             acting_user=acting_user, action=ADD)


@transaction.atomic
def do_update_project(project: Project, data: Mapping[str, Any], *, funding_lines: FundingInput | None = None,
                      covered_region_ids: Iterable[int] | None = None, acting_user: User,
                      reason: str = "") -> Project:
    with change_context(acting_user, reason or _("Project edited")):
        locked = Project.objects.restrict(acting_user, CHANGE).select_for_update().get(pk=project.pk)
        _assign(locked, data)
        return _save_project(locked, funding_lines=funding_lines, covered_region_ids=covered_region_ids,
                             acting_user=acting_user, action=CHANGE)
