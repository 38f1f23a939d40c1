from assets.models.assets import (
    Asset,
    AssetBeneficiary,
    AssetFundingLine,
    AssetRegistration,
    AssetUserObjectPermission,
)
from assets.models.auth import ApiToken, PasswordHistory
from assets.models.households import Household
from assets.models.organisations import AssetCategory, Organisation
from assets.models.outbox import OutboxMessage, OutboxStatus
from assets.models.people import RoleAssignment, User
from assets.models.personal import HouseholdDuplicateCase, PersonalDataAccess
from assets.models.projects import Project, ProjectFundingLine
from assets.models.regions import Region

__all__ = [
    "ApiToken",
    "Asset",
    "AssetBeneficiary",
    "AssetCategory",
    "AssetFundingLine",
    "AssetRegistration",
    "AssetUserObjectPermission",
    "Household",
    "HouseholdDuplicateCase",
    "Organisation",
    "OutboxMessage",
    "OutboxStatus",
    "PasswordHistory",
    "PersonalDataAccess",
    "Project",
    "ProjectFundingLine",
    "Region",
    "RoleAssignment",
    "User",
]
