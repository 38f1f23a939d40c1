"""Login and logout (Django's views; logout by POST only)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from assets.forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]
