"""Template context shared by every page: the user's roles and what the menu may show."""

from typing import Any

from django.http import HttpRequest

from assets.scoping import has_permission, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_roles": sorted(roles_of(user)),
        "nav": {
            "assets": has_permission(user, "asset", "view"),
            "projects": has_permission(user, "project", "view"),
            "households": has_permission(user, "household", "view"),
            "history": has_permission(user, "history", "view"),
            "add_asset": has_permission(user, "asset", "add"),
        },
    }
