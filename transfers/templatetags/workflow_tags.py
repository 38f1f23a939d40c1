"""Template tags of the workflows: the inbox count and menu flags for templates/base.html."""

from __future__ import annotations

from typing import Any

from django import template

from assets.choices import RegistrationSystem
from assets.scoping import has_permission
from transfers import engine

register = template.Library()


@register.simple_tag(takes_context=True)
def workflow_nav(context: template.Context) -> dict[str, Any]:
    """``{% workflow_nav as wf %}``: wf.inbox (items waiting for the user), wf.transfers and
    wf.disposals (may the user see them). Computed once per request."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return {"inbox": 0, "transfers": False, "disposals": False}
    cached = getattr(request, "_workflow_nav", None)
    if cached is not None:
        return cached
    nav = {
        "inbox": engine.inbox_count(user),
        "transfers": has_permission(user, "transfer", "view"),
        "disposals": has_permission(user, "disposal", "view"),
    }
    if request is not None:
        request._workflow_nav = nav
    return nav


@register.filter
def decision_class(decision: str) -> str:
    """A badge class for a decision code."""
    return {
        engine.Decision.APPROVED: "badge-created",
        engine.Decision.SUBMITTED: "badge-changed",
        engine.Decision.RETURNED: "badge-warn",
        engine.Decision.REJECTED: "badge-removed",
        engine.Decision.WITHDRAWN: "badge-removed",
    }.get(decision, "")


@register.filter
def registration_system(code: str) -> str:
    """The label of a registration system code kept in a decision's data."""
    try:
        return str(RegistrationSystem(code).label)
    except ValueError:
        return code
