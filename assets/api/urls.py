"""Routes of the register API (included at /api/ by config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assets.api import views

router = DefaultRouter()
router.register("assets", views.AssetViewSet, basename="asset")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("regions", views.RegionViewSet, basename="region")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("categories", views.AssetCategoryViewSet, basename="category")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
