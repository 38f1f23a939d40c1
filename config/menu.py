"""The main menu: one list of entries, each naming the permission it needs, and the context
processor that turns the list into what templates/base.html shows to the user of a request.

An entry is visible when the user's roles may do ``(scope_key, action)`` in the PERMISSIONS table
(``assets.scoping.has_permission``, roles of 五), or for staff only, or always. It is marked active
when the page's URL name is one of ``url_names``, contains one of ``url_name_parts``, or the page
lies in one of the URL namespaces ``apps``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _

from assets.scoping import VIEW, has_permission
from workflow.engine import inbox_count

ALWAYS = "always"
STAFF_ONLY = "staff"


@dataclass(frozen=True)
class MenuItem:
    key: str  # templates ask ``nav.<key>``: may the user open this part of the site?
    label: Promise
    url_name: str
    permission: tuple[str, str] | str = ALWAYS  # (scope_key, action), ALWAYS or STAFF_ONLY
    url_names: tuple[str, ...] = ()
    url_name_parts: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    is_page: bool = False  # the link is the page itself when active: aria-current="page"
    shows_inbox: bool = False  # carries the count of items waiting for the user

    def allows(self, user: Any) -> bool:
        if self.permission == ALWAYS:
            return True
        if self.permission == STAFF_ONLY:
            return bool(user.is_staff)
        scope_key, action = self.permission
        return has_permission(user, scope_key, action)

    def is_active(self, url_name: str, app_name: str) -> bool:
        return (url_name in self.url_names or any(part in url_name for part in self.url_name_parts)
                or app_name in self.apps)


MENU: list[MenuItem] = [
    MenuItem("home", _("Home"), "home", url_names=("home",), is_page=True),
    MenuItem("assets", _("Assets"), "assets:asset_list", ("asset", VIEW), url_name_parts=("asset",)),
    MenuItem("projects", _("Projects"), "assets:project_list", ("project", VIEW), url_name_parts=("project",)),
    MenuItem("households", _("Households"), "assets:household_list", ("household", VIEW),
             url_name_parts=("household",)),
    # the ledgers (四(三)) are exports of the register: whoever may view assets may open them
    MenuItem("ledgers", _("Ledgers"), "ledgers:ledger_home", ("asset", VIEW), apps=("ledgers",)),
    MenuItem("history", _("Change history"), "audits:history_browser", ("history", VIEW), url_name_parts=("history",)),
    MenuItem("admin", _("Reference data"), "admin:index", STAFF_ONLY),
    MenuItem("transfers", _("Transfers"), "transfers:list", ("transfer", VIEW), apps=("transfers",)),
    MenuItem("disposals", _("Disposals"), "disposals:list", ("disposal", VIEW), apps=("disposals",)),
    MenuItem("inbox", _("Inbox"), "workflow:inbox", apps=("workflow",), shows_inbox=True),
]


class MenuEntry:
    """A visible entry of MENU for one request."""

    def __init__(self, item: MenuItem, user: Any, url_name: str, app_name: str) -> None:
        self.item = item
        self.label = item.label
        self.url = reverse(item.url_name)
        self.active = item.is_active(url_name, app_name)
        self.is_page = item.is_page
        self.shows_inbox = item.shows_inbox
        self._user = user

    @cached_property
    def count(self) -> int | None:
        """Items waiting for the user (the inbox entry only); one query, when the menu is drawn."""
        return inbox_count(self._user) if self.shows_inbox else None


def menu(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``menu`` (the visible entries, in order) and ``nav`` (entry key -> may
    the user see it), for logged-in users. Computed once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_menu_context", None)
    if cached is not None:
        return cached
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name if match else "") or ""
    app_name = (match.app_name if match else "") or ""
    visible = {item.key: item.allows(user) for item in MENU}
    context = {
        "menu": [MenuEntry(item, user, url_name, app_name) for item in MENU if visible[item.key]],
        "nav": visible,
    }
    request._menu_context = context
    return context
