"""State changes of disposals (one ``do_<verb>`` each).

Applying: ``do_create_disposal`` / ``do_update_disposal`` and ``do_add_evidence`` (while draft or
returned), then the engine's ``do_submit``, ``do_approve``, ``do_return``, ``do_reject`` and
``do_withdraw``, re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assets.choices import STATE_OWNER_KINDS, AssetClass, AssetStatus, OwnershipType, Role
from assets.history import change_context
from assets.models import Asset, User
from assets.scoping import ADD, PERMISSIONS, VIEW, RoleGrant, role_grants
from disposals.choices import DisposalMethod
from disposals.models import Disposal, DisposalEvidence
from workflow.engine import (
    OPEN_STATUSES,
    do_approve,
    do_reject,
    do_return,
    do_submit,
    do_withdraw,
    lock_for_change,
    save_new,
    validate_attachment,
)

__all__ = [
    "do_add_evidence", "do_approve", "do_create_disposal", "do_reject", "do_return", "do_submit",
    "do_update_disposal", "do_withdraw", "earning_note",
]

DISPOSAL_FIELDS = ("reason", "method", "description", "appraised_value", "earning_justification", "notice_days")


def applicant_grant(user: User, asset: Asset) -> RoleGrant:
    """村级申请: the clerk of the collective of the asset's village; for a state-owned asset also
    the township government or department that owns it."""
    grants = [grant for grant in role_grants(user) if ADD in PERMISSIONS.get(grant.role, {}).get("disposal", ())]
    for grant in grants:
        if grant.role == Role.VILLAGE_CLERK and grant.region_id == asset.region_id:
            return grant
    owner = asset.owner_organisation
    if owner is not None and owner.kind in STATE_OWNER_KINDS:
        for grant in grants:
            if grant.organisation_id == owner.pk:
                return grant
    raise PermissionDenied(_("Only the collective of the asset's village, or the state unit that owns it, may apply "
                             "to dispose of it."))


def earning_note(asset: Asset) -> str:
    """Why an asset counts as running well and earning (四(八): not to be disposed of in
    principle), or "" when it does not."""
    if asset.status != AssetStatus.IN_USE or asset.asset_class != AssetClass.OPERATING:
        return ""
    today = timezone.localdate()
    if asset.operating_entity and (asset.contract_end is None or asset.contract_end >= today):
        until = date_format(asset.contract_end, "Y-m-d") if asset.contract_end else _("open-ended")
        return _("In use and operated by %(entity)s under a running contract (until %(until)s).") % {
            "entity": asset.operating_entity, "until": until}
    return ""


def _fill_facts(disposal: Disposal, asset: Asset) -> None:
    disposal.earning_note = earning_note(asset)[:300]
    disposal.earning_flag = bool(disposal.earning_note)
    disposal.ownership_type = asset.ownership_type or OwnershipType.COLLECTIVE


def _check_asset(asset: Asset, disposal: Disposal | None) -> None:
    if asset.status in (AssetStatus.DISPOSED,) or (
        asset.status == AssetStatus.UNDER_DISPOSAL and (disposal is None or disposal.round == 0)
    ):
        raise ValidationError({"asset": _("%(asset)s is %(status)s.")
                               % {"asset": asset.code, "status": AssetStatus(asset.status).label}})
    others = Disposal.objects.filter(asset=asset, status__in=OPEN_STATUSES)
    if disposal is not None:
        others = others.exclude(pk=disposal.pk)
    other = others.first()
    if other is not None:
        raise ValidationError({"asset": _("%(asset)s already has an open disposal, %(number)s.")
                               % {"asset": asset.code, "number": other.number}})


def _check_content(disposal: Disposal) -> None:
    if disposal.method == DisposalMethod.EQUITY_EXIT and disposal.asset.form != "equity":
        raise ValidationError({"method": _("Equity exit is for equity assets only.")})
    if disposal.earning_flag and not (disposal.earning_justification or "").strip():
        raise ValidationError({"earning_justification": _(
            "The asset is running well and earning (%(why)s). Explain why it must nevertheless be disposed of."
        ) % {"why": disposal.earning_note}})


def check_disposal(disposal: Disposal) -> None:
    """Re-check before submission: the asset may have changed; evidence is required."""
    asset = Asset.objects.select_for_update().get(pk=disposal.asset_id)
    _check_asset(asset, disposal)
    _fill_facts(disposal, asset)
    _check_content(disposal)
    if not disposal.evidence.exists():
        raise ValidationError({"evidence": _("Attach at least one evidence file (photos, appraisal, meeting record).")})


def _assign(disposal: Disposal, data: Mapping[str, Any]) -> None:
    for name in DISPOSAL_FIELDS:
        if name in data:
            value = data[name]
            setattr(disposal, name, "" if value is None and name not in ("appraised_value", "notice_days") else value)
    if disposal.notice_days is None:
        disposal.notice_days = 7


@transaction.atomic
def do_create_disposal(asset: Asset, data: Mapping[str, Any], *, acting_user: User) -> Disposal:
    """A draft application to dispose of ``asset``."""
    if not Asset.objects.restrict(acting_user, VIEW).filter(pk=asset.pk).exists():
        raise PermissionDenied(_("This asset is outside your area of responsibility."))
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    grant = applicant_grant(acting_user, locked)
    _check_asset(locked, None)
    with change_context(acting_user, _("Disposal applied for")):
        disposal = Disposal(asset=locked, applicant_role=grant.role, applicant_organisation_id=grant.organisation_id,
                            created_by=acting_user, pending_role=grant.role,
                            pending_organisation_id=grant.organisation_id)
        _assign(disposal, data)
        _fill_facts(disposal, locked)
        disposal.full_clean(exclude=["number", "region", "applicant_organisation", "created_by"])
        _check_content(disposal)
        save_new(disposal)
        return disposal


@transaction.atomic
def do_update_disposal(disposal: Disposal, data: Mapping[str, Any], *, acting_user: User) -> Disposal:
    locked = lock_for_change(disposal, acting_user)  # 403 for a reader, then 409 when closed
    with change_context(acting_user, _("Disposal %(number)s changed") % {"number": locked.number}):
        _assign(locked, data)
        _fill_facts(locked, locked.asset)
        locked.full_clean(exclude=["number", "region", "applicant_organisation", "created_by"])
        _check_content(locked)
        locked.save()
        return locked


@transaction.atomic
def do_add_evidence(disposal: Disposal, upload: UploadedFile, description: str, *,
                    acting_user: User) -> DisposalEvidence:
    """Attach an evidence file while the application is draft or returned. Files stay."""
    locked = lock_for_change(disposal, acting_user)  # 403 for a reader, then 409 when closed
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    try:
        validate_attachment(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Say what the file shows.")})
    with change_context(acting_user, _("Evidence added to %(number)s") % {"number": locked.number}):
        return DisposalEvidence.objects.create(disposal=locked, file=upload, description=description[:200],
                                               round=locked.round + 1, uploaded_by=acting_user)
