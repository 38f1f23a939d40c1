"""Login and logout (Django's views; logout by POST only), the user's account page with their API
tokens, and the change-password page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from assets.forms import LoginForm
from assets.forms.auth import PasswordChangeForm
from assets.models import ApiToken
from assets.tokens import live_tokens, revoke_all_tokens, revoke_token


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class AccountView(LoginRequiredMixin, TemplateView):
    """Who you are, a link to change your password, and your API tokens with a revoke button."""

    template_name = "registration/account.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        tokens: list[ApiToken] = list(live_tokens(self.request.user))
        context["tokens"] = tokens
        return context


class TokenRevokeView(LoginRequiredMixin, View):
    """POST: revoke one of your tokens (``token`` = its ID) or all of them (``all``)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("all"):
            count = revoke_all_tokens(request.user)
            messages.success(request, _("All your API tokens are revoked (%(count)d).") % {"count": count})
        else:
            try:
                revoked = revoke_token(request.user, request.POST.get("token", ""))
            except (ValidationError, ValueError):  # not a UUID: nothing of yours by that name
                revoked = False
            if revoked:
                messages.success(request, _("The API token is revoked."))
            else:
                messages.error(request, _("You have no such API token: it may have expired already."))
        return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Your own password; also where a forced change leads (assets/passwords.py)."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password
        context["next"] = self._next()
        return context

    def _next(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()},
                                           require_https=self.request.is_secure()):
            return target
        return ""

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        form.save()
        update_session_auth_hash(self.request, form.user)  # stay logged in here; other sessions end
        messages.success(self.request, _("Your password has been changed. Your API tokens were revoked: "
                                         "log in to the API again for a new one."))
        return HttpResponseRedirect(self._next() or self.get_success_url())
