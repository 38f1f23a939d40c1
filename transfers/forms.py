"""Forms of the transfer pages: the application (proposal and the detail ledger, one row per
asset of the project) and the registration numbers of the registration step."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.choices import OrganisationKind, RegistrationSystem
from assets.models import Asset, Household, Organisation, Project
from assets.scoping import VIEW
from transfers.choices import OwnershipRule, ShareBasis
from transfers.models import Transfer, TransferLine
from transfers.ownership import (
    REGISTRATION_SYSTEMS,
    LineInput,
    ShareInput,
    allowed_owner_organisations,
    area_villages,
    rule_for,
)
from workflow.engine import OPEN_STATUSES


class TransferForm(forms.Form):
    proposal = forms.CharField(
        label=gettext_lazy("Proposal of the implementing unit"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The meeting's opinion: which assets the project formed, whether and to whom they "
                               "transfer, owners and beneficiaries."),
    )
    meeting_date = forms.DateField(label=gettext_lazy("Meeting date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    share_basis = forms.ChoiceField(label=gettext_lazy("Basis of the shares (cross-village projects)"),
                                    required=False, choices=[("", "—"), *ShareBasis.choices])


class LineRows:
    """One row per asset of the project: included or not, owner, beneficiaries, shares. Reads
    and keeps the posted values so that a refused form comes back as it was typed."""

    def __init__(self, project: Project, user: Any, transfer: Transfer | None = None,
                 data: QueryDict | None = None) -> None:
        self.project = project
        self.data = data
        self.assets = list(
            Asset.objects.filter(project=project).select_related("category", "region", "owner_organisation",
                                                                  "owner_household").order_by("code")
        )
        self.saved = {}
        if transfer is not None:
            for line in transfer.lines.prefetch_related("shares"):
                self.saved[line.asset_id] = line
        villages = area_villages(project)
        self.households = list(
            Household.objects.restrict(user, VIEW).filter(village__in=villages).select_related("village")
            .order_by("village__code", "head_name")[:500]
        )
        self.collectives = list(Organisation.objects.filter(
            kind=OrganisationKind.VILLAGE_COLLECTIVE, is_active=True, region__in=villages).order_by("code"))
        self._owners: dict[str, QuerySet] = {}
        # assets already in another open transfer (the action refuses them; the page says so)
        others = TransferLine.objects.filter(asset__in=self.assets, transfer__status__in=OPEN_STATUSES)
        if transfer is not None:
            others = others.exclude(transfer=transfer)
        self.taken = dict(others.values_list("asset_id", "transfer__number"))

    def owners_for(self, rule: str) -> list[Organisation]:
        if rule not in self._owners:
            self._owners[rule] = list(allowed_owner_organisations(self.project, rule).order_by("kind", "code"))
        return self._owners[rule]

    def _value(self, key: str, saved: Any) -> Any:
        if self.data is not None:
            return self.data.get(key, "")
        return saved

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for asset in self.assets:
            rule = rule_for(asset, self.project)
            line = self.saved.get(asset.pk)
            prefix = f"line-{asset.pk}"
            shares_saved = {s.organisation_id: s.percent for s in line.shares.all()} if line else {}
            default_owner = line.owner_organisation_id if line else (asset.owner_organisation_id or "")
            rows.append({
                "asset": asset, "rule": rule, "rule_display": OwnershipRule(rule).label, "prefix": prefix,
                "taken_by": self.taken.get(asset.pk, ""),
                "included": (f"{prefix}-include" in self.data) if self.data is not None else line is not None,
                "owner_choices": [] if rule == OwnershipRule.HOUSEHOLD else self.owners_for(rule),
                "household_choices": self.households if rule == OwnershipRule.HOUSEHOLD else [],
                "beneficiary_choices": self.households,
                "owner": str(self._value(f"{prefix}-owner", default_owner) or ""),
                "household": str(self._value(f"{prefix}-household",
                                             line.owner_household_id if line else (asset.owner_household_id or ""))
                                  or ""),
                "beneficiaries": {str(pk) for pk in (self.data.getlist(f"{prefix}-beneficiaries")
                                                     if self.data is not None
                                                     else (line.beneficiary_ids if line else []))},
                "note": self._value(f"{prefix}-note", line.note if line else ""),
                "shares": [
                    {"organisation": org, "name": f"{prefix}-share-{org.pk}",
                     "value": self._value(f"{prefix}-share-{org.pk}", shares_saved.get(org.pk, "")) or ""}
                    for org in self.collectives
                ] if rule == OwnershipRule.CROSS_VILLAGE else [],
            })
        return rows

    def lines(self) -> list[LineInput]:
        """The included rows as the action's input; a ValidationError names a bad value."""
        assert self.data is not None
        # any active unit may be named: the ownership rules then say why it cannot own the asset
        owner_keys = {self.data.get(f"line-{asset.pk}-owner", "") for asset in self.assets} - {""}
        by_id = {str(org.pk): org for org in Organisation.objects.filter(
            pk__in=[key for key in owner_keys if key.isdigit()], is_active=True)}
        households = {str(h.pk): h for h in self.households}
        collectives = {org.pk: org for org in self.collectives}
        lines = []
        for asset in self.assets:
            prefix = f"line-{asset.pk}"
            if f"{prefix}-include" not in self.data:
                continue
            owner_key = self.data.get(f"{prefix}-owner", "")
            household_key = self.data.get(f"{prefix}-household", "")
            shares = []
            for org_id, org in collectives.items():
                raw = (self.data.get(f"{prefix}-share-{org_id}") or "").strip()
                if not raw:
                    continue
                try:
                    percent = Decimal(raw).quantize(Decimal("0.01"))
                except InvalidOperation:
                    raise ValidationError({"lines": _("%(asset)s: a share must be a number.")
                                           % {"asset": asset.code}}) from None
                if percent:
                    shares.append(ShareInput(org, percent))
            beneficiary_ids = []
            for raw in self.data.getlist(f"{prefix}-beneficiaries"):
                if raw in households:
                    beneficiary_ids.append(households[raw].pk)
            lines.append(LineInput(
                asset=asset, owner_organisation=by_id.get(owner_key), owner_household=households.get(household_key),
                beneficiary_ids=beneficiary_ids, shares=shares, note=(self.data.get(f"{prefix}-note") or "")[:200],
            ))
        return lines


def registration_rows(transfer: Transfer, data: QueryDict | None = None) -> list[dict[str, Any]]:
    """The inputs of the registration step: one per asset and target system."""
    rows = []
    today = timezone.localdate().isoformat()
    for line in transfer.lines.select_related("asset"):
        for system in REGISTRATION_SYSTEMS[line.ownership_type]:
            key = f"reg-{line.asset_id}-{system}"
            existing = line.asset.registrations.filter(system=system).first()
            rows.append({
                "asset": line.asset, "system": system, "key": key,
                "system_display": RegistrationSystem(system).label,
                "number": (data.get(f"{key}-number") if data is not None
                           else (existing.number if existing else "")),
                "date": (data.get(f"{key}-date") if data is not None
                         else (existing.registered_on.isoformat() if existing else today)),
            })
    return rows


def registrations_from(transfer: Transfer, data: QueryDict) -> list[dict[str, Any]]:
    return [
        {"asset": row["asset"].pk, "system": row["system"], "number": row["number"] or "",
         "registered_on": row["date"] or ""}
        for row in registration_rows(transfer, data)
    ]
