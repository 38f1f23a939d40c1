"""Users and the roles they hold in organisations (五)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from assets.choices import Role
from assets.history import domain_history


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # set when an administrator creates the account or sets its password; until the user picks
    # their own, every page leads to the change-password page (assets/passwords.py)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    history = domain_history(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A role held by a user in an organisation; the organisation fixes the scope."""

    user = models.ForeignKey(User, models.CASCADE, related_name="role_assignments", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, related_name="role_assignments", verbose_name=_("organisation")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = domain_history()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organisation"], name="unique_role_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    def clean(self) -> None:
        from assets.scoping import ROLE_ORGANISATION_KINDS

        allowed = ROLE_ORGANISATION_KINDS.get(self.role, frozenset())
        if self.organisation_id and self.organisation.kind not in allowed:
            raise ValidationError(
                {"organisation": _("This role cannot be held in an organisation of this kind.")}
            )
