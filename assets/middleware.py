"""Request-wide middleware: the change context for history, and security headers."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from assets.history import change_context


class ChangeContextMiddleware:
    """Every history row written by one request shares a request id and the acting user.

    A form or API call may give its reason in the ``X-Change-Reason`` header or a
    ``change_reason`` field; action functions pass it on explicitly.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with change_context(user=user, reason=request.headers.get("X-Change-Reason", "")[:100]):
            return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django 5.2 does not set itself: a strict Content-Security-Policy and
    Permissions-Policy. All scripts and styles are served from our own origin."""

    CSP = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(("/api/docs", "/admin/")):
            response.headers.setdefault("Content-Security-Policy", self.CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
