"""Template helpers of the web UI: money, field labels and values, the user's roles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.db import models
from django.utils.text import capfirst

from assets.history_diffs import EMPTY, display_value
from assets.models import RoleAssignment

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """Yuan with thousands separators and 2 decimals; an em dash when empty."""
    if value is None or value == "":
        return EMPTY
    return f"{Decimal(value):,.2f}"


@register.filter
def verbose_name(obj: models.Model | type[models.Model], field_name: str) -> str:
    return capfirst(obj._meta.get_field(field_name).verbose_name)


@register.filter
def field_value(obj: models.Model, field_name: str) -> str:
    """A field as a clerk reads it: choice label, related object's name, yes/no, money."""
    field = obj._meta.get_field(field_name)
    return display_value(field, getattr(obj, field_name))


@register.inclusion_tag("includes/field_row.html")
def field_row(obj: models.Model, field_name: str) -> dict[str, Any]:
    field = obj._meta.get_field(field_name)
    return {
        "label": capfirst(field.verbose_name),
        "value": display_value(field, getattr(obj, field_name)),
        "help": field.help_text,
    }


@register.simple_tag
def user_affiliations(user: Any) -> list[dict[str, str]]:
    """The user's active roles with their organisations (one query, for the navigation bar)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = RoleAssignment.objects.filter(user=user, is_active=True).select_related("organisation")
    affiliations = [{"role": r.get_role_display(), "organisation": r.organisation.name} for r in rows]
    if user.is_superuser and not affiliations:
        from assets.choices import Role

        affiliations.append({"role": str(Role.ADMIN.label), "organisation": ""})
    return affiliations


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def thousands(value: Any) -> str:
    """An integer with comma separators in every language (zh_Hans formats would drop them)."""
    if value is None or value == "":
        return EMPTY
    return f"{int(value):,}"
