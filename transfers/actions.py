"""State changes of transfers and change registrations (one ``do_<verb>`` each).

Applying for a transfer: ``do_create_transfer`` / ``do_update_transfer`` (while draft or
returned), then the engine's ``do_submit``, ``do_approve``, ``do_return``, ``do_reject`` and
``do_withdraw``, re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.choices import AssetStatus, Role
from assets.history import change_context
from assets.models import Asset, Household, Project, User
from assets.scoping import ADD, CHANGE, PERMISSIONS, VIEW, RoleGrant, role_grants
from transfers.choices import ChangeKind
from transfers.models import ChangeRegistration, Transfer, TransferLine, TransferShare
from transfers.ownership import (
    CheckedLine,
    LineInput,
    ShareInput,
    area_villages,
    check_line,
    receiving_unit,
)
from workflow.engine import (
    OPEN_STATUSES,
    do_approve,
    do_reject,
    do_return,
    do_submit,
    do_withdraw,
    lock_for_change,
    save_new,
)

__all__ = [
    "do_approve", "do_create_transfer", "do_record_change_registration", "do_reject", "do_return", "do_submit",
    "do_update_transfer", "do_withdraw",
]

TRANSFER_FIELDS = ("proposal", "meeting_date", "share_basis")


def applicant_grant(user: User, project: Project) -> RoleGrant:
    """The role in which ``user`` may propose a transfer of ``project``'s assets: a member of the
    implementing unit, or the county agriculture bureau (which supervises all transfers)."""
    grants = [grant for grant in role_grants(user) if ADD in PERMISSIONS.get(grant.role, {}).get("transfer", ())]
    for grant in grants:
        if grant.organisation_id == project.implementing_organisation_id:
            return grant
    for grant in grants:
        if grant.role == Role.COUNTY_AGRI:
            return grant
    raise PermissionDenied(
        _("Only the implementing unit of the project (%(organisation)s) or the county agriculture bureau may "
          "propose its transfer.") % {"organisation": project.implementing_organisation}
    )


def line_inputs(transfer: Transfer) -> list[LineInput]:
    """The saved lines as the rule checker's input."""
    lines = transfer.lines.select_related("asset", "asset__project", "owner_organisation", "owner_household",
                                          "owner_household__village").prefetch_related("shares__organisation")
    return [
        LineInput(
            asset=line.asset, owner_organisation=line.owner_organisation, owner_household=line.owner_household,
            beneficiary_ids=list(line.beneficiary_ids),
            shares=[ShareInput(s.organisation, s.percent, s.basis_amount) for s in line.shares.all()],
            note=line.note,
        )
        for line in lines
    ]


def _check_lines(project: Project, lines: list[LineInput], *, share_basis: str,
                 transfer: Transfer | None) -> list[CheckedLine]:
    assets = [line.asset for line in lines]
    if len({asset.pk for asset in assets}) != len(assets):
        raise ValidationError({"lines": _("An asset appears once in a transfer.")})
    # lock the assets: two applications cannot both take the same asset
    locked = {asset.pk: asset for asset in Asset.objects.select_for_update().filter(pk__in=[a.pk for a in assets])}
    for line in lines:
        line.asset = locked[line.asset.pk]
    elsewhere = TransferLine.objects.filter(asset__in=assets, transfer__status__in=OPEN_STATUSES)
    if transfer is not None:
        elsewhere = elsewhere.exclude(transfer=transfer)
    taken = elsewhere.select_related("asset", "transfer").first()
    if taken is not None:
        raise ValidationError({"lines": _("%(asset)s is already in transfer %(number)s.")
                               % {"asset": taken.asset.code, "number": taken.transfer.number}})
    villages = area_villages(project)
    for line in lines:
        ids = set(line.beneficiary_ids)
        if ids and Household.objects.filter(pk__in=ids, village__in=villages).count() != len(ids):
            raise ValidationError({"lines": _("The beneficiaries of %(asset)s must live in the area of the project.")
                                   % {"asset": line.asset.code}})
    checked = [check_line(project, line, share_basis=share_basis) for line in lines]
    receiving_unit(checked)
    return checked


def check_transfer(transfer: Transfer) -> None:
    """Re-check a saved transfer before it is submitted (the register may have moved on)."""
    checked = _check_lines(transfer.project, line_inputs(transfer), share_basis=transfer.share_basis,
                           transfer=transfer)
    if receiving_unit(checked).pk != transfer.receiving_organisation_id:
        raise ValidationError({"lines": _("The receiving unit changed; save the transfer again.")})
    if not (transfer.proposal or "").strip():
        raise ValidationError({"proposal": _("Give the implementing unit's proposal.")})


def _check_visible(lines: Iterable[LineInput], acting_user: User) -> None:
    """Households named as owners or beneficiaries must be within the proposer's scope."""
    wanted: set[int] = set()
    for line in lines:
        wanted |= set(line.beneficiary_ids)
        if line.owner_household is not None:
            wanted.add(line.owner_household.pk)
    if wanted and Household.objects.restrict(acting_user, VIEW).filter(pk__in=wanted).count() != len(wanted):
        raise ValidationError({"lines": _("Some households are unknown or outside your area.")})


def _save_lines(transfer: Transfer, checked: list[CheckedLine]) -> None:
    """Make the transfer's lines equal ``checked`` (one per asset); removed lines and shares
    stay in their history."""
    existing = {line.asset_id: line for line in transfer.lines.all()}
    wanted = {item.line.asset.pk for item in checked}
    for asset_id, line in existing.items():
        if asset_id not in wanted:
            line.delete()
    for item in checked:
        data = item.line
        line = existing.get(data.asset.pk) or TransferLine(transfer=transfer, asset=data.asset)
        line.rule = item.rule
        line.ownership_type = item.ownership_type
        line.owner_organisation = data.owner_organisation
        line.owner_household = data.owner_household
        line.beneficiary_ids = sorted(set(data.beneficiary_ids))
        line.note = data.note[:200]
        line.full_clean(exclude=["transfer"])
        line.save()
        shares = {share.organisation_id: share for share in line.shares.all()}
        keep = {share.organisation.pk for share in data.shares}
        for organisation_id, share in shares.items():
            if organisation_id not in keep:
                share.delete()
        for share_input in data.shares:
            share = shares.get(share_input.organisation.pk) or TransferShare(line=line,
                                                                             organisation=share_input.organisation)
            if share.pk and (share.percent, share.basis_amount) == (share_input.percent, share_input.basis_amount):
                continue
            share.percent = share_input.percent
            share.basis_amount = share_input.basis_amount
            share.save()


def _assign(transfer: Transfer, data: Mapping[str, Any]) -> None:
    for name in TRANSFER_FIELDS:
        if name in data:
            setattr(transfer, name, data[name] if data[name] is not None or name == "meeting_date" else "")


@transaction.atomic
def do_create_transfer(project: Project, data: Mapping[str, Any], lines: list[LineInput], *,
                       acting_user: User) -> Transfer:
    """A draft transfer of ``project``'s assets, proposed by its implementing unit."""
    if not Project.objects.restrict(acting_user, VIEW).filter(pk=project.pk).exists():
        raise PermissionDenied(_("This project is outside your area of responsibility."))
    grant = applicant_grant(acting_user, project)
    _check_visible(lines, acting_user)
    with change_context(acting_user, _("Transfer proposed")):
        transfer = Transfer(project=project, applicant_role=grant.role,
                            applicant_organisation_id=grant.organisation_id, created_by=acting_user,
                            pending_role=grant.role, pending_organisation_id=grant.organisation_id)
        _assign(transfer, data)
        checked = _check_lines(project, lines, share_basis=transfer.share_basis, transfer=None)
        transfer.receiving_organisation = receiving_unit(checked)
        if not any(c.rule == "cross_village" for c in checked):
            transfer.share_basis = ""
        transfer.full_clean(exclude=["number", "receiving_organisation", "region", "applicant_organisation",
                                     "created_by"])
        save_new(transfer)
        _save_lines(transfer, checked)
        return transfer


@transaction.atomic
def do_update_transfer(transfer: Transfer, data: Mapping[str, Any], lines: list[LineInput] | None = None, *,
                       acting_user: User) -> Transfer:
    """The applicant changes a draft or returned transfer (the trail of earlier rounds stays)."""
    locked = lock_for_change(transfer, acting_user)  # 403 for a reader, then 409 when closed
    with change_context(acting_user, _("Transfer %(number)s changed") % {"number": locked.number}):
        if lines is not None:
            _check_visible(lines, acting_user)
        _assign(locked, data)
        checked = _check_lines(locked.project, lines if lines is not None else line_inputs(locked),
                               share_basis=locked.share_basis, transfer=locked)
        locked.receiving_organisation = receiving_unit(checked)
        if not any(c.rule == "cross_village" for c in checked):
            locked.share_basis = ""
        locked.full_clean(exclude=["number", "receiving_organisation", "region", "applicant_organisation",
                                   "created_by"])
        locked.save()
        _save_lines(locked, checked)
        return locked


# --- change registrations (变更登记) -------------------------------------------------------------


@transaction.atomic
def do_record_change_registration(asset: Asset, data: Mapping[str, Any], *, acting_user: User) -> ChangeRegistration:
    """Record damage to an asset (it becomes "damaged"). Sales, transfers and scrappings are
    recorded by the disposal that carried them out, never by hand."""
    locked = Asset.objects.restrict(acting_user, CHANGE).select_for_update().get(pk=asset.pk)
    kind = data.get("kind")
    if kind != ChangeKind.DAMAGE:
        raise ValidationError({"kind": _("Sales, transfers and scrappings are recorded when an approved disposal "
                                         "is carried out; record damage here.")})
    if locked.status in (AssetStatus.DISPOSED, AssetStatus.UNDER_DISPOSAL):
        raise ValidationError({"kind": _("%(asset)s is %(status)s.")
                               % {"asset": locked.code, "status": AssetStatus(locked.status).label}})
    occurred_on = data.get("occurred_on")
    if occurred_on is None or occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("Give the date of the damage (not in the future).")})
    description = str(data.get("description") or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the damage.")})
    grant = next((g for g in role_grants(acting_user)), None)
    with change_context(acting_user, _("Change registration: damage")):
        record = ChangeRegistration(
            asset=locked, kind=kind, occurred_on=occurred_on, description=description,
            document_number=str(data.get("document_number") or "")[:60], recorded_by=acting_user,
            recorded_organisation_id=grant.organisation_id if grant else None,
        )
        record.full_clean()
        record.save()
        locked.status = AssetStatus.DAMAGED
        locked.save()
        return record
