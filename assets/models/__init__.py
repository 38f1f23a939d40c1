from assets.models.assets import (
    Asset,
    AssetBeneficiary,
    AssetFundingLine,
    AssetRegistration,
    AssetUserObjectPermission,
)
from assets.models.households import Household
from assets.models.organisations import AssetCategory, Organisation
from assets.models.people import LoginFailure, RoleAssignment, User
from assets.models.projects import Project, ProjectFundingLine
from assets.models.regions import Region

__all__ = [
    "Asset",
    "AssetBeneficiary",
    "AssetCategory",
    "AssetFundingLine",
    "AssetRegistration",
    "AssetUserObjectPermission",
    "Household",
    "LoginFailure",
    "Organisation",
    "Project",
    "ProjectFundingLine",
    "Region",
    "RoleAssignment",
    "User",
]
