"""Projects of the county project library (项目库) and their funding lines (四(一))."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from assets.choices import FundingSource
from assets.history import domain_history
from assets.models.base import ScopedModel
from assets.scoping import ActionScope
from assets.validators import FIRST_YEAR, MONEY

NON_NEGATIVE = Decimal("0")


class Project(ScopedModel):
    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    implementing_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, related_name="implemented_projects",
        verbose_name=_("implementing unit"),
    )
    region = models.ForeignKey(
        "assets.Region", models.PROTECT, related_name="projects", verbose_name=_("implementing level"),
        help_text=_("The village for a village-only project, the township or county for a wider one."),
    )
    township = models.ForeignKey(
        "assets.Region", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("township"),
    )
    covered_regions = models.ManyToManyField(
        "assets.Region", blank=True, related_name="covered_by_projects", verbose_name=_("regions covered")
    )
    poor_households_covered = models.PositiveIntegerField(_("poverty-alleviated households covered"), default=0)
    monitored_households_covered = models.PositiveIntegerField(_("monitored households covered"), default=0)
    total_investment = models.DecimalField(_("total investment (yuan)"), **MONEY)
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    acceptance_date = models.DateField(_("acceptance date"), null=True, blank=True)
    needs_final_accounts = models.BooleanField(_("final accounts required"), default=True)
    final_accounts_done = models.BooleanField(_("final accounts done"), default=False)
    final_accounts_amount = models.DecimalField(_("final accounts amount (yuan)"), null=True, blank=True, **MONEY)
    description = models.TextField(_("description"), blank=True)

    history = domain_history(m2m_fields=["covered_regions"])
    scope_key = "project"

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR), name="project_year_from_2013",
                violation_error_message=_("The year must be 2013 or later."),
            ),
            models.CheckConstraint(
                condition=Q(total_investment__gte=0), name="project_investment_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(final_accounts_amount__isnull=True) | Q(final_accounts_amount__gte=0),
                name="project_final_accounts_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(final_accounts_done=False) | Q(final_accounts_amount__isnull=False),
                name="project_final_accounts_amount_when_done",
                violation_error_message=_("Give the final accounts amount when the final accounts are done."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.township_id = self.region.township_id if self.region_id else None
        super().save(*args, **kwargs)

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        from assets.models.assets import Asset

        covered = Project.covered_regions.through.objects.filter(project_id=OuterRef("pk"))
        q = Q(pk__in=[])
        if scope.village_ids:
            q |= Q(region_id__in=scope.village_ids) | Q(Exists(covered.filter(region_id__in=scope.village_ids)))
        if scope.township_ids:
            q |= Q(township_id__in=scope.township_ids) | Q(
                Exists(covered.filter(region__township_id__in=scope.township_ids))
            )
        if scope.department_ids:
            q |= Q(implementing_organisation_id__in=scope.department_ids) | Q(
                Exists(Asset.objects.filter(project_id=OuterRef("pk"),
                                            supervising_department_id__in=scope.department_ids))
            )
        return q


class FundingLine(models.Model):
    """One funding source and its amount (资金来源)."""

    source = models.CharField(_("funding source"), max_length=30, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount}"


class ProjectFundingLine(FundingLine):
    project = models.ForeignKey(Project, models.CASCADE, related_name="funding_lines", verbose_name=_("project"))

    history = domain_history()

    class Meta:
        verbose_name = _("project funding line")
        verbose_name_plural = _("project funding lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="project_funding_not_negative",
                                   violation_error_message=_("Amounts cannot be negative.")),
            models.UniqueConstraint(fields=["project", "source"], name="unique_project_funding_source",
                                    violation_error_message=_("Each funding source may appear once.")),
        ]
