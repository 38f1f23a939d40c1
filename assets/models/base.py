"""Shared base for every domain model: the restricted manager and timestamps."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.scoping import ActionScope, RestrictedManager


class ScopedModel(models.Model):
    """A domain record: reached only through ``objects.restrict(user, action)``."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedManager()

    # key into assets.scoping.PERMISSIONS
    scope_key: ClassVar[str] = ""
    # guardian direct-FK model holding per-object exceptions, if the model has one
    object_grant_model: ClassVar[type[models.Model] | None] = None
    # a model whose records are private to one user (ledger export jobs, import batches) names
    # the user field here and gets a RestrictedManager without deriving from ScopedModel; see
    # assets.scoping.scope_condition
    owner_field: ClassVar[str | None] = None

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        """The rows inside ``scope`` (never called for county-wide scopes)."""
        raise NotImplementedError
