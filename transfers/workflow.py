"""The chain of ownership confirmation and transfer (确权移交登记, 四(四)).

0. application   the implementing unit proposes (which assets, to whom, owners, beneficiaries)
1. consensus     the receiving unit agrees (达成共识); skipped when it is the implementing unit
                 itself; for a cross-village project the county decides the ownership and its
                 shares, through the county agriculture bureau
2. committee     县委财经委员会 passes the application
3. approval      县财政局 issues the transfer approval (资产移交批复) with its document number
4. registration  the receiving unit records the registrations in the target systems of the
                 ownership type; then the assets' owner, ownership type and registrations change,
                 in their history, attributed to the transfer
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.choices import OrganisationKind, Role
from assets.history import change_context
from assets.models import Asset, AssetBeneficiary, AssetRegistration
from transfers.ownership import REGISTRATION_SYSTEMS, clean_registrations
from workflow.engine import Decider, Step, Workflow, organisation_of_kind

if TYPE_CHECKING:
    from transfers.models import Transfer


def _receiving_unit(transfer: Transfer) -> Decider | None:
    return Decider.member_of(transfer.receiving_organisation)


def _consensus(transfer: Transfer) -> Decider | None:
    if transfer.receiving_organisation_id == transfer.applicant_organisation_id:
        return None  # the implementing unit keeps the assets: nobody else has to agree
    return _receiving_unit(transfer)


def _committee(transfer: Transfer) -> Decider:
    return Decider(Role.FINANCE, organisation_of_kind(OrganisationKind.FINANCE_COMMITTEE))


def _finance_bureau(transfer: Transfer) -> Decider:
    return Decider(Role.FINANCE, organisation_of_kind(OrganisationKind.FINANCE_BUREAU))


def _record_approval(transfer: Transfer, decision: Any, user: Any) -> None:
    transfer.approval_number = decision.document_number
    transfer.approved_on = timezone.localdate(decision.decided_at)


def _clean_registrations(transfer: Transfer, extra: Any) -> dict[str, Any]:
    rows = extra.get("registrations") or []
    registrations = clean_registrations(transfer.lines.all(), rows, not_before=transfer.approved_on,
                                        today=timezone.localdate())
    return {"registrations": registrations}


class TransferWorkflow(Workflow):
    key = "transfer"
    label = gettext_lazy("Ownership transfer")
    steps = (
        Step("consensus", gettext_lazy("receiving unit agrees"),
             who=gettext_lazy("the receiving unit (for a cross-village project: the county agriculture bureau)"),
             decider=_consensus, approve_label=gettext_lazy("Agree")),
        Step("committee", gettext_lazy("finance and economy committee passes"),
             who=gettext_lazy("finance staff of the county finance and economy committee"),
             decider=_committee, approve_label=gettext_lazy("Pass")),
        Step("approval", gettext_lazy("transfer approval (资产移交批复)"),
             who=gettext_lazy("finance staff of the finance bureau"),
             decider=_finance_bureau, approve_label=gettext_lazy("Issue the approval"),
             document_number_required=True, on_approved=_record_approval),
        Step("registration", gettext_lazy("registration in the target systems"),
             who=gettext_lazy("the receiving unit"),
             decider=_receiving_unit, approve_label=gettext_lazy("Record the registrations"),
             clean_extra=_clean_registrations),
    )

    def validate_submission(self, item: Transfer) -> None:
        from transfers.actions import check_transfer

        check_transfer(item)

    def on_done(self, item: Transfer, *, user: Any) -> None:
        apply_transfer(item, user)


def apply_transfer(transfer: Transfer, user: Any) -> None:
    """The assets get their new owner, ownership type, beneficiaries and registrations; each
    history row names the transfer and its approval."""
    from transfers.choices import ChangeKind
    from transfers.models import ChangeRegistration

    registration = transfer.decisions.get(round=transfer.round, step="registration")
    numbers = {(row["asset"], row["system"]): row for row in registration.data["registrations"]}
    reason = _("Ownership transfer %(number)s, approval %(document)s") % {
        "number": transfer.number, "document": transfer.approval_number}
    today = timezone.localdate()
    with change_context(user, reason[:100]):
        for line in transfer.lines.select_related("asset").order_by("pk"):
            asset = Asset.objects.select_for_update().get(pk=line.asset_id)
            line.previous_ownership_type = asset.ownership_type
            line.previous_owner_organisation_id = asset.owner_organisation_id
            line.previous_owner_household_id = asset.owner_household_id
            owner_changed = (asset.owner_organisation_id, asset.owner_household_id) != (
                line.owner_organisation_id, line.owner_household_id)
            had_owner = asset.owner_organisation_id is not None or asset.owner_household_id is not None
            asset.ownership_type = line.ownership_type
            asset.owner_organisation_id = line.owner_organisation_id
            asset.owner_household_id = line.owner_household_id
            try:
                asset.clean()
            except ValidationError as exc:
                raise ValidationError({"registrations": exc.messages}) from exc
            asset.save()
            if line.beneficiary_ids:
                _set_beneficiaries(asset, set(line.beneficiary_ids))
            for system in REGISTRATION_SYSTEMS[line.ownership_type]:
                row = numbers[(asset.pk, system)]
                record = AssetRegistration.objects.filter(asset=asset, system=system).first() or AssetRegistration(
                    asset=asset, system=system)
                record.number = row["number"]
                record.registered_on = datetime.date.fromisoformat(row["registered_on"])
                record.full_clean()
                record.save()
            line.save()
            if had_owner and owner_changed:
                ChangeRegistration.objects.create(
                    asset=asset, kind=ChangeKind.OWNERSHIP, occurred_on=today, transfer=transfer,
                    document_number=transfer.approval_number, recorded_by=user,
                    recorded_organisation_id=registration.organisation_id,
                    description=_("New owner: %(owner)s") % {"owner": line.owner},
                )


def _set_beneficiaries(asset: Asset, wanted: set[int]) -> None:
    current = {link.household_id: link for link in asset.beneficiary_links.all()}
    for household_id, link in current.items():
        if household_id not in wanted:
            link.delete()  # the link's history keeps it
    for household_id in sorted(wanted - current.keys()):
        AssetBeneficiary.objects.create(asset=asset, household_id=household_id)
