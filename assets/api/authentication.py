"""The API's token authentication (settings.REST_FRAMEWORK): django-rest-knox tokens, model
assets.ApiToken. Kept apart from the views of assets/api/auth.py because DRF imports
authentication classes while rest_framework.views is still being imported."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.request import Request

from assets.models import ApiToken
from assets.passwords import PASSWORD_CHANGE_VIEWS, password_change_required_message


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_code = "password_change_required"

    def __init__(self) -> None:
        super().__init__(password_change_required_message(), code=self.default_code)


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token authentication, which also notes when a token was last used, and refuses
    (403) everything but changing the password to a user who must change it."""

    def renew_token(self, auth_token: ApiToken) -> None:
        now = timezone.now()
        new_expiry = now + knox_settings.TOKEN_TTL
        if knox_settings.AUTO_REFRESH_MAX_TTL is not None:
            new_expiry = min(new_expiry, auth_token.created + knox_settings.AUTO_REFRESH_MAX_TTL)
        stale = auth_token.last_used is None or (now - auth_token.last_used).total_seconds() > \
            knox_settings.MIN_REFRESH_INTERVAL
        moved = abs((new_expiry - auth_token.expiry).total_seconds()) > knox_settings.MIN_REFRESH_INTERVAL
        if stale or moved:  # at most one write a minute per token
            auth_token.expiry = new_expiry
            auth_token.last_used = now
            auth_token.save(update_fields=["expiry", "last_used"])

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        result = super().authenticate(request)
        if result is not None and result[0].must_change_password:
            match = getattr(request._request, "resolver_match", None)
            if match is None or match.view_name not in PASSWORD_CHANGE_VIEWS:
                raise PasswordChangeRequired()
        return result
