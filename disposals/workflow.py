"""The chain of disposal (处置, 四(八)).

0. application        村级申请: the collective of the asset's village (or the state owner: the
                      township government or department that owns it), with reason, method and
                      evidence; the asset becomes "under disposal"
1. township review    乡镇审查: the township government of the asset's township
2. department review  部门审核: the department supervising the asset's category (none for
                      household assets, which the township supervises)
3. county approval    县级审批: collective and household assets, the county agriculture bureau;
                      state-owned assets, 县委财经委员会 (3a) then 财政局's 批复 (3b)
4. filing             复核备案: the county agriculture bureau re-checks and files it
5. public notice      公示公告: the notice runs ``notice_days`` days; the township government
                      (the applicant, for assets outside any township) closes it afterwards
6. carried out        the applicant records the date, proceeds and buyer; the asset becomes
                      "disposed", the proceeds are recorded against its owner, and a change
                      registration (变更登记) is written
A step is skipped when its decider is the applicant itself.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.choices import AssetStatus, OrganisationKind, OwnershipType, Role
from assets.history import change_context
from assets.models import Asset, Organisation
from disposals.choices import DisposalMethod
from transfers.services import record_change_registration
from workflow.engine import Decider, Step, Workflow, organisation_of_kind

if TYPE_CHECKING:
    from disposals.models import Disposal

METHOD_TO_CHANGE = {
    DisposalMethod.AUCTION: "sale",
    DisposalMethod.TRANSFER: "transfer",
    DisposalMethod.SCRAPPING: "scrapping",
    DisposalMethod.EQUITY_EXIT: "transfer",
}


def township_government(disposal: Disposal) -> Organisation | None:
    if disposal.township_id is None:
        return None
    return Organisation.objects.filter(kind=OrganisationKind.TOWNSHIP_GOVERNMENT, region_id=disposal.township_id,
                                       is_active=True).order_by("pk").first()


def _not_the_applicant(disposal: Disposal, decider: Decider | None) -> Decider | None:
    if decider is None or decider.organisation.pk == disposal.applicant_organisation_id:
        return None
    return decider


def _township_review(disposal: Disposal) -> Decider | None:
    organisation = township_government(disposal)
    return _not_the_applicant(disposal, Decider(Role.TOWNSHIP_OFFICIAL, organisation) if organisation else None)


def _department_review(disposal: Disposal) -> Decider | None:
    return _not_the_applicant(disposal, Decider.member_of(disposal.department))


def _county_approval(disposal: Disposal) -> Decider | None:
    if disposal.is_state_owned:
        return None
    return Decider(Role.COUNTY_AGRI, organisation_of_kind(OrganisationKind.AGRI_BUREAU))


def _committee(disposal: Disposal) -> Decider | None:
    if not disposal.is_state_owned:
        return None
    return Decider(Role.FINANCE, organisation_of_kind(OrganisationKind.FINANCE_COMMITTEE))


def _finance_approval(disposal: Disposal) -> Decider | None:
    if not disposal.is_state_owned:
        return None
    return Decider(Role.FINANCE, organisation_of_kind(OrganisationKind.FINANCE_BUREAU))


def _filing(disposal: Disposal) -> Decider:
    return Decider(Role.COUNTY_AGRI, organisation_of_kind(OrganisationKind.AGRI_BUREAU))


def _notice(disposal: Disposal) -> Decider:
    organisation = township_government(disposal)
    if organisation is not None:
        return Decider(Role.TOWNSHIP_OFFICIAL, organisation)
    return Decider(disposal.applicant_role, disposal.applicant_organisation)


def _applicant(disposal: Disposal) -> Decider:
    return Decider(disposal.applicant_role, disposal.applicant_organisation)


def _record_approval_number(disposal: Disposal, decision: Any, user: Any) -> None:
    if decision.document_number:
        disposal.approval_number = decision.document_number


def _start_notice(disposal: Disposal) -> None:
    today = timezone.localdate()
    disposal.notice_starts_on = today
    disposal.notice_ends_on = today + datetime.timedelta(days=disposal.notice_days - 1)


def _notice_not_over(disposal: Disposal) -> str | None:
    if disposal.notice_ends_on and timezone.localdate() <= disposal.notice_ends_on:
        return _("The public notice runs until %(date)s; it can be closed after that.") % {
            "date": disposal.notice_ends_on.isoformat()}
    return None


def _clean_carry_out(disposal: Disposal, extra: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    day = extra.get("carried_out_on")
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(day)
        except ValueError:
            day = None
    if not isinstance(day, datetime.date):
        errors["carried_out_on"] = _("Give the date the disposal was carried out.")
    elif day > timezone.localdate() or (disposal.notice_starts_on and day < disposal.notice_starts_on):
        errors["carried_out_on"] = _("The disposal is carried out after the public notice and not in the future.")
    try:
        proceeds = Decimal(str(extra.get("proceeds"))).quantize(Decimal("0.01"))
        if proceeds < 0 or not proceeds.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        proceeds = None
        errors["proceeds"] = _("Give the proceeds in yuan (0 when there were none).")
    counterparty = str(extra.get("counterparty") or "").strip()[:200]
    if not counterparty and disposal.method != DisposalMethod.SCRAPPING:
        errors["counterparty"] = _("Name the buyer or receiver.")
    if errors:
        raise ValidationError(errors)
    return {"carried_out_on": day.isoformat(), "proceeds": str(proceeds), "counterparty": counterparty}


def _carry_out(disposal: Disposal, decision: Any, user: Any) -> None:
    """The asset is disposed of: status, proceeds against its owner, a change registration."""
    data = decision.data
    asset = Asset.objects.select_for_update().get(pk=disposal.asset_id)
    disposal.carried_out_on = datetime.date.fromisoformat(data["carried_out_on"])
    disposal.proceeds = Decimal(data["proceeds"])
    disposal.counterparty = data["counterparty"]
    disposal.proceeds_owner_organisation_id = asset.owner_organisation_id
    disposal.proceeds_owner_household_id = asset.owner_household_id
    reason = _("Disposal %(number)s carried out") % {"number": disposal.number}
    with change_context(user, reason):
        asset.status = AssetStatus.DISPOSED
        asset.save()
        record_change_registration(
            asset=asset, kind=METHOD_TO_CHANGE[disposal.method], occurred_on=disposal.carried_out_on,
            description=_("%(method)s (%(reason)s); buyer or receiver: %(counterparty)s") % {
                "method": disposal.get_method_display(), "reason": disposal.get_reason_display(),
                "counterparty": disposal.counterparty or "—"},
            document_number=disposal.approval_number, amount=disposal.proceeds, disposal=disposal,
            recorded_by=user, recorded_organisation_id=decision.organisation_id,
        )


class DisposalWorkflow(Workflow):
    key = "disposal"
    label = gettext_lazy("Disposal")
    steps = (
        Step("township_review", gettext_lazy("township review"),
             who=gettext_lazy("township official of the asset's township"), decider=_township_review),
        Step("department_review", gettext_lazy("department review"),
             who=gettext_lazy("staff of the department supervising the asset's category"),
             decider=_department_review),
        Step("county_approval", gettext_lazy("county approval"),
             who=gettext_lazy("county agriculture bureau (collective and household assets)"),
             decider=_county_approval, on_approved=_record_approval_number),
        Step("committee", gettext_lazy("finance and economy committee passes"),
             who=gettext_lazy("finance staff of the county finance and economy committee (state-owned assets)"),
             decider=_committee, approve_label=gettext_lazy("Pass")),
        Step("finance_approval", gettext_lazy("finance bureau approval (批复)"),
             who=gettext_lazy("finance staff of the finance bureau (state-owned assets)"),
             decider=_finance_approval, approve_label=gettext_lazy("Issue the approval"),
             document_number_required=True, on_approved=_record_approval_number),
        Step("filing", gettext_lazy("re-check and filing"),
             who=gettext_lazy("county agriculture bureau"), decider=_filing, approve_label=gettext_lazy("File it")),
        Step("notice", gettext_lazy("public notice"),
             who=gettext_lazy("township official of the asset's township (closes the notice when it has run)"),
             decider=_notice, on_entered=_start_notice, not_yet=_notice_not_over,
             approve_label=gettext_lazy("Close the notice: no objection")),
        Step("carry_out", gettext_lazy("carried out"),
             who=gettext_lazy("the applicant"), decider=_applicant, clean_extra=_clean_carry_out,
             on_approved=_carry_out, approve_label=gettext_lazy("Record it as carried out")),
    )

    def validate_submission(self, item: Disposal) -> None:
        from disposals.actions import check_disposal

        check_disposal(item)

    def on_submitted(self, item: Disposal, *, first: bool, user: Any) -> None:
        asset = Asset.objects.select_for_update().get(pk=item.asset_id)
        item.ownership_type = asset.ownership_type or OwnershipType.COLLECTIVE
        if asset.status != AssetStatus.UNDER_DISPOSAL:
            item.previous_asset_status = asset.status
            asset.status = AssetStatus.UNDER_DISPOSAL
            asset.save()

    def on_ended(self, item: Disposal, *, user: Any) -> None:
        asset = Asset.objects.select_for_update().get(pk=item.asset_id)
        if asset.status == AssetStatus.UNDER_DISPOSAL and item.previous_asset_status:
            asset.status = item.previous_asset_status
            asset.save()
