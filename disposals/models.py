"""Disposal of assets (处置, 四(八)): application, the review chain, public notice, carrying out."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetStatus, OwnershipType
from assets.history import domain_history
from assets.models import Asset
from assets.scoping import ActionScope
from assets.validators import MONEY
from disposals.choices import DisposalMethod, DisposalReason
from workflow import engine

NOTICE_STEP = "notice"


class Disposal(engine.WorkflowItem):
    asset = models.ForeignKey(Asset, models.PROTECT, related_name="disposals", verbose_name=_("asset"))
    reason = models.CharField(_("reason"), max_length=20, choices=DisposalReason.choices)
    method = models.CharField(_("method"), max_length=20, choices=DisposalMethod.choices)
    description = models.TextField(_("condition of the asset"),
                                   help_text=_("Why the asset can no longer serve: its state, losses, damage."))
    appraised_value = models.DecimalField(_("appraised value (yuan)"), null=True, blank=True, **MONEY)
    earning_justification = models.TextField(
        _("why dispose of an earning asset"), blank=True,
        help_text=_("Required when the asset is running well and earning (四(八): such assets are not disposed "
                    "of in principle)."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("public notice period (days)"), default=7, validators=[MinValueValidator(5), MaxValueValidator(30)],
    )
    # facts the system keeps
    earning_flag = models.BooleanField(_("asset is running well and earning"), default=False, editable=False)
    earning_note = models.CharField(_("why it counts as earning"), max_length=300, blank=True, editable=False)
    ownership_type = models.CharField(_("ownership type"), max_length=20, choices=OwnershipType.choices,
                                      blank=True, editable=False)
    previous_asset_status = models.CharField(_("asset status before the application"), max_length=20, blank=True,
                                             choices=AssetStatus.choices, editable=False)
    notice_starts_on = models.DateField(_("public notice from"), null=True, blank=True, editable=False)
    notice_ends_on = models.DateField(_("public notice until"), null=True, blank=True, editable=False)
    approval_number = models.CharField(_("approval document number"), max_length=60, blank=True, editable=False)
    carried_out_on = models.DateField(_("carried out on"), null=True, blank=True, editable=False)
    proceeds = models.DecimalField(_("proceeds (yuan)"), null=True, blank=True, editable=False, **MONEY)
    counterparty = models.CharField(_("buyer or receiver"), max_length=200, blank=True, editable=False)
    proceeds_owner_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="disposal_proceeds",
        editable=False, verbose_name=_("proceeds belong to (organisation)"),
    )
    proceeds_owner_household = models.ForeignKey(
        "assets.Household", models.PROTECT, null=True, blank=True, related_name="disposal_proceeds",
        editable=False, verbose_name=_("proceeds belong to (household)"),
    )
    # denormalised from the asset, for scoping and the public notice pages
    region = models.ForeignKey("assets.Region", models.PROTECT, related_name="+", editable=False,
                               verbose_name=_("location"))
    township = models.ForeignKey("assets.Region", models.PROTECT, null=True, blank=True, related_name="+",
                                 editable=False, verbose_name=_("township"))
    department = models.ForeignKey("assets.Organisation", models.PROTECT, null=True, blank=True, related_name="+",
                                   editable=False, verbose_name=_("supervising department"))

    history = domain_history()
    scope_key = "disposal"

    class Meta(engine.WorkflowItem.Meta):
        verbose_name = _("disposal")
        verbose_name_plural = _("disposals")
        indexes = [
            *engine.WorkflowItem.Meta.indexes,
            models.Index(fields=["township", "status", "current_step"], name="disposal_public_township"),
            models.Index(fields=["region", "status", "current_step"], name="disposal_public_village"),
        ]
        constraints = [
            # one open application per asset, enforced by the database
            models.UniqueConstraint(fields=["asset"], condition=Q(status__in=list(engine.OPEN_STATUSES)),
                                    name="one_open_disposal_per_asset",
                                    violation_error_message=_("This asset already has an open disposal.")),
            models.CheckConstraint(condition=Q(proceeds__isnull=True) | Q(proceeds__gte=0),
                                   name="disposal_proceeds_not_negative",
                                   violation_error_message=_("Amounts cannot be negative.")),
        ]

    def save(self, *args, **kwargs) -> None:
        if self.asset_id:
            self.region_id = self.asset.region_id
            self.township_id = self.asset.township_id
            self.department_id = self.asset.supervising_department_id
        if not self.number:
            self.number = engine.next_number(Disposal, "CZ")
        super().save(*args, **kwargs)

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return (
            Q(region_id__in=scope.village_ids)
            | Q(township_id__in=scope.township_ids)
            | Q(department_id__in=scope.department_ids)
            | Q(applicant_organisation_id__in=scope.department_ids)
        )

    @classmethod
    def public_q(cls) -> Q:
        """What the public notice pages show: disposals in notice, and those carried out."""
        return Q(status=engine.ItemStatus.DONE) | Q(status=engine.ItemStatus.IN_REVIEW, current_step=NOTICE_STEP)

    title_related = ("asset",)

    @property
    def title(self) -> str:
        return f"{self.asset.code} {self.asset.name}"

    def get_absolute_url(self) -> str:
        return reverse("disposals:detail", args=[self.pk])

    @staticmethod
    def list_url() -> str:
        return reverse("disposals:list")

    @property
    def in_notice(self) -> bool:
        return self.status == engine.ItemStatus.IN_REVIEW and self.current_step == NOTICE_STEP

    @property
    def is_state_owned(self) -> bool:
        return self.ownership_type == OwnershipType.STATE


def evidence_path(instance: DisposalEvidence, filename: str) -> str:
    return f"workflows/disposals/evidence/{instance.disposal.number}/{filename}"


class DisposalEvidence(models.Model):
    """A file behind an application: photos of the damage, an appraisal, a meeting record."""

    disposal = models.ForeignKey(Disposal, models.PROTECT, related_name="evidence", verbose_name=_("disposal"))
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    description = models.CharField(_("description"), max_length=200)
    round = models.PositiveSmallIntegerField(_("added before submission"), default=1)
    uploaded_by = models.ForeignKey("assets.User", models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = domain_history()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class DisposalDecision(engine.DecisionRecord):
    item = models.ForeignKey(Disposal, models.PROTECT, related_name="decisions", verbose_name=_("disposal"))

    class Meta(engine.DecisionRecord.Meta):
        verbose_name = _("disposal decision")
        verbose_name_plural = _("disposal decisions")

