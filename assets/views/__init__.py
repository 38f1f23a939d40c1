"""Web pages of the register; one small class per action, all on assets/views/base.py."""

from assets.views.assets import AssetCreateView, AssetEditView, AssetListView, AssetView
from assets.views.auth import AccountView, LoginView, LogoutView, PasswordChangeView, TokenRevokeView
from assets.views.home import HomeView
from assets.views.households import HouseholdCreateView, HouseholdEditView, HouseholdListView, HouseholdView
from assets.views.projects import ProjectCreateView, ProjectEditView, ProjectListView, ProjectView

__all__ = [
    "AccountView",
    "AssetCreateView",
    "AssetEditView",
    "AssetListView",
    "AssetView",
    "HomeView",
    "HouseholdCreateView",
    "HouseholdEditView",
    "HouseholdListView",
    "HouseholdView",
    "LoginView",
    "LogoutView",
    "PasswordChangeView",
    "ProjectCreateView",
    "ProjectEditView",
    "ProjectListView",
    "ProjectView",
    "TokenRevokeView",
]
