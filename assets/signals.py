"""Fill every history row's reason and request id from the current change context."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone
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


def update_last_login_without_history(sender: Any, user: Any, **kwargs: Any) -> None:
    """Django's update_last_login, minus the history row: last_login is not tracked, so every
    login would otherwise add an empty "user changed" entry to the auditors' history."""
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving


# django.contrib.auth connects its own version when it is ready (before this app's ready()).
user_logged_in.disconnect(dispatch_uid="update_last_login")
user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
