"""Serializers of the transfer API: the application with its detail ledger (lines, owners,
shares), the engine's state and the trail. Writes run through transfers/actions.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assets.api.base import ActionModelSerializer, ScopedPrimaryKeyField, label
from assets.models import Asset, Household, Organisation, Project
from assets.scoping import VIEW
from transfers.actions import do_create_transfer, do_update_transfer
from transfers.choices import ShareBasis
from transfers.models import ChangeRegistration, Transfer
from transfers.ownership import REGISTRATION_SYSTEMS, LineInput, ShareInput
from workflow.api import WorkflowItemSerializerMixin, run_act


def visible_projects(user: Any, action: str):
    return Project.objects.restrict(user, VIEW)


def assets_of_visible_projects(user: Any, action: str):
    """The proposer picks among the assets of the projects it can see (the implementing unit
    formed them, whatever their category); the action checks they belong to the project."""
    return Asset.objects.filter(project__in=Project.objects.restrict(user, VIEW))


def visible_households(user: Any, action: str):
    return Household.objects.restrict(user, VIEW)


def any_organisation(user: Any, action: str):
    # owners are checked against the ownership rules by the action; any active unit may be named
    return Organisation.objects.filter(is_active=True)


class ShareSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True),
                                                      label=_("village collective"))
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, label=_("share (%)"))
    basis_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                            label=_("basis"))


class LineSerializer(serializers.Serializer):
    asset = ScopedPrimaryKeyField(Asset, assets_of_visible_projects, label=_("asset"),
                                  help_text=_("An asset formed by the project."))
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    asset_class = serializers.CharField(source="asset.asset_class", read_only=True)
    rule = serializers.CharField(read_only=True)
    rule_display = label("get_rule_display")
    ownership_type = serializers.CharField(read_only=True)
    ownership_type_display = label("get_ownership_type_display")
    owner_organisation = ScopedPrimaryKeyField(Organisation, any_organisation, required=False, allow_null=True,
                                               label=_("owner (organisation)"))
    owner_organisation_name = serializers.CharField(source="owner_organisation.name", read_only=True,
                                                    default=None, allow_null=True)
    owner_household = ScopedPrimaryKeyField(Household, visible_households, required=False, allow_null=True,
                                            label=_("owner (household)"))
    owner_household_name = serializers.CharField(source="owner_household.head_name", read_only=True, default=None,
                                                 allow_null=True)
    beneficiary_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                            label=_("beneficiary households"))
    shares = ShareSerializer(many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    registration_systems = serializers.SerializerMethodField()

    def get_registration_systems(self, line: Any) -> list[str]:
        """The systems the registration step must record for this asset."""
        return list(REGISTRATION_SYSTEMS.get(line.ownership_type, ()))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["shares"] = ShareSerializer(instance.shares.all(), many=True).data
        return data


class TransferSerializer(WorkflowItemSerializerMixin, ActionModelSerializer):
    project = ScopedPrimaryKeyField(Project, visible_projects, label=_("project"))
    project_name = serializers.CharField(source="project.name", read_only=True)
    status = serializers.CharField(read_only=True)
    receiving_organisation = serializers.IntegerField(source="receiving_organisation_id", read_only=True)
    receiving_organisation_name = serializers.CharField(source="receiving_organisation.name", read_only=True)
    share_basis = serializers.ChoiceField(choices=ShareBasis.choices, required=False, allow_blank=True)
    lines = LineSerializer(many=True, label=_("assets (the detail ledger)"))
    approval_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id", "number", "project", "project_name", "status", "status_display", "round", "current_step",
            "current_step_label", "waiting_for", "applicant_role", "applicant_organisation",
            "applicant_organisation_name", "receiving_organisation", "receiving_organisation_name", "proposal",
            "meeting_date", "share_basis", "approval_number", "approved_on", "lines", "created_by",
            "submitted_at", "closed_at", "approval_pdf", "you_may", "decisions", "change_reason",
        ]
        read_only_fields = ["approval_number", "approved_on"]

    def get_approval_pdf(self, transfer: Transfer) -> str | None:
        if not transfer.approval_number:
            return None
        url = reverse("transfers:approval_pdf", args=[transfer.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def to_representation(self, instance: Transfer) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["lines"] = LineSerializer(instance.lines.all(), many=True, context=self.context).data
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "project" in attrs and attrs["project"].pk != self.instance.project_id:
            raise serializers.ValidationError({"project": _("The project of a transfer cannot change.")})
        return attrs

    @staticmethod
    def _lines(rows: list[dict[str, Any]]) -> list[LineInput]:
        return [
            LineInput(
                asset=row["asset"], owner_organisation=row.get("owner_organisation"),
                owner_household=row.get("owner_household"), beneficiary_ids=list(row.get("beneficiary_ids") or []),
                shares=[ShareInput(s["organisation"], s["percent"], s.get("basis_amount"))
                        for s in row.get("shares") or []],
                note=row.get("note") or "",
            )
            for row in rows
        ]

    def create(self, validated_data: dict[str, Any]) -> Transfer:
        self.pop_reason(validated_data)
        project = validated_data.pop("project")
        lines = self._lines(validated_data.pop("lines"))
        return run_act(do_create_transfer, project, validated_data, lines, acting_user=self.acting_user)

    def update(self, instance: Transfer, validated_data: dict[str, Any]) -> Transfer:
        self.pop_reason(validated_data)
        validated_data.pop("project", None)
        rows = validated_data.pop("lines", None)
        lines = self._lines(rows) if rows is not None else None
        return run_act(do_update_transfer, instance, validated_data, lines, acting_user=self.acting_user)


class ChangeRegistrationSerializer(serializers.ModelSerializer):
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    kind_display = label("get_kind_display")
    transfer_number = serializers.CharField(source="transfer.number", read_only=True, default=None)
    disposal_number = serializers.CharField(source="disposal.number", read_only=True, default=None)
    recorded_by_name = serializers.CharField(source="recorded_by.__str__", read_only=True)

    class Meta:
        model = ChangeRegistration
        fields = ["id", "asset", "asset_code", "kind", "kind_display", "occurred_on", "description",
                  "document_number", "amount", "transfer", "transfer_number", "disposal", "disposal_number",
                  "recorded_by", "recorded_by_name", "created_at"]
        read_only_fields = ["amount", "transfer", "disposal", "recorded_by", "created_at"]
