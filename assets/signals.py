"""Fill every history row's reason and request id from the current change context."""

from typing import Any

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from assets.history import current_change_context


@receiver(pre_create_historical_record)
def fill_change_context(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    ctx = current_change_context()
    if ctx is None:
        return
    if not history_instance.history_change_reason and ctx.reason:
        history_instance.history_change_reason = ctx.reason[:100]
    if getattr(history_instance, "history_request_id", None) is None:
        history_instance.history_request_id = ctx.request_id
