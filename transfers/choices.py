"""Choices of ownership confirmation and transfer (四(四))."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnershipRule(models.TextChoices):
    """Which rule of 四(四) decides an asset's owner."""

    VILLAGE_ONLY = "village_only", _("village-only project: the village collective")
    CROSS_VILLAGE = "cross_village", _("cross-village project: the county decides, in shares")
    PUBLIC_BENEFIT = "public_benefit", _("public-benefit asset: the implementing level")
    HOUSEHOLD = "household", _("household asset: the household")


class ShareBasis(models.TextChoices):
    """四(四)1: how a cross-village asset is quantified across villages."""

    INVESTMENT = "investment", _("by investment ratio")
    HOUSEHOLDS = "households", _("by households covered")


class ChangeKind(models.TextChoices):
    """变更登记 (四(四)): later changes to a registered asset."""

    SALE = "sale", _("sale")
    TRANSFER = "transfer", _("transfer")
    DAMAGE = "damage", _("damage")
    SCRAPPING = "scrapping", _("scrapping")
    OWNERSHIP = "ownership", _("change of owner")
