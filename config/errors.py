"""Error answers: JSON under /api/, the Chinese pages (templates/403.html, 404.html, 500.html)
elsewhere, and never a settings dump (DEBUG is off outside development).

``handler400`` … ``handler500`` are named in config/urls.py; ``api_exception_handler`` is DRF's
EXCEPTION_HANDLER (config/settings/base.py). An unexpected error inside an API view is left to
Django, so that it is logged and mailed as usual, and then answered by ``server_error``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _json(detail: str, code: str, status_code: int) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status_code,
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    if is_api(request):
        return _json(_("The request could not be understood."), "bad_request", 400)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request: HttpRequest, exception: Exception, template_name: str = "403.html") -> HttpResponse:
    if is_api(request):
        return _json(_("You do not have permission to perform this action."), "permission_denied", 403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request: HttpRequest, exception: Exception, template_name: str = "404.html") -> HttpResponse:
    if is_api(request):
        return _json(_("Not found: no such API endpoint or record."), "not_found", 404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    if is_api(request):
        return _json(_("The server could not handle the request. Please try again later; if the problem "
                       "persists, contact the system administrator."), "server_error", 500)
    return defaults.server_error(request, template_name)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the model layer's refusals that escaped an endpoint: a Django
    ValidationError is a 400 with the fields' messages, a missing row a 404."""
    if isinstance(exc, Http404):
        # Django's shortcut says "No Transfer matches the given query." in English: say it in the
        # user's language, without naming the model
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({api_settings.NON_FIELD_ERRORS_KEY: exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ObjectDoesNotExist):
        return exception_handler(exceptions.NotFound(), context)
    return None
