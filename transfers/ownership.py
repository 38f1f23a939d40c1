"""The ownership rules of 四(四), as one readable function per question.

* 经营性, project only in one village        -> that village's collective (collective).
* 经营性, project across villages             -> the county decides: state ownership by a county
  department or township, or the villages' collectives in shares (by investment ratio or by
  households covered) that add up to 100%; one collective holds the asset for the others.
* 公益性                                      -> the implementing level (a county department or
  the township: state; the village collective: collective), or, for ease of management, the
  collective of a village the project covers (四(四)2 三).
* 到户类                                      -> the household (household), in the project's area.

Registration targets by ownership type (四(四)): state -> 行政事业性国有资产管理系统 and the
national revitalization system; collective -> 农村集体“三资”管理平台 and the national system;
household -> the national system.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from assets.choices import (
    STATE_OWNER_KINDS,
    AssetClass,
    AssetStatus,
    OrganisationKind,
    OwnershipType,
    RegionLevel,
    RegistrationSystem,
)
from assets.models import Asset, Household, Organisation, Project, Region
from transfers.choices import OwnershipRule, ShareBasis

HUNDRED = Decimal("100.00")

REGISTRATION_SYSTEMS: dict[str, tuple[str, ...]] = {
    OwnershipType.STATE: (RegistrationSystem.STATE_ASSET_SYSTEM, RegistrationSystem.REVITALIZATION_SYSTEM),
    OwnershipType.COLLECTIVE: (RegistrationSystem.COLLECTIVE_PLATFORM, RegistrationSystem.REVITALIZATION_SYSTEM),
    OwnershipType.HOUSEHOLD: (RegistrationSystem.REVITALIZATION_SYSTEM,),
}


def area_villages(project: Project) -> QuerySet[Region]:
    """The villages a project is in: its own village, the villages it covers, and every village
    of a township (or the county) it covers."""
    covered = [*project.covered_regions.all(), project.region]
    if any(region.level == RegionLevel.COUNTY for region in covered):
        return Region.objects.filter(level=RegionLevel.VILLAGE)
    village_ids = {region.pk for region in covered if region.level == RegionLevel.VILLAGE}
    township_ids = {region.pk for region in covered if region.level == RegionLevel.TOWNSHIP}
    return Region.objects.filter(Q(pk__in=village_ids) | Q(township_id__in=township_ids), level=RegionLevel.VILLAGE)


def is_village_only(project: Project) -> bool:
    """单独到村: implemented at one village and covering no other."""
    if project.region.level != RegionLevel.VILLAGE:
        return False
    return all(region.pk == project.region_id for region in project.covered_regions.all())


def collective_of(village: Region) -> Organisation | None:
    return Organisation.objects.filter(
        kind=OrganisationKind.VILLAGE_COLLECTIVE, region=village, is_active=True
    ).order_by("pk").first()


def rule_for(asset: Asset, project: Project) -> str:
    if asset.asset_class == AssetClass.HOUSEHOLD:
        return OwnershipRule.HOUSEHOLD
    if asset.asset_class == AssetClass.PUBLIC_BENEFIT:
        return OwnershipRule.PUBLIC_BENEFIT
    return OwnershipRule.VILLAGE_ONLY if is_village_only(project) else OwnershipRule.CROSS_VILLAGE


def ownership_type_of(organisation: Organisation) -> str:
    return OwnershipType.COLLECTIVE if organisation.kind == OrganisationKind.VILLAGE_COLLECTIVE else OwnershipType.STATE


@dataclass
class ShareInput:
    organisation: Organisation
    percent: Decimal
    basis_amount: Decimal | None = None


@dataclass
class LineInput:
    asset: Asset
    owner_organisation: Organisation | None = None
    owner_household: Household | None = None
    beneficiary_ids: list[int] = field(default_factory=list)
    shares: list[ShareInput] = field(default_factory=list)
    note: str = ""


@dataclass
class CheckedLine:
    line: LineInput
    rule: str
    ownership_type: str
    receiving_organisation: Organisation


def allowed_owner_organisations(project: Project, rule: str) -> QuerySet[Organisation]:
    """Organisations that may own an asset under ``rule`` (for choice lists and checks)."""
    collectives = Organisation.objects.filter(
        kind=OrganisationKind.VILLAGE_COLLECTIVE, is_active=True, region__in=area_villages(project)
    )
    if rule == OwnershipRule.VILLAGE_ONLY:
        return Organisation.objects.filter(kind=OrganisationKind.VILLAGE_COLLECTIVE, is_active=True,
                                           region_id=project.region_id)
    if rule == OwnershipRule.PUBLIC_BENEFIT:
        implementing = Organisation.objects.filter(
            pk=project.implementing_organisation_id,
            kind__in=[*STATE_OWNER_KINDS, OrganisationKind.VILLAGE_COLLECTIVE],
        )
        return (implementing | collectives).distinct()
    if rule == OwnershipRule.CROSS_VILLAGE:
        state = Organisation.objects.filter(kind__in=STATE_OWNER_KINDS, is_active=True)
        return (state | collectives).distinct()
    return Organisation.objects.none()


def check_line(project: Project, line: LineInput, *, share_basis: str) -> CheckedLine:
    """The rule, ownership type and receiving unit of one line, or a ValidationError that says
    which rule was broken."""
    asset = line.asset
    name = asset.code
    if asset.project_id != project.pk:
        raise ValidationError({"lines": _("%(asset)s was not formed by this project.") % {"asset": name}})
    if asset.status in (AssetStatus.UNDER_DISPOSAL, AssetStatus.DISPOSED):
        raise ValidationError({"lines": _("%(asset)s is %(status)s and cannot be transferred.")
                               % {"asset": name, "status": AssetStatus(asset.status).label}})
    rule = rule_for(asset, project)
    if rule == OwnershipRule.HOUSEHOLD:
        return _check_household(project, line, rule)
    owner = line.owner_organisation
    if line.owner_household is not None:
        raise ValidationError({"lines": _("%(asset)s is not a household asset: its owner is an organisation.")
                               % {"asset": name}})
    if owner is None:
        raise ValidationError({"lines": _("Choose the owner of %(asset)s.") % {"asset": name}})
    if not allowed_owner_organisations(project, rule).filter(pk=owner.pk).exists():
        raise ValidationError({"lines": _owner_refusal(rule) % {"asset": name, "owner": owner}})
    ownership_type = ownership_type_of(owner)
    if rule == OwnershipRule.CROSS_VILLAGE:
        _check_shares(project, line, ownership_type, share_basis)
        receiving = _county_decider()
    else:
        if line.shares:
            raise ValidationError({"lines": _("Only assets of cross-village projects are held in shares (%(asset)s).")
                                   % {"asset": name}})
        receiving = owner
    return CheckedLine(line=line, rule=rule, ownership_type=ownership_type, receiving_organisation=receiving)


def _owner_refusal(rule: str) -> str:
    if rule == OwnershipRule.VILLAGE_ONLY:
        return _("%(asset)s comes from a project of one village: its owner is that village's collective, "
                 "not %(owner)s.")
    if rule == OwnershipRule.PUBLIC_BENEFIT:
        return _("%(asset)s is a public-benefit asset: its owner is the implementing unit or the collective of "
                 "a village the project covers, not %(owner)s.")
    return _("%(asset)s comes from a cross-village project: the county may give it to a county department, a "
             "township or the collectives of the villages covered, not %(owner)s.")


def _county_decider() -> Organisation:
    from workflow.engine import organisation_of_kind

    return organisation_of_kind(OrganisationKind.AGRI_BUREAU)


def _check_household(project: Project, line: LineInput, rule: str) -> CheckedLine:
    name = line.asset.code
    household = line.owner_household
    if line.owner_organisation is not None or line.shares:
        raise ValidationError({"lines": _("%(asset)s is a household asset: it belongs to a household.")
                               % {"asset": name}})
    if household is None:
        raise ValidationError({"lines": _("Choose the household that owns %(asset)s.") % {"asset": name}})
    if not area_villages(project).filter(pk=household.village_id).exists():
        raise ValidationError({"lines": _("%(household)s does not live in the area of the project.")
                               % {"household": household}})
    receiving = collective_of(household.village)
    if receiving is None:
        raise ValidationError({"lines": _("The village of %(household)s has no collective economic organisation.")
                               % {"household": household}})
    return CheckedLine(line=line, rule=rule, ownership_type=OwnershipType.HOUSEHOLD, receiving_organisation=receiving)


def _check_shares(project: Project, line: LineInput, ownership_type: str, share_basis: str) -> None:
    name = line.asset.code
    if ownership_type == OwnershipType.STATE:
        if line.shares:
            raise ValidationError({"lines": _("%(asset)s goes to a state owner; shares are only for village "
                                              "collectives.") % {"asset": name}})
        return
    if not line.shares:
        raise ValidationError({"lines": _("%(asset)s comes from a cross-village project: quantify it in shares "
                                          "across the villages.") % {"asset": name}})
    if share_basis not in ShareBasis.values:
        raise ValidationError({"share_basis": _("Say whether the shares follow the investment ratio or the "
                                                "households covered.")})
    villages = area_villages(project)
    seen: set[int] = set()
    for share in line.shares:
        org = share.organisation
        if org.kind != OrganisationKind.VILLAGE_COLLECTIVE or not villages.filter(pk=org.region_id).exists():
            raise ValidationError({"lines": _("%(owner)s is not the collective of a village the project covers.")
                                   % {"owner": org}})
        if org.pk in seen:
            raise ValidationError({"lines": _("%(owner)s has more than one share of %(asset)s.")
                                   % {"owner": org, "asset": name}})
        seen.add(org.pk)
        if not Decimal(0) < share.percent <= HUNDRED:
            raise ValidationError({"lines": _("A share is more than 0% and at most 100%.")})
    total = sum((share.percent for share in line.shares), Decimal(0))
    if total != HUNDRED:
        raise ValidationError({"lines": _("The shares of %(asset)s add up to %(total)s%%, not 100%%.")
                               % {"asset": name, "total": f"{total:.2f}"}})
    if line.owner_organisation is not None and line.owner_organisation.pk not in seen:
        raise ValidationError({"lines": _("The collective that holds %(asset)s must be one of the shareholders.")
                               % {"asset": name}})


def suggest_shares(project: Project, basis: str,
                   investments: Mapping[int, Decimal] | None = None) -> list[tuple[Organisation, Decimal, Decimal]]:
    """Shares across the collectives of the villages a project covers, rounded to 0.01% with
    the rounding remainder on the largest share, so that they add up to exactly 100%.

    ``basis`` households: the covered villages' poverty-alleviated and monitored households;
    investment: ``investments`` maps village id -> yuan invested there."""
    villages = list(area_villages(project).order_by("code"))
    if basis == ShareBasis.HOUSEHOLDS:
        counts = dict(
            Household.objects.filter(village__in=villages)
            .filter(Q(is_poverty_alleviated=True) | Q(is_monitored=True))
            .values("village").annotate(n=Count("pk")).values_list("village", "n")
        )
        weights = {village.pk: Decimal(counts.get(village.pk, 0)) for village in villages}
    else:
        weights = {village.pk: Decimal((investments or {}).get(village.pk, 0)) for village in villages}
    total = sum(weights.values(), Decimal(0))
    if total <= 0:
        return []
    rows = []
    for village in villages:
        collective = collective_of(village)
        if collective is None or weights[village.pk] <= 0:
            continue
        percent = (weights[village.pk] * HUNDRED / total).quantize(Decimal("0.01"))
        rows.append([collective, percent, weights[village.pk]])
    if rows:
        largest = max(rows, key=lambda row: row[1])
        largest[1] += HUNDRED - sum((row[1] for row in rows), Decimal(0))
    return [(org, percent, weight) for org, percent, weight in rows]


def receiving_unit(checked: Iterable[CheckedLine]) -> Organisation:
    units = {line.receiving_organisation.pk: line.receiving_organisation for line in checked}
    if not units:
        raise ValidationError({"lines": _("List at least one asset to transfer.")})
    if len(units) > 1:
        raise ValidationError({"lines": _(
            "One transfer goes to one receiving unit; these assets go to %(units)s. Make one transfer for each."
        ) % {"units": "、".join(str(unit) for unit in units.values())}})
    return next(iter(units.values()))


def clean_registrations(lines: Iterable[Any], given: Iterable[Mapping[str, Any]], *, not_before: Any,
                        today: Any) -> list[dict[str, Any]]:
    """The registration numbers the registration step must record: one for every target system
    of every asset's ownership type, dated between the approval and today."""
    import datetime

    wanted = {(line.asset_id, system) for line in lines for system in REGISTRATION_SYSTEMS[line.ownership_type]}
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for row in given:
        try:
            key = (int(row.get("asset")), str(row.get("system")))
        except (TypeError, ValueError):
            raise ValidationError({"registrations": _("Each registration names an asset and a system.")}) from None
        if key not in wanted:
            raise ValidationError({"registrations": _("A registration names an asset or system that this transfer "
                                                      "does not need.")})
        number = str(row.get("number") or "").strip()
        day = row.get("registered_on")
        if isinstance(day, str):
            try:
                day = datetime.date.fromisoformat(day)
            except ValueError:
                day = None
        if not number or not isinstance(day, datetime.date):
            raise ValidationError({"registrations": _("Each registration needs its number and date.")})
        if (not_before and day < not_before) or day > today:
            raise ValidationError({"registrations": _("A registration is dated between the approval and today.")})
        found[key] = {"asset": key[0], "system": key[1], "number": number[:60], "registered_on": day.isoformat()}
    missing = wanted - found.keys()
    if missing:
        labels = sorted({RegistrationSystem(system).label for _asset, system in missing})
        raise ValidationError({"registrations": _("Registrations are missing in: %(systems)s.")
                               % {"systems": "、".join(str(label) for label in labels)}})
    return [found[key] for key in sorted(found)]
