"""Forms of logging in and of passwords: the login form says when a login is locked
(assets/auth.py) instead of "wrong password"; the change form goes through do_change_password;
the admin's forms that set somebody's password make them change it at their next login."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext_lazy

from assets.auth import is_locked_out, lockout_message
from assets.passwords import do_change_password

# Django 5.2 changed this validator message and its own zh_Hans catalog lacks the new msgid;
# naming it here puts it into locale/ so that password forms (admin, set-up) speak Chinese.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)


class LoginForm(auth_forms.AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            # refused because locked, or this failure was the one that locked it
            if self.request is not None and is_locked_out(self.request):
                self.request.lockout_reported = True  # the page says so: axes need not answer
                raise ValidationError(lockout_message(self.request), code="locked") from None
            raise


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The user's own change: old password, new one twice, the policy's rules as help text."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.update(autocomplete="current-password")
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs.update(autocomplete="new-password")

    def save(self, commit: bool = True) -> Any:
        do_change_password(self.user, self.cleaned_data["new_password1"], acting_user=self.user)
        return self.user


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    """An account an administrator creates: its first login leads to the change-password page."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
            self.save_m2m()
        return user


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """A password an administrator sets for somebody must be changed at their next login."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user
