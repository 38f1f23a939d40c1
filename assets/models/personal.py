"""Personal data of households: duplicate ID number cases and the log of full-value views."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import DuplicateCaseStatus, PersonalDataChannel
from assets.history import domain_history
from assets.models.base import ScopedModel
from assets.scoping import ActionScope


class HouseholdDuplicateCase(ScopedModel):
    """One ID number registered for households of two villages. The clerk who entered the second
    is not told (that would reveal a record outside their village); the townships concerned and
    the county resolve it."""

    household = models.ForeignKey("assets.Household", models.PROTECT, related_name="duplicate_cases",
                                  verbose_name=_("household entered"))
    other_household = models.ForeignKey("assets.Household", models.PROTECT, related_name="duplicate_cases_as_other",
                                        verbose_name=_("household already registered"))
    # denormalised from the two households, for scoping
    township = models.ForeignKey("assets.Region", models.PROTECT, related_name="+", editable=False,
                                 verbose_name=_("township"))
    other_township = models.ForeignKey("assets.Region", models.PROTECT, related_name="+", editable=False,
                                       verbose_name=_("township of the other household"))
    status = models.CharField(_("status"), max_length=10, choices=DuplicateCaseStatus.choices,
                              default=DuplicateCaseStatus.OPEN)
    created_by = models.ForeignKey("assets.User", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("entered by"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey("assets.User", models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    history = domain_history()
    scope_key = "household_duplicate"

    class Meta:
        verbose_name = _("duplicate ID number case")
        verbose_name_plural = _("duplicate ID number cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "other_household"],
                                    condition=Q(status=DuplicateCaseStatus.OPEN),
                                    name="one_open_duplicate_case_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.household} / {self.other_household}"

    def save(self, *args, **kwargs) -> None:
        self.township_id = self.household.township_id
        self.other_township_id = self.other_household.township_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("assets:household_duplicate_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == DuplicateCaseStatus.OPEN

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return Q(township_id__in=scope.township_ids) | Q(other_township_id__in=scope.township_ids)


class PersonalDataAccess(ScopedModel):
    """Who saw a household's personal data in full, when, and why (the explicit "show" action).
    A log: written once, never changed."""

    user = models.ForeignKey("assets.User", models.PROTECT, related_name="+", verbose_name=_("user"))
    household = models.ForeignKey("assets.Household", models.PROTECT, related_name="personal_data_accesses",
                                  verbose_name=_("household"))
    # denormalised for scoping
    village = models.ForeignKey("assets.Region", models.PROTECT, related_name="+", editable=False,
                                verbose_name=_("village"))
    township = models.ForeignKey("assets.Region", models.PROTECT, related_name="+", editable=False,
                                 verbose_name=_("township"))
    fields = models.CharField(_("fields shown"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=PersonalDataChannel.choices)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    scope_key = "personal_data_access"

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="personal_access_time_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.household} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        self.village_id = self.household.village_id
        self.township_id = self.household.township_id
        super().save(*args, **kwargs)

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return Q(village_id__in=scope.village_ids) | Q(township_id__in=scope.township_ids)
