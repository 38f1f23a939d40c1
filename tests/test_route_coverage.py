"""Every route goes through the scoping choke point, or is listed here as deliberately public.

The root URLconf is walked, every include and every DRF router route with it, and each route's
view is judged by the base classes it derives from (docs/architecture.md, "The scoping choke
point"), never by a list of known views, so a route added later in any app is judged too:

* web: a class-based view on ``ObjectPermissionRequiredMixin`` (assets/views/base.py): login,
  the role check (403) in ``dispatch()``, rows through ``restricted()`` (404);
* API: a viewset on ``ScopedViewSet`` (assets/api/base.py) that kept ``RolePermission`` among its
  permission classes: the role check (403) in ``initial()``, rows through ``get_queryset()``.

Deriving from a base class is not enough if a subclass goes round its check (a ``dispatch`` that
skips the mixin's, ``permission_classes`` without ``RolePermission``): every scoped route is also
called as a signed-in user who holds no role, who must be refused (403) before anything else.

Anything else must be in ``PUBLIC_ROUTES`` with the reason; an entry that names no route any
more (or only scoped ones) fails too, so the list cannot rot.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, path, re_path
from django.urls.converters import IntConverter, UUIDConverter
from django.views.generic import TemplateView, View
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from assets.api.base import ReadOnlyScopedViewSet, RolePermission, ScopedViewSet
from assets.models import Asset
from assets.views.base import ObjectPermissionRequiredMixin
from tests.factories import make_user

# Routes that are deliberately not scoped, by URL name ("namespace:name"); "namespace:*" is a
# whole namespace. Each says why. Keep it short: a new page or endpoint belongs on the base classes.
PUBLIC_ROUTES: dict[str, str] = {
    # Django's admin site: its own login and staff checks (is_staff, model permissions)
    "admin:*": "Django admin, staff only by its own checks",
    # i18n: switches the interface language; reads and writes no record
    "set_language": "language switch",
    # signing in and out, and the signed-in user's own account (self-only)
    "login": "sign-in page",
    "logout": "sign-out (POST)",
    "account": "the user's own account and API tokens",
    "password_change": "the user's own password",
    "account_token_revoke": "revoking the user's own API tokens",
    # every signed-in user's start page: a panel per permission the roles hold, each counted
    # through restrict(); a user without roles sees an empty page (assets/views/home.py)
    "home": "start page, panels through restrict()",
    # public notices of disposals (公示, 四(八)): published for everyone, no login
    "disposals:public_index": "public notices, no login",
    "disposals:public_list": "public notices, no login",
    "disposals:public_notice_pdf": "public notices, no login",
    # the API's description and its token login (assets/api/auth.py: self-only)
    "api-schema": "OpenAPI schema",
    "api-docs": "Swagger UI of the schema",
    "api-root": "DRF's index of endpoint URLs, names no record",
    "api-token": "token login",
    "api-logout": "revokes the calling token",
    "api-logout-all": "revokes the caller's own tokens",
    "api-tokens": "lists the caller's own tokens",
    "api-token-revoke": "revokes one of the caller's own tokens",
    "api-password": "changes the caller's own password",
}


@dataclass(frozen=True)
class Route:
    url: str  # the full pattern, e.g. "api/^assets/(?P<pk>[^/.]+)/$"
    name: str  # "namespace:name", or "" for an unnamed route
    callback: Callable[..., Any]
    params: dict[str, Any]  # a value for each URL parameter, to call the view with
    namespace: str = ""  # "admin:", "transfers:", …

    @property
    def view_class(self) -> type | None:
        # DRF sets .cls (viewsets and APIViews), Django's as_view() .view_class
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def label(self) -> str:
        view = self.view_class or self.callback
        return f"/{self.url} ({self.name or 'unnamed'}) -> {view.__module__}.{view.__qualname__}"


def _sample(name: str, converter: Any) -> Any:
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    return "json" if name == "format" else "1"


def _params(pattern: Any) -> dict[str, Any]:
    converters = getattr(pattern, "converters", {})  # RoutePattern; RegexPattern has named groups
    names = list(converters) or list(pattern.regex.groupindex)
    return {name: _sample(name, converters.get(name)) for name in names}


def walk(patterns: Sequence[Any], prefix: str = "", namespace: str = "", params: dict | None = None) -> Iterator[Route]:
    """Every route under ``patterns``, through every include."""
    for entry in patterns:
        found = {**(params or {}), **_params(entry.pattern)}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner, found)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(prefix + str(entry.pattern), name, entry.callback, found, namespace)


def all_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


def is_scoped(route: Route) -> bool:
    view = route.view_class
    if not isinstance(view, type):
        return False  # a function view: nothing to derive from
    if issubclass(view, APIView):
        return issubclass(view, ScopedViewSet) and RolePermission in view.permission_classes
    return issubclass(view, ObjectPermissionRequiredMixin)


def allow_entry(route: Route) -> str | None:
    """The PUBLIC_ROUTES entry that lets this route through, if any."""
    if route.name in PUBLIC_ROUTES:
        return route.name
    namespace = route.namespace.rstrip(":")
    while namespace:
        if f"{namespace}:*" in PUBLIC_ROUTES:
            return f"{namespace}:*"
        namespace = namespace.rpartition(":")[0]
    return None


def unscoped(routes: list[Route]) -> list[str]:
    return [route.label for route in routes if not is_scoped(route) and allow_entry(route) is None]


def refusal_status(route: Route, user: Any) -> int | str:
    """The status a signed-in user holding no role gets from the route's view (called directly,
    with a placeholder for each URL parameter: the role check comes before any row is read)."""
    actions = getattr(route.callback, "actions", None)  # a DRF viewset route: {method: action}
    method = "get" if not actions or "get" in actions else next(iter(actions))
    if route.view_class is not None and issubclass(route.view_class, APIView):
        request = getattr(APIRequestFactory(), method)(f"/{route.url}")
        force_authenticate(request, user=user)
    else:
        request = getattr(RequestFactory(), method)(f"/{route.url}")
        request.user = user
    try:
        response = route.callback(request, **route.params)
    except PermissionDenied:
        return 403
    except Exception as exc:  # it went past the role check and on to the rows
        return f"{type(exc).__name__}: {exc}"
    return response.status_code


def not_refused(routes: list[Route], user: Any) -> list[str]:
    failures = []
    for route in routes:
        if is_scoped(route):
            status = refusal_status(route, user)
            if status != 403:
                failures.append(f"{route.label}: {status}")
    return failures


# --- the project's routes -----------------------------------------------------------------------


def test_every_route_is_scoped_or_deliberately_public():
    routes = all_routes()
    assert len(routes) > 50  # the walk reached the includes and the API routers
    assert unscoped(routes) == [], "routes neither on the scoped base classes nor in PUBLIC_ROUTES"


def test_every_public_entry_still_names_an_unscoped_route():
    routes = all_routes()
    used = {allow_entry(route) for route in routes if not is_scoped(route)}
    assert sorted(set(PUBLIC_ROUTES) - used) == [], "PUBLIC_ROUTES entries that match no unscoped route"


@pytest.mark.django_db
def test_every_scoped_route_refuses_a_user_without_roles_before_anything_else():
    nobody = make_user("no_role_at_all", None, None)
    routes = all_routes()
    assert sum(is_scoped(route) for route in routes) > 50
    assert not_refused(routes, nobody) == [], "scoped routes that do not refuse a user without roles"


# --- the checks themselves catch side doors -----------------------------------------------------


class _LoginOnlyView(LoginRequiredMixin, TemplateView):
    """Signed-in users only, but no role check and no restrict(): the side door of issue 8."""

    template_name = "home.html"


class _SkipsTheCheck(ObjectPermissionRequiredMixin, View):
    """On the base class, but its dispatch goes round the role check (the old inbox)."""

    model = Asset

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        return View.dispatch(self, request, *args, **kwargs)

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse("every row")


class _ScopedPage(ObjectPermissionRequiredMixin, View):
    model = Asset

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse("rows")


class _PlainApiView(APIView):
    def get(self, request: Any) -> Response:
        return Response({})


class _DroppedRolePermission(ReadOnlyScopedViewSet):
    queryset = Asset.objects.all()
    permission_classes = [IsAuthenticated]


class _OverridesPermissions(ReadOnlyScopedViewSet):
    queryset = Asset.objects.all()

    def get_permissions(self) -> list:
        return [IsAuthenticated()]

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return Response([])


def _function_view(request: Any) -> HttpResponse:
    return HttpResponse("")


DUMMY_PATTERNS = [
    path("login-only/", _LoginOnlyView.as_view(), name="login_only"),
    path("skips/<int:pk>/", _SkipsTheCheck.as_view(), name="skips"),
    path("scoped/<int:pk>/", _ScopedPage.as_view(), name="scoped"),
    path("function/", _function_view, name="function"),
    path("api/plain/", _PlainApiView.as_view(), name="plain_api"),
    re_path(r"^api/dropped/$", _DroppedRolePermission.as_view({"get": "list"}), name="dropped"),
    re_path(r"^api/overrides/$", _OverridesPermissions.as_view({"get": "list"}), name="overrides"),
]


def test_the_walk_reports_views_off_the_base_classes():
    routes = list(walk(DUMMY_PATTERNS, namespace="dummy:"))
    reported = unscoped(routes)
    assert [label.split(" ")[1] for label in reported] == [
        "(dummy:login_only)", "(dummy:function)", "(dummy:plain_api)", "(dummy:dropped)"]
    assert allow_entry(Route("x/", "", _function_view, {}, "admin:")) == "admin:*"


@pytest.mark.django_db
def test_the_call_reports_scoped_views_that_let_a_user_without_roles_in():
    nobody = make_user("no_role_at_all", None, None)
    routes = list(walk(DUMMY_PATTERNS, namespace="dummy:"))
    assert [failure.split(" ")[1] for failure in not_refused(routes, nobody)] == ["(dummy:skips)", "(dummy:overrides)"]
