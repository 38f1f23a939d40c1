"""/api/: the register's endpoints, token login, the OpenAPI 3 schema and its browsable docs
(Swagger UI served from our own static files, so the page loads nothing from outside)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("assets.api.urls")),
]
