from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # the API: the register (config.api_urls) and each workflow app's own endpoints
    path("api/", include("config.api_urls")),
    path("api/", include("transfers.api.urls")),
    path("api/", include("disposals.api.urls")),
    path("api/", include("ledgers.api.urls")),
    path("history/", include("audits.urls")),
    path("transfers/", include("transfers.urls")),
    path("disposals/", include("disposals.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("", include("assets.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
