"""Ledger API: start an export job and follow it; read consistency runs.

    POST /api/ledger-exports/            {"ledger": "township", "region": "653127100", "as_of": "2024-12-31"}
                                         -> 202 with the job (429 when you already have as many exports
                                            queued or running as allowed, 503 when the queue is unavailable)
    GET  /api/ledger-exports/{id}/       status, progress, and a download link when done
    GET  /api/ledger-exports/{id}/download/
    GET  /api/ledger-checks/             runs of the 账账相符 checks; /{id}/mismatches/ the ones you may see

Built on the register's base viewset (assets/api/base.py): permission per role (403), rows through
``restrict`` (404 outside). Export jobs are private: ``restrict`` gives a user only their own
(scope key "ledger_export_job", whose ``owner_field`` is the requester).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.base import ReadOnlyScopedViewSet, ScopedViewSet
from assets.files import file_response
from assets.scoping import ADD, VIEW
from ledgers import jobs
from ledgers.api.serializers import (
    ConsistencyMismatchSerializer,
    ConsistencyRunSerializer,
    LedgerExportJobSerializer,
    LedgerExportRequestSerializer,
)
from ledgers.models import ConsistencyMismatch, ConsistencyRun, LedgerExportJob


@extend_schema_view(
    list=extend_schema(summary=_("Your ledger exports")),
    retrieve=extend_schema(summary=_("One export: status, progress and a download link when done")),
    create=extend_schema(
        summary=_("Start a ledger export"), request=LedgerExportRequestSerializer,
        responses={202: LedgerExportJobSerializer,
                   429: OpenApiResponse(description=_("You already have as many exports queued or running as "
                                                      "allowed; ask again when one is finished.")),
                   503: OpenApiResponse(description=_("The export queue is unavailable."))},
    ),
    download=extend_schema(
        summary=_("Download the finished file"),
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description=_("No such export in your scope, or it is not finished.")),
        },
    ),
)
class LedgerExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = LedgerExportJob.objects.all()
    serializer_class = LedgerExportJobSerializer
    http_method_names = ["get", "post", "head", "options"]

    @property
    def scope_action(self) -> str | None:
        # "ledger_export_job": asking for one is "add", reading one's own jobs and files "view"
        if self.action == "create":
            return ADD
        return VIEW if self.action in ("list", "retrieve", "download", "metadata") else None

    def get_serializer_class(self) -> type:
        return LedgerExportRequestSerializer if self.action == "create" else LedgerExportJobSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = LedgerExportRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            job = jobs.start_job(request.user, serializer.validated_data["request"])
        except jobs.TooManyJobs as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except jobs.QueueUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        data = LedgerExportJobSerializer(job, context={"request": request}).data
        location = request.build_absolute_uri(reverse("api-ledger-export-detail", args=[job.pk]))
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = jobs.recover_if_lost(self.get_object())  # a dead worker's job is queued again now
        return Response(LedgerExportJobSerializer(job, context={"request": request}).data)

    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        job = self.get_object()
        if job.status != "done" or not job.result:
            raise Http404
        content_type = "application/pdf" if job.file_format == "pdf" else (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return file_response(job.result, filename=job.filename, content_type=content_type)


@extend_schema_view(
    list=extend_schema(summary=_("Consistency check runs (账账相符)")),
    retrieve=extend_schema(summary=_("One consistency check run")),
    mismatches=extend_schema(summary=_("The run's mismatches within your scope"),
                             responses={200: ConsistencyMismatchSerializer(many=True)}),
)
class ConsistencyRunViewSet(ReadOnlyScopedViewSet):
    queryset = ConsistencyRun.objects.all()
    serializer_class = ConsistencyRunSerializer

    @action(detail=True, methods=["get"])
    def mismatches(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        rows = ConsistencyMismatch.objects.restrict(request.user, VIEW).filter(run=run).select_related(
            "township", "department", "project")
        page = self.paginate_queryset(rows)
        serializer = ConsistencyMismatchSerializer(page if page is not None else rows, many=True)
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)
