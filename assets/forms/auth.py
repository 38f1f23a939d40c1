"""Login form that says when an account is locked (assets/auth.py) instead of "wrong password"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext_lazy

from assets.auth import is_locked, lockout_message

# Django 5.2 changed this validator message and its own zh_Hans catalog lacks the new msgid;
# naming it here puts it into locale/ so that password forms (admin, set-up) speak Chinese.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and is_locked(username):
            raise ValidationError(lockout_message(), code="locked")
        try:
            return super().clean()
        except ValidationError:
            # this failure may have been the one that locked the account
            if username and is_locked(username):
                raise ValidationError(lockout_message(), code="locked") from None
            raise
