"""Ownership confirmation and transfer (确权移交登记, 四(四)) and change registrations (变更登记)."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import OwnershipType
from assets.history import domain_history
from assets.models import Asset, Project
from assets.models.base import ScopedModel
from assets.scoping import ActionScope
from assets.validators import MONEY
from transfers.choices import ChangeKind, OwnershipRule, ShareBasis
from workflow import engine


def asset_scope_q(scope: ActionScope, prefix: str) -> Q:
    """Asset.scope_q for a relation ``prefix`` (e.g. "asset__")."""
    return (
        Q(**{f"{prefix}region_id__in": scope.village_ids})
        | Q(**{f"{prefix}township_id__in": scope.township_ids})
        | Q(**{f"{prefix}supervising_department_id__in": scope.department_ids})
    )


class Transfer(engine.WorkflowItem):
    """One transfer of a project's assets to one receiving unit (一次移交一个接收单位)."""

    project = models.ForeignKey(Project, models.PROTECT, related_name="transfers", verbose_name=_("project"))
    receiving_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, related_name="received_transfers", editable=False,
        verbose_name=_("receiving unit"),
        help_text=_("The owner; for household assets the households' village collective; for a "
                    "cross-village project the county agriculture bureau, which records the county's decision."),
    )
    proposal = models.TextField(
        _("proposal of the implementing unit"),
        help_text=_("The meeting's opinion: which assets the project formed, whether and to whom they transfer."),
    )
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    share_basis = models.CharField(_("basis of the shares"), max_length=20, choices=ShareBasis.choices, blank=True)
    approval_number = models.CharField(_("approval document number"), max_length=60, blank=True, editable=False)
    approved_on = models.DateField(_("approved on"), null=True, blank=True, editable=False)
    # denormalised from the project, for scoping
    region = models.ForeignKey("assets.Region", models.PROTECT, related_name="+", editable=False,
                               verbose_name=_("implementing level"))
    township = models.ForeignKey("assets.Region", models.PROTECT, null=True, blank=True, related_name="+",
                                 editable=False, verbose_name=_("township"))

    history = domain_history()
    scope_key = "transfer"

    class Meta(engine.WorkflowItem.Meta):
        verbose_name = _("ownership transfer")
        verbose_name_plural = _("ownership transfers")

    def save(self, *args, **kwargs) -> None:
        if self.project_id:
            self.region_id = self.project.region_id
            self.township_id = self.project.township_id
        if not self.number:
            self.number = engine.next_number(Transfer, "YJ")
        super().save(*args, **kwargs)

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        lines = TransferLine.objects.filter(Q(transfer_id=OuterRef("pk")) & asset_scope_q(scope, "asset__"))
        return (
            Q(region_id__in=scope.village_ids)
            | Q(township_id__in=scope.township_ids)
            | Q(project__implementing_organisation_id__in=scope.department_ids)
            | Q(receiving_organisation_id__in=scope.department_ids)
            | Q(receiving_organisation__region_id__in=scope.village_ids)
            | Q(receiving_organisation__region__township_id__in=scope.township_ids)
            | Q(Exists(lines))
        )

    title_related = ("project",)

    @property
    def title(self) -> str:
        return self.project.name

    def get_absolute_url(self) -> str:
        return reverse("transfers:detail", args=[self.pk])

    @staticmethod
    def list_url() -> str:
        return reverse("transfers:list")

    @property
    def is_cross_village(self) -> bool:
        return any(line.rule == OwnershipRule.CROSS_VILLAGE for line in self.lines.all())


class TransferLine(models.Model):
    """One asset of the detail ledger (资产明细台账): its owner after the transfer and why."""

    transfer = models.ForeignKey(Transfer, models.CASCADE, related_name="lines", verbose_name=_("transfer"))
    asset = models.ForeignKey(Asset, models.PROTECT, related_name="transfer_lines", verbose_name=_("asset"))
    rule = models.CharField(_("ownership rule"), max_length=20, choices=OwnershipRule.choices)
    ownership_type = models.CharField(_("ownership type"), max_length=20, choices=OwnershipType.choices)
    owner_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner (organisation)"),
    )
    owner_household = models.ForeignKey(
        "assets.Household", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner (household)"),
    )
    beneficiary_ids = models.JSONField(
        _("beneficiary households"), default=list, blank=True,
        help_text=_("Household ids; empty keeps the asset's current beneficiaries."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # the owner before completion, kept for the trail and the change registration
    previous_ownership_type = models.CharField(_("previous ownership type"), max_length=20, blank=True,
                                               choices=OwnershipType.choices, editable=False)
    previous_owner_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("previous owner (organisation)"),
    )
    previous_owner_household = models.ForeignKey(
        "assets.Household", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("previous owner (household)"),
    )

    history = domain_history()

    class Meta:
        verbose_name = _("transferred asset")
        verbose_name_plural = _("transferred assets")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "asset"], name="unique_transfer_asset",
                                    violation_error_message=_("An asset appears once in a transfer.")),
            models.CheckConstraint(
                condition=~Q(owner_organisation__isnull=False, owner_household__isnull=False),
                name="transfer_line_single_owner",
                violation_error_message=_("An asset is owned by an organisation or a household, not both."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer} · {self.asset}"

    @property
    def owner(self):
        return self.owner_household or self.owner_organisation


class TransferShare(models.Model):
    """A village collective's share of a cross-village asset (四(四)1 二): shares add up to 100%."""

    line = models.ForeignKey(TransferLine, models.CASCADE, related_name="shares", verbose_name=_("transferred asset"))
    organisation = models.ForeignKey("assets.Organisation", models.PROTECT, related_name="+",
                                     verbose_name=_("village collective"))
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    basis_amount = models.DecimalField(
        _("basis"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("The village's investment (yuan) or covered households behind the share."),
    )

    history = domain_history()

    class Meta:
        verbose_name = _("ownership share")
        verbose_name_plural = _("ownership shares")
        ordering = ["-percent", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "organisation"], name="unique_share_per_collective"),
            models.CheckConstraint(condition=Q(percent__gt=0) & Q(percent__lte=100), name="share_percent_range",
                                   violation_error_message=_("A share is more than 0% and at most 100%.")),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.percent}%"


class TransferDecision(engine.DecisionRecord):
    item = models.ForeignKey(Transfer, models.PROTECT, related_name="decisions", verbose_name=_("transfer"))

    class Meta(engine.DecisionRecord.Meta):
        verbose_name = _("transfer decision")
        verbose_name_plural = _("transfer decisions")


class ChangeRegistration(ScopedModel):
    """变更登记: a later sale, transfer, damage or scrapping of a registered asset (四(四)), and
    changes of owner. Sales, transfers and scrappings come only from a carried-out disposal."""

    asset = models.ForeignKey(Asset, models.PROTECT, related_name="change_registrations", verbose_name=_("asset"))
    kind = models.CharField(_("kind of change"), max_length=20, choices=ChangeKind.choices)
    occurred_on = models.DateField(_("date of the change"))
    description = models.TextField(_("description"), blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    transfer = models.ForeignKey(Transfer, models.PROTECT, null=True, blank=True, related_name="change_registrations",
                                 verbose_name=_("transfer"))
    disposal = models.ForeignKey("disposals.Disposal", models.PROTECT, null=True, blank=True,
                                 related_name="change_registrations", verbose_name=_("disposal"))
    recorded_by = models.ForeignKey("assets.User", models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_organisation = models.ForeignKey("assets.Organisation", models.PROTECT, null=True, blank=True,
                                              related_name="+", verbose_name=_("recorded by organisation"))

    history = domain_history()
    scope_key = "asset"  # follows the asset: whoever may see or change the asset

    class Meta:
        verbose_name = _("change registration")
        verbose_name_plural = _("change registrations")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.asset.code} {self.get_kind_display()} {self.occurred_on}"

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return asset_scope_q(scope, "asset__")

