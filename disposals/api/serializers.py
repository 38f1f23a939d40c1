"""Serializers of the disposal API. Writes run through disposals/actions.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assets.api.base import ActionModelSerializer, ScopedPrimaryKeyField, label, money
from assets.models import Asset
from assets.scoping import VIEW
from disposals.actions import do_create_disposal, do_update_disposal
from disposals.models import Disposal, DisposalEvidence
from workflow.api import WorkflowItemSerializerMixin, run_act


def visible_assets(user: Any, action: str):
    return Asset.objects.restrict(user, VIEW)


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    filename = serializers.CharField(read_only=True)
    uploaded_by_name = serializers.CharField(source="uploaded_by.__str__", read_only=True)

    class Meta:
        model = DisposalEvidence
        fields = ["id", "description", "filename", "url", "round", "uploaded_by", "uploaded_by_name", "uploaded_at"]
        read_only_fields = fields

    def get_url(self, evidence: DisposalEvidence) -> str:
        url = reverse("disposals:evidence_file", args=[evidence.disposal_id, evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class EvidenceInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(max_length=200)


class DisposalSerializer(WorkflowItemSerializerMixin, ActionModelSerializer):
    asset = ScopedPrimaryKeyField(Asset, visible_assets, label=_("asset"))
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    asset_status = serializers.CharField(source="asset.status", read_only=True)
    status = serializers.CharField(read_only=True)
    reason_display = label("get_reason_display")
    method_display = label("get_method_display")
    appraised_value = money(required=False, allow_null=True, label=_("appraised value (yuan)"))
    proceeds = money(read_only=True)
    ownership_type_display = label("get_ownership_type_display")
    proceeds_owner = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)
    notice_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Disposal
        fields = [
            "id", "number", "asset", "asset_code", "asset_name", "asset_status", "status", "status_display", "round",
            "current_step", "current_step_label", "waiting_for", "applicant_role", "applicant_organisation",
            "applicant_organisation_name", "reason", "reason_display", "method", "method_display", "description",
            "appraised_value", "earning_flag", "earning_note", "earning_justification", "notice_days",
            "ownership_type", "ownership_type_display", "previous_asset_status", "notice_starts_on",
            "notice_ends_on", "approval_number", "carried_out_on", "proceeds", "counterparty", "proceeds_owner",
            "evidence", "notice_pdf", "created_by", "submitted_at", "closed_at", "you_may", "decisions",
            "change_reason",
        ]
        read_only_fields = [
            "earning_flag", "earning_note", "ownership_type", "previous_asset_status", "notice_starts_on",
            "notice_ends_on", "approval_number", "carried_out_on", "counterparty",
        ]

    def get_proceeds_owner(self, disposal: Disposal) -> str | None:
        owner = disposal.proceeds_owner_household or disposal.proceeds_owner_organisation
        return str(owner) if owner is not None else None

    def get_notice_pdf(self, disposal: Disposal) -> str | None:
        if not (disposal.in_notice or disposal.status == "done"):
            return None
        url = reverse("disposals:public_notice_pdf", args=[disposal.number])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "asset" in attrs and attrs["asset"].pk != self.instance.asset_id:
            raise serializers.ValidationError({"asset": _("The asset of a disposal cannot change.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Disposal:
        self.pop_reason(validated_data)
        asset = validated_data.pop("asset")
        return run_act(do_create_disposal, asset, validated_data, acting_user=self.acting_user)

    def update(self, instance: Disposal, validated_data: dict[str, Any]) -> Disposal:
        self.pop_reason(validated_data)
        validated_data.pop("asset", None)
        return run_act(do_update_disposal, instance, validated_data, acting_user=self.acting_user)
