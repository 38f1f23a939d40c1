"""Failed logins, with django-axes: the login page, the admin's login and the API token endpoint all
go through ``django.contrib.auth.authenticate(request, …)`` and so through one lockout.

* One account from one client address: ``LOCKOUT_FAILURES`` failures lock that pair for
  ``LOCKOUT_MINUTES``. Someone guessing at a colleague's account from elsewhere locks only
  their own address; the colleague still logs in from theirs.
* One client address, whatever the account names: ``LOCKOUT_ADDRESS_FAILURES`` failures hold
  that address up for ``LOCKOUT_MINUTES`` (guesses spread over many names), except for accounts
  that have logged in from that address before, so that a shared office address is not shut out.
* The client address is ``REMOTE_ADDR``, or, when the request comes from one of
  ``TRUSTED_PROXIES``, the right-most X-Forwarded-For entry that is not such a proxy (a client
  can write anything into the header, but not into what our own proxy appends).

Without a request (the test client's ``login()``, a shell) there is no address to hold to
account, and the backend only checks the password.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# an account that has logged in from an address within this many days is not held up there by
# other people's failures from the same address
KNOWN_ADDRESS_DAYS = 90


# --- settings read at call time, so that override_settings in tests applies --------------------------


def failure_limit(request: HttpRequest | None, credentials: dict | None) -> int:
    return settings.LOCKOUT_FAILURES


def cool_off(request: HttpRequest | None) -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOCKOUT_MINUTES)


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """Account names are compared case-insensitively, so "VILLAGE1" counts against "village1"."""
    name = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    name = str(name or "").strip().lower()
    return name[:150] or None


# --- the client's address --------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, believing X-Forwarded-For only from TRUSTED_PROXIES."""
    remote = request.META.get("REMOTE_ADDR")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    remote_address = _address(remote or "")
    if remote_address is None or not networks or not any(remote_address in net for net in networks):
        return remote
    # our proxy appends the address it saw; anything to its left the client may have written
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        if not any(address in net for net in networks):
            return str(address)
    return remote


# --- messages and the answer to a refused login ------------------------------------------------------


def lockout_message(request: HttpRequest | None = None) -> str:
    minutes = settings.LOCKOUT_MINUTES
    if request is not None and getattr(request, "bangfu_address_throttled", False):
        return _("Too many failed logins from your address: try again in %(minutes)d minutes.") % {
            "minutes": minutes}
    return _("Too many failed logins: this account is locked at this address for %(minutes)d minutes.") % {
        "minutes": minutes}


def is_locked_out(request: HttpRequest) -> bool:
    """After authenticate(): whether it refused (or just reached) the lockout for this request."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE. The login page and the token endpoint answer the lockout themselves
    (the form's error, a JSON 403) and mark the request; anything else (the admin's login) gets a
    JSON 403 under /api/ and a Chinese page elsewhere."""
    if original_response is not None and getattr(request, "lockout_reported", False):
        return original_response
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "registration/locked_out.html", {"message": message}, status=403)


# --- the handler and the backend --------------------------------------------------------------------


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler plus the per-address throttle (its own limit, higher than the
    per-account one, which axes' single AXES_FAILURE_LIMIT cannot express)."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_throttled(request, credentials)

    def user_login_failed(self, sender: Any, credentials: dict, request: HttpRequest | None = None,
                          **kwargs: Any) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self.address_throttled(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def address_throttled(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return False
        failures = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(n=Sum("failures_since_start"))["n"] or 0
        if failures < settings.LOCKOUT_ADDRESS_FAILURES:
            return False
        username = get_client_username(request, credentials)
        since = timezone.now() - datetime.timedelta(days=KNOWN_ADDRESS_DAYS)
        if username and AccessLog.objects.filter(ip_address=address, username__iexact=username,
                                                 attempt_time__gte=since).exists():
            return False
        request.bangfu_address_throttled = True
        return True


class LockoutModelBackend(AxesStandaloneBackend, ModelBackend):
    """Axes' check first (raises PermissionDenied when locked, which stops authenticate() before
    any password is hashed), then the model backend's password check."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any):
        request = getattr(request, "_request", request)  # a DRF Request: axes marks the Django one
        if request is not None:
            AxesStandaloneBackend.authenticate(self, request, username=username, password=password, **kwargs)
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
