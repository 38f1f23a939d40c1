"""Passwords: the hasher, the policy's own validators, the history of earlier passwords, the one
action that changes a password, and the forced change for accounts an administrator set up.

The policy (settings.AUTH_PASSWORD_VALIDATORS): at least PASSWORD_MIN_LENGTH (12) characters
from at least three of lower case, upper case, digits and other characters; not the user name or
like it; not a common password, nor a common or local word dressed up with digits and symbols
("Maigaiti2026", "P@ssw0rd2026"); not one of the user's last PASSWORD_HISTORY_COUNT (5).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import hashers
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane): about 0.1 s a login where
    Django's defaults (100 MiB, 8 lanes) and PBKDF2 take about 0.5 s, and 19 MiB rather than
    100 MiB of memory per login in flight. Same algorithm name, so a hash made with Django's
    parameters still verifies and is rehashed with these at the next login."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


# --- validators ------------------------------------------------------------------------------------

CHARACTER_CLASSES: list[tuple[str, Callable[[str], bool]]] = [
    ("lower", lambda c: "a" <= c <= "z"),
    ("upper", lambda c: "A" <= c <= "Z"),
    ("digit", lambda c: c.isdigit()),
]


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, others."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = {name for char in password for name, test in CHARACTER_CLASSES if test(char)}
        if any(not any(test(char) for _name, test in CHARACTER_CLASSES) for char in password):
            found.add("other")
        if len(found) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return _("This password must contain characters of at least %(count)d of these kinds: lower-case "
                 "letters, upper-case letters, digits, other characters such as !@#%%.") % {"count": self.min_classes}

    def get_help_text(self) -> str:
        return self.message()


class UsernameValidator:
    """The user name, forwards or backwards, may not appear in the password."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and (username in password.lower() or username[::-1] in password.lower()):
            raise ValidationError(_("The password may not contain the user name."), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("The password may not contain the user name.")


# Words of this system and this county that guessers try first: the county and its townships in
# pinyin, the prefecture and region, the names of the system, and the usual account words.
LOCAL_WORDS = frozenset([
    "maigaiti", "makit", "mekit", "kashi", "kashgar", "kashgaer", "xinjiang",
    "bazhajiemi", "xiyitidun", "yangtake", "kuerma", "kezileawati", "tumantale", "angtelek", "angtelike",
    "gazikule", "kumukusaer", "daolang", "bangfu", "zichan", "fupin", "xiangcun", "zhenxing", "nongye",
    "nongcun", "caizheng", "shenji", "zhengfu",
    "admin", "administrator", "password", "passwd", "mima", "demo", "test", "guest", "user", "root", "welcome",
])
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})


@functools.lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


class CommonWordValidator:
    """A common password or a local word with only digits and symbols around it ("Maigaiti2026",
    "P@ssw0rd!2026"): what is left after the digits and symbols is guessed first."""

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        core = re.sub(r"^[^a-z]+|[^a-z]+$", "", lowered)  # "p@ssw0rd" of "p@ssw0rd2026!"
        stems = {re.sub(r"[^a-z]", "", lowered), re.sub(r"[^a-z]", "", core.translate(LEET))}
        for stem in stems:
            if len(stem) >= 3 and (stem in LOCAL_WORDS or stem in _common_passwords()):
                raise ValidationError(
                    _("This password is a common or local word (%(word)s) with digits or symbols added: "
                      "it is among the first guesses."), code="password_common_word", params={"word": stem})

    def get_help_text(self) -> str:
        return _("The password may not be a common word, a place name or the system's name with digits added.")


class PasswordHistoryValidator:
    """Not one of the user's last ``count`` passwords (the current one included)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        from assets.models import PasswordHistory

        earlier = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:self.count])
        if user.password and user.password not in earlier and hashers.is_password_usable(user.password):
            earlier.append(user.password)  # set before the history existed
        if any(hashers.check_password(password, encoded) for encoded in earlier):
            raise ValidationError(self.message(), code="password_reused")

    def message(self) -> str:
        return ngettext("You may not use your current password again.",
                        "You may not use any of your last %(count)d passwords again.", self.count) % {
            "count": self.count}

    def get_help_text(self) -> str:
        return self.message()


# --- recording a new password --------------------------------------------------------------------


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="password_set")
def password_set(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Whenever a password is set (set_password() then save(), whoever does it: the change page,
    the admin, the API, createsuperuser): keep its hash in the history and revoke the user's API
    tokens. A hash upgrade at login is not a new password (Django clears ``_password`` for it)."""
    if raw or getattr(instance, "_password", None) is None:
        return
    from assets.models import ApiToken, PasswordHistory

    PasswordHistory.objects.create(user=instance, password=instance.password)
    keep = max(settings.PASSWORD_HISTORY_COUNT, 1)
    stale = PasswordHistory.objects.filter(user=instance).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    if not created:
        ApiToken.objects.filter(user=instance).delete()


@transaction.atomic
def do_change_password(user: Any, new_password: str, *, acting_user: Any) -> None:
    """Set a password (already validated). The user's own choice ends a forced change; one set by
    somebody else (an administrator) must be changed at the next login. Revokes the user's API
    tokens (``password_set``); their other sessions end by Django's session hash."""
    user.set_password(new_password)
    user.must_change_password = acting_user is None or acting_user.pk != user.pk
    user.save()


# --- the forced change ---------------------------------------------------------------------------

# views a user who must change their password may still reach
PASSWORD_CHANGE_VIEWS = frozenset({
    "password_change", "login", "logout", "set_language", "admin:logout",
    "api-token", "api-password", "api-logout", "api-logout-all",
})


def password_change_required_message() -> str:
    return _("You must change your password before you go on: your account was set up, or its password "
             "was set, by an administrator.")


class PasswordChangeRequiredMiddleware:
    """Until a user with ``must_change_password`` has picked their own password, every page
    redirects to the change page and every API call answers 403 with a JSON message. Token
    requests are authenticated inside DRF, so assets/api/auth.py does the same for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in PASSWORD_CHANGE_VIEWS:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": password_change_required_message(),
                                 "code": "password_change_required"}, status=403)
        url = reverse("password_change")
        target = request.get_full_path()
        if request.method == "GET" and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            url = f"{url}?{urlencode({'next': target})}"
        return redirect(url)
