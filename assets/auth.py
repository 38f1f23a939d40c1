"""Login with lockout: an account name is locked for LOCKOUT_MINUTES after LOCKOUT_FAILURES
failed attempts within that window. Applies to the login page and the API token endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _


class AccountLocked(PermissionDenied):
    pass


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOCKOUT_MINUTES)


def is_locked(username: str) -> bool:
    from assets.models import LoginFailure

    recent = LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start()).count()
    return recent >= settings.LOCKOUT_FAILURES


def lockout_message() -> str:
    return _("Too many failed logins: this account is locked for %(minutes)d minutes.") % {
        "minutes": settings.LOCKOUT_MINUTES
    }


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any):
        from assets.models import LoginFailure

        if username is None:
            username = kwargs.get("username")
        if not username:
            return None
        if is_locked(username):
            # PermissionDenied stops Django trying further backends
            raise AccountLocked(lockout_message())
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            ip = request.META.get("REMOTE_ADDR") if request is not None else None
            LoginFailure.objects.create(username=username[:150], ip_address=ip)
        else:
            LoginFailure.objects.filter(username__iexact=username).delete()
        return user
