"""API tokens (django-rest-knox, model assets.ApiToken): issue, list and revoke. The API
(assets/api/auth.py) and the account page (assets/views/auth.py) both call these."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from knox.settings import knox_settings

from assets.auth import client_ip
from assets.models import ApiToken


def issue_token(user: Any, request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (holding only the key's digest) and the key itself,
    which is shown this once and never stored."""
    extra: dict[str, Any] = {}
    if request is not None:
        extra = {"client_ip": client_ip(request),
                 "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}
    lifetime = knox_settings.TOKEN_TTL
    if knox_settings.AUTO_REFRESH_MAX_TTL is not None:
        lifetime = min(lifetime, knox_settings.AUTO_REFRESH_MAX_TTL)
    return ApiToken.objects.create(user=user, expiry=lifetime, **extra)


def live_tokens(user: Any) -> QuerySet[ApiToken]:
    """The user's tokens that have not expired (expired ones are deleted as they are met)."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def revoke_token(user: Any, public_id: Any) -> bool:
    """Revoke one of the user's own tokens; False when there is no such token of theirs."""
    deleted, _rows = ApiToken.objects.filter(user=user, public_id=public_id).delete()
    return bool(deleted)


def revoke_all_tokens(user: Any) -> int:
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return deleted
