"""Choices of the register, named after the plan's own concepts (四(二), 四(三), 四(四))."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")


class TownshipKind(models.TextChoices):
    XIANG = "xiang", _("township (乡)")
    ZHEN = "zhen", _("town (镇)")
    FARM = "farm", _("farm (场)")


class OrganisationKind(models.TextChoices):
    COUNTY_GOVERNMENT = "county_government", _("county government")
    FINANCE_COMMITTEE = "finance_committee", _("county finance and economy committee")
    FINANCE_BUREAU = "finance_bureau", _("finance bureau")
    AGRI_BUREAU = "agri_bureau", _("agriculture and rural affairs bureau")
    DEPARTMENT = "department", _("industry department")
    AUDIT_BUREAU = "audit_bureau", _("audit bureau")
    DISCIPLINE_COMMISSION = "discipline_commission", _("discipline inspection commission")
    TOWNSHIP_GOVERNMENT = "township_government", _("township government")
    VILLAGE_COLLECTIVE = "village_collective", _("village collective economic organisation")


# Units whose assets are state-owned (国有, 四(四)-7): county departments, the agriculture bureau,
# township governments; a village collective's are collective-owned.
STATE_OWNER_KINDS = frozenset({
    OrganisationKind.DEPARTMENT, OrganisationKind.AGRI_BUREAU, OrganisationKind.TOWNSHIP_GOVERNMENT,
})


class Role(models.TextChoices):
    """The roles of the plan's 五 (职责分工). Scope rules live in assets/scoping.py."""

    VILLAGE_CLERK = "village_clerk", _("village collective clerk")
    TOWNSHIP_OFFICIAL = "township_official", _("township official")
    DEPARTMENT_STAFF = "department_staff", _("department staff")
    COUNTY_AGRI = "county_agri", _("county agriculture bureau")
    FINANCE = "finance", _("finance")
    AUDITOR = "auditor", _("auditor")
    ADMIN = "admin", _("system administrator")


class AssetClass(models.TextChoices):
    OPERATING = "operating", _("operating")
    PUBLIC_BENEFIT = "public_benefit", _("public-benefit")
    # context: in Chinese the class is 到户类, a household (model, ownership type) is 农户
    HOUSEHOLD = "household", pgettext_lazy("asset class", "household")


class AssetForm(models.TextChoices):
    FIXED = "fixed", _("fixed asset")
    EQUITY = "equity", _("equity")
    BIOLOGICAL = "biological", _("biological asset")


class FundingSource(models.TextChoices):
    SPECIAL_POVERTY_FUND = "special_poverty_fund", _("special fiscal poverty-alleviation fund")
    REVITALIZATION_SUBSIDY = "revitalization_subsidy", _("fiscal subsidy for rural revitalization")
    INTEGRATED_AGRI_FUND = "integrated_agri_fund", _("integrated fiscal agriculture-related funds")
    LOCAL_GOVERNMENT_BOND = "local_government_bond", _("local government bonds")
    XINJIANG_AID = "xinjiang_aid", _("aid-Xinjiang funds")
    SOCIAL_DONATION = "social_donation", _("social donations")
    REGIONAL_COOPERATION = "regional_cooperation", _("intra-region cooperation funds")
    OTHER = "other", _("other")


class ValuationBasis(models.TextChoices):
    """四(三): how the original value was determined."""

    FINAL_ACCOUNTS = "final_accounts", _("final accounts amount")
    ACTUAL_EXPENDITURE = "actual_expenditure", _("actual expenditure")
    EQUITY_AGREEMENT = "equity_agreement", _("equity at original value during agreement")
    APPRAISAL = "appraisal", _("professional appraisal")


class DepreciationMethod(models.TextChoices):
    NONE = "none", _("not depreciated")
    STRAIGHT_LINE = "straight_line", _("straight-line")


class OwnershipType(models.TextChoices):
    STATE = "state", _("state-owned")
    COLLECTIVE = "collective", _("collective")
    HOUSEHOLD = "household", _("household")


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("in use")
    IDLE = "idle", _("idle")
    DAMAGED = "damaged", _("damaged")
    UNDER_DISPOSAL = "under_disposal", _("under disposal")
    DISPOSED = "disposed", _("disposed")


class OperatingMode(models.TextChoices):
    """四(五)1."""

    SELF_OPERATED = "self_operated", _("self-operated by the collective")
    CONTRACTED = "contracted", _("contracted out")
    LEASED = "leased", _("leased")
    COOPERATIVE = "cooperative", _("cooperative operation")
    ENTRUSTED = "entrusted", _("entrusted to a market entity")


class RegistrationSystem(models.TextChoices):
    """The external systems of 四(四) an asset is registered in."""

    STATE_ASSET_SYSTEM = "state_asset_system", _("administrative state-owned asset management system")
    COLLECTIVE_PLATFORM = "collective_platform", _("rural collective 'three assets' platform")
    REVITALIZATION_SYSTEM = "revitalization_system", _("national monitoring and rural revitalization system")


class DuplicateCaseStatus(models.TextChoices):
    """A household ID number registered in two villages, for the township to resolve."""

    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")


class PersonalDataChannel(models.TextChoices):
    WEB = "web", _("web page")
    API = "api", _("API")
