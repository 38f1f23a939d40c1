"""Template filters of the chain pages (templates/workflow/includes/): decision badges, labels."""

from __future__ import annotations

from django import template

from assets.choices import RegistrationSystem
from workflow import engine

register = template.Library()


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
