"""Routes of the register API (included at /api/ by config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assets.api import auth, views

router = DefaultRouter()
router.register("assets", views.AssetViewSet, basename="asset")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("regions", views.RegionViewSet, basename="region")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("categories", views.AssetCategoryViewSet, basename="category")

urlpatterns = [
    path("auth/token/", auth.ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", auth.LogoutAllView.as_view(), name="api-logout-all"),
    path("auth/tokens/", auth.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<uuid:public_id>/revoke/", auth.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("auth/password/", auth.PasswordChangeView.as_view(), name="api-password"),
    *router.urls,
]
