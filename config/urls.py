from django.contrib import admin
from django.urls import include, path

from assets import views as site

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # the API: the register (config.api_urls) and each workflow app's own endpoints
    path("api/", include("config.api_urls")),
    path("api/", include("transfers.api.urls")),
    path("api/", include("disposals.api.urls")),
    path("api/", include("ledgers.api.urls")),
    path("history/", include("audits.urls")),
    path("transfers/", include("workflow.urls")),
    path("transfers/", include("transfers.urls")),
    path("disposals/", include("disposals.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("", include("assets.urls")),
    # the site's own pages, outside any app namespace: home, login, the user's account
    path("", site.HomeView.as_view(), name="home"),
    path("login/", site.LoginView.as_view(), name="login"),
    path("logout/", site.LogoutView.as_view(), name="logout"),
    path("account/", site.AccountView.as_view(), name="account"),
    path("account/password/", site.PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/revoke/", site.TokenRevokeView.as_view(), name="account_token_revoke"),
]

# No /media/ route, in any settings profile: every stored file (evidence, decision attachments,
# import files, export results) is served by a view that checks the user's scope (assets/files.py).

# JSON under /api/, the Chinese pages elsewhere (config/errors.py)
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
