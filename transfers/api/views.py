"""API of ownership transfers and change registrations."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request

from assets.api.base import ScopedViewSet, WritableScopedViewSet
from assets.models import Asset
from assets.scoping import CHANGE
from transfers.actions import do_record_change_registration
from transfers.api.serializers import ChangeRegistrationSerializer, TransferSerializer
from transfers.models import ChangeRegistration, Transfer, TransferLine
from workflow.api import WorkflowActionsMixin, run_act


@extend_schema_view(
    list=extend_schema(summary=_("List ownership transfers in your scope")),
    retrieve=extend_schema(summary=_("One transfer with its detail ledger and trail")),
    create=extend_schema(summary=_("Propose a transfer (a draft; submit it next)")),
    update=extend_schema(summary=_("Change a draft or returned transfer")),
    partial_update=extend_schema(summary=_("Change some fields of a draft or returned transfer")),
)
class TransferViewSet(WorkflowActionsMixin, WritableScopedViewSet):
    """确权移交登记 (四(四)). The registration step's approval takes ``registrations``: a list of
    ``{"asset", "system", "number", "registered_on"}``, one for every system each asset needs
    (``lines[].registration_systems``)."""

    queryset = Transfer.objects.select_related(
        "project", "receiving_organisation", "applicant_organisation", "pending_organisation", "created_by",
    ).prefetch_related(
        Prefetch("lines", queryset=TransferLine.objects.select_related(
            "asset", "owner_organisation", "owner_household").prefetch_related("shares__organisation")),
        "decisions__user", "decisions__organisation",
    )
    serializer_class = TransferSerializer
    filterset_fields = ["status", "current_step", "project"]
    extra_fields = ("registrations",)


class ChangeRegistrationInputSerializer(serializers.Serializer):
    asset = serializers.IntegerField()
    kind = serializers.CharField()
    occurred_on = serializers.DateField()
    description = serializers.CharField(allow_blank=True, required=False)
    document_number = serializers.CharField(allow_blank=True, required=False, max_length=60)


@extend_schema_view(
    list=extend_schema(summary=_("Change registrations (变更登记) of assets in your scope")),
    retrieve=extend_schema(summary=_("One change registration")),
    create=extend_schema(summary=_("Record damage to an asset"), request=ChangeRegistrationInputSerializer,
                         description=_("Sales, transfers and scrappings are recorded by the disposal that carried "
                                       "them out.")),
)
class ChangeRegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                                ScopedViewSet):
    http_method_names = ["get", "post", "head", "options"]
    queryset = ChangeRegistration.objects.select_related("asset", "transfer", "disposal", "recorded_by")
    serializer_class = ChangeRegistrationSerializer
    filterset_fields = ["asset", "kind", "transfer", "disposal"]

    def create(self, request: Request, *args: Any, **kwargs: Any):
        from rest_framework import status
        from rest_framework.response import Response

        data = ChangeRegistrationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        asset = Asset.objects.restrict(request.user, CHANGE).filter(pk=values.pop("asset")).first()
        if asset is None:
            raise serializers.ValidationError({"asset": [_("No such asset within your area of responsibility.")]})
        record = run_act(do_record_change_registration, asset, values, acting_user=request.user)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)
