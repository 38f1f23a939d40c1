"""The project's URLs plus a web page and an API endpoint that fail, to see the 500 answers
through the real middleware and error handlers (tests/workflows/test_refusals.py,
tests/test_files.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class Failure(RuntimeError):
    """An unexpected error (what a bug would raise)."""


@api_view(["GET"])
@permission_classes([AllowAny])
def failing_endpoint(request: Request) -> None:
    raise Failure("DATABASE_URL=postgres://secret")


def failing_page(request: HttpRequest) -> HttpResponse:
    raise Failure("DATABASE_URL=postgres://secret")


urlpatterns = [
    path("api/test-failure/", failing_endpoint),
    path("test-failure/", failing_page),
    *project_urlpatterns,
]
