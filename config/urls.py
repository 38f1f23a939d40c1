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

# No /media/ route, in any settings profile: every stored file (evidence, decision attachments,
# import files, export results) is served by a view that checks the user's scope (assets/files.py).

# JSON under /api/, the Chinese pages elsewhere (config/errors.py)
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
