"""Households (农户): beneficiaries and owners of household assets."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel
from assets.history import domain_history
from assets.models.base import ScopedModel
from assets.scoping import COUNTY_WIDE_ROLES, ActionScope, Role, role_grants
from assets.validators import mask_id_number

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """An 18-character resident ID number with a valid check digit (GB 11643)."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise ValidationError(_("Enter an 18-character ID number (17 digits and a digit or X)."))
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's check digit is wrong."))


class Household(ScopedModel):
    head_name = models.CharField(_("head of household"), max_length=60)
    id_number = models.CharField(
        _("ID number"), max_length=18, db_index=True, validators=[validate_id_number],
        help_text=_("Personal information: shown masked except to the village clerk and county roles."),
    )
    village = models.ForeignKey(
        "assets.Region", models.PROTECT, related_name="households", verbose_name=_("village"),
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    township = models.ForeignKey(
        "assets.Region", models.PROTECT, related_name="+", editable=False, verbose_name=_("township")
    )
    is_poverty_alleviated = models.BooleanField(_("poverty-alleviated household"), default=False)
    is_monitored = models.BooleanField(_("monitored household"), default=False)
    members_count = models.PositiveSmallIntegerField(_("members"), default=1)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The same ID number registered in another village: a case for the township to resolve
    # (assets/duplicates.py). Unique per village only, so that a clerk never learns from a
    # refusal that the number exists somewhere outside their village.
    duplicate_case_open = models.BooleanField(_("duplicate ID number under review"), default=False,
                                              editable=False)

    history = domain_history()
    scope_key = "household"

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village_id", "head_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(members_count__gte=1), name="household_has_members",
                violation_error_message=_("A household has at least one member."),
            ),
            models.UniqueConstraint(
                fields=["village", "id_number"], name="unique_household_id_number_per_village",
                violation_error_message=_("A household with this ID number is already registered in this village."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.head_name}（{self.village.name}）"

    def clean(self) -> None:
        if self.village_id and self.village.level != RegionLevel.VILLAGE:
            raise ValidationError({"village": _("Choose a village.")})

    def save(self, *args, **kwargs) -> None:
        self.township_id = self.village.township_id
        super().save(*args, **kwargs)

    def id_number_for(self, user) -> str:
        """Full ID only for the household's own village clerk and county roles."""
        return self.id_number if may_see_full_id(user, self.village_id) else mask_id_number(self.id_number)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return Q(village_id__in=scope.village_ids) | Q(township_id__in=scope.township_ids)


def may_see_full_id(user, village_id: int | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    for grant in role_grants(user):
        if grant.role in COUNTY_WIDE_ROLES:
            return True
        if grant.role == Role.VILLAGE_CLERK and grant.region_id == village_id:
            return True
    return False
