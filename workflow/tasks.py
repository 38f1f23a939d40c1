"""Side effects of workflow acts, run after the act is committed (Celery; in-process on the
embedded default). The engine queues them through the outbox (assets/outbox.py), which runs each
one once per act even when it is handed to the broker twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from assets.models import User


# The name is stored in outbox rows (assets/outbox.py) and was set when this lived in transfers/;
# it stays, so that messages queued before a deploy still find their task.
@shared_task(name="transfers.tasks.notify_next", acks_late=True)
def notify_next(workflow_key: str, pk: int) -> int:
    """Mail the people who must act next on an item (its deciders, or its applicant when it was
    returned). Idempotent apart from the mail itself; returns how many were told."""
    from workflow.engine import WORKFLOW_MODELS, ItemStatus

    model = WORKFLOW_MODELS[workflow_key]
    item = model._base_manager.select_related("pending_organisation").get(pk=pk)
    if item.status not in (ItemStatus.IN_REVIEW, ItemStatus.RETURNED) or not item.pending_role:
        return 0
    recipients = list(
        User.objects.filter(
            is_active=True, role_assignments__is_active=True, role_assignments__role=item.pending_role,
            role_assignments__organisation_id=item.pending_organisation_id,
        ).exclude(email="").values_list("email", flat=True).distinct()
    )
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Poverty-alleviation assets] Waiting for you: %(number)s, %(step)s") % {
            "number": item.number, "step": item.current_step_label}
        body = _("%(workflow)s %(number)s is waiting for you (%(who)s). Open your inbox to act on it.") % {
            "workflow": item.workflow.label, "number": item.number, "who": item.pending_description}
    send_mail(subject, body, None, recipients, fail_silently=True)
    return len(recipients)
