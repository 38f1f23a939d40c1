"""Web pages of the register; one small class per action, all on assets/views/base.py."""

from assets.views.assets import AssetCreateView, AssetEditView, AssetListView, AssetView
from assets.views.auth import LoginView, LogoutView
from assets.views.home import HomeView
from assets.views.households import HouseholdCreateView, HouseholdEditView, HouseholdListView, HouseholdView
from assets.views.projects import ProjectCreateView, ProjectEditView, ProjectListView, ProjectView

__all__ = [
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
    "ProjectCreateView",
    "ProjectEditView",
    "ProjectListView",
    "ProjectView",
]
