"""API shapes of ledger exports and consistency runs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assets.choices import AssetClass, AssetStatus
from ledgers.choices import ExportFormat, LedgerKind
from ledgers.exports.spec import request_from_codes
from ledgers.models import ConsistencyMismatch, ConsistencyRun, LedgerExportJob


class LedgerExportRequestSerializer(serializers.Serializer):
    """What to export; regions and departments by their codes, as on the command line."""

    ledger = serializers.ChoiceField(choices=[c for c in LedgerKind.choices if c[0] != LedgerKind.LIST])
    file_format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.XLSX)
    region = serializers.CharField(required=False, allow_blank=True, help_text=_("Township or village code."))
    department = serializers.CharField(required=False, allow_blank=True,
                                       help_text=_("Organisation code of a supervising department."))
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False, allow_blank=True)
    project_year = serializers.IntegerField(required=False, allow_null=True, min_value=2013, max_value=2100)
    status = serializers.ChoiceField(choices=AssetStatus.choices, required=False, allow_blank=True)
    as_of = serializers.DateField(required=False, allow_null=True,
                                  help_text=_("The ledger as it stood at the end of this day (Asia/Shanghai)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["request"] = request_from_codes(
                attrs["ledger"], region_code=attrs.get("region") or None,
                department_code=attrs.get("department") or None, as_of=attrs.get("as_of"),
                asset_class=attrs.get("asset_class") or "", project_year=attrs.get("project_year"),
                status=attrs.get("status") or "", file_format=attrs.get("file_format", ExportFormat.XLSX),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class LedgerExportJobSerializer(serializers.ModelSerializer):
    # plain strings: the choice sets are named by the request serializer and the register
    ledger = serializers.CharField(read_only=True)
    file_format = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text=_("pending, running, done or failed"))
    ledger_display = serializers.CharField(source="get_ledger_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = LedgerExportJob
        fields = ["id", "ledger", "ledger_display", "file_format", "filters", "scope_description", "status",
                  "status_display", "progress", "rows_done", "rows_total", "error", "attempts", "created_at",
                  "started_at", "finished_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, job: LedgerExportJob) -> str | None:
        if job.status != "done" or not job.result:
            return None
        path = reverse("api-ledger-export-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ConsistencyMismatchSerializer(serializers.ModelSerializer):
    check_kind = serializers.CharField(read_only=True)
    asset_class = serializers.CharField(read_only=True)
    check_display = serializers.CharField(source="get_check_kind_display", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    project_code = serializers.CharField(source="project.code", read_only=True, default=None)

    class Meta:
        model = ConsistencyMismatch
        fields = ["id", "check_kind", "check_display", "township", "township_name", "department", "department_name",
                  "project", "project_code", "asset_class", "expected_label", "expected_amount", "actual_label",
                  "actual_amount", "difference", "asset_count", "asset_ids", "detail"]
        read_only_fields = fields


class ConsistencyRunSerializer(serializers.ModelSerializer):
    trigger = serializers.CharField(read_only=True, help_text=_("manual or nightly"))
    status = serializers.CharField(read_only=True, help_text=_("running, done or failed"))
    class Meta:
        model = ConsistencyRun
        fields = ["id", "trigger", "status", "started_at", "finished_at", "asset_count", "mismatch_count", "totals",
                  "error"]
        read_only_fields = fields

