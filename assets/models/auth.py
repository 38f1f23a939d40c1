"""Credentials other than the password itself: API tokens (django-rest-knox, stored hashed) and the
hashes of earlier passwords (the "not one of the last five" rule of assets/passwords.py).

Neither is a domain record: an expired or revoked token and a password hash past the history
length are deleted, not kept.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A knox token (``KNOX_TOKEN_MODEL``): only the SHA-512 digest of the key is stored.

    ``expiry`` is the idle expiry, moved forward on use (``REST_KNOX["AUTO_REFRESH"]``) but never
    past ``created + AUTO_REFRESH_MAX_TTL`` (the absolute expiry, ``max_expiry``).
    """

    # the key is secret and the primary key its digest: this names a token in lists and URLs
    public_id = models.UUIDField(_("token ID"), default=uuid.uuid4, unique=True, editable=False)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("issued to address"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.token_key}… ({self.user})"

    @property
    def max_expiry(self) -> datetime.datetime | None:
        from knox.settings import knox_settings

        if knox_settings.AUTO_REFRESH_MAX_TTL is None or self.created is None:
            return self.expiry
        return self.created + knox_settings.AUTO_REFRESH_MAX_TTL


class PasswordHistory(models.Model):
    """The hash of a password a user has had (the current one included), newest first."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="password_history",
                             verbose_name=_("user"))
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d %H:%M}"
