"""The transactional outbox: side effects that need the message broker (a mail to the next
deciders, ...) are written as rows in the same transaction as the act that causes them, and sent
to the broker afterwards (assets/outbox.py).

An act therefore never waits on the broker, and a message is never lost when the broker is down:
the row stays pending until a worker delivers it. Generic on purpose: a task name and its keyword
arguments, nothing about the app that queued it.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class OutboxMessage(models.Model):
    """One task call to make once the transaction that wrote it has committed."""

    task = models.CharField(_("task"), max_length=200, help_text=_("The registered Celery task name."))
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=20, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(_("last handed to the broker at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            # the drain's query: pending rows, oldest first
            models.Index(fields=["status", "id"], name="assets_outbox_pending",
                         condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.status})"
