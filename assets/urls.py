"""The register's pages: assets, households (and their duplicate cases), projects."""

from django.urls import path

from assets import views
from assets.views.duplicates import DuplicateCaseListView, DuplicateCaseView
from assets.views.households import HouseholdRevealView

app_name = "assets"

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="asset_list"),
    path("assets/add/", views.AssetCreateView.as_view(), name="asset_add"),
    path("assets/<int:pk>/", views.AssetView.as_view(), name="asset_detail"),
    path("assets/<int:pk>/edit/", views.AssetEditView.as_view(), name="asset_edit"),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/add/", views.HouseholdCreateView.as_view(), name="household_add"),
    path("households/<int:pk>/", views.HouseholdView.as_view(), name="household_detail"),
    path("households/<int:pk>/edit/", views.HouseholdEditView.as_view(), name="household_edit"),
    path("households/<int:pk>/reveal/", HouseholdRevealView.as_view(), name="household_reveal"),
    path("households/duplicates/", DuplicateCaseListView.as_view(), name="household_duplicate_list"),
    path("households/duplicates/<int:pk>/", DuplicateCaseView.as_view(), name="household_duplicate_detail"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/add/", views.ProjectCreateView.as_view(), name="project_add"),
    path("projects/<int:pk>/", views.ProjectView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectEditView.as_view(), name="project_edit"),
]
