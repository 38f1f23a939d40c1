"""API of disposals."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.base import WritableScopedViewSet
from disposals.actions import do_add_evidence
from disposals.api.serializers import DisposalSerializer, EvidenceInputSerializer, EvidenceSerializer
from disposals.models import Disposal
from workflow.api import WorkflowActionsMixin, run_act


@extend_schema_view(
    list=extend_schema(summary=_("List disposals in your scope")),
    retrieve=extend_schema(summary=_("One disposal with its evidence and trail")),
    create=extend_schema(summary=_("Apply to dispose of an asset (a draft; add evidence, then submit)")),
    update=extend_schema(summary=_("Change a draft or returned application")),
    partial_update=extend_schema(summary=_("Change some fields of a draft or returned application")),
)
class DisposalViewSet(WorkflowActionsMixin, WritableScopedViewSet):
    """处置 (四(八)). The last step's approval ("carried out") takes ``carried_out_on``,
    ``proceeds`` and ``counterparty``."""

    queryset = Disposal.objects.select_related(
        "asset", "applicant_organisation", "pending_organisation", "created_by", "proceeds_owner_organisation",
        "proceeds_owner_household",
    ).prefetch_related("evidence__uploaded_by", "decisions__user", "decisions__organisation")
    serializer_class = DisposalSerializer
    filterset_fields = ["status", "current_step", "asset", "reason", "method", "township", "region", "earning_flag"]
    extra_fields = ("carried_out_on", "proceeds", "counterparty")
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # the evidence action checks that the user is the applicant
    workflow_actions = WorkflowActionsMixin.workflow_actions | {"evidence"}

    @extend_schema(request={"multipart/form-data": EvidenceInputSerializer}, responses={201: EvidenceSerializer},
                   summary=_("Attach an evidence file (draft or returned applications)"))
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request: Request, pk: Any = None) -> Response:
        disposal = self.get_object()
        data = EvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = run_act(do_add_evidence, disposal, data.validated_data["file"], data.validated_data["description"],
                         acting_user=request.user)
        return Response(EvidenceSerializer(record, context={"request": request}).data, status=status.HTTP_201_CREATED)
