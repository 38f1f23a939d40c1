"""Choices of disposal (四(八))."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisposalReason(models.TextChoices):
    """四(八): the only grounds on which an asset may be disposed of."""

    NATURAL_WEAR = "natural_wear", _("natural wear")
    NORMAL_SCRAPPING = "normal_scrapping", _("normal scrapping")
    MARKET_RISK = "market_risk", _("market risk")
    DAMAGE = "damage", _("damage")


class DisposalMethod(models.TextChoices):
    AUCTION = "auction", _("auction")
    TRANSFER = "transfer", _("transfer")
    SCRAPPING = "scrapping", _("scrapping")
    EQUITY_EXIT = "equity_exit", _("equity exit")
