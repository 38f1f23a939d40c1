"""Households' personal data in the API: masked by default (the serializer), full values only
through ``POST /api/households/{id}/reveal/`` with a reason, which is logged; every household
response carries ``Cache-Control: no-store, private``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.serializers import RevealedPersonalDataSerializer, RevealRequestSerializer
from assets.personal import client_ip_of, do_reveal_personal_data, no_store
from assets.scoping import VIEW


class PersonalDataViewSetMixin:
    """For the household viewset: the logged reveal route and no-store responses."""

    @property
    def scope_action(self) -> str | None:
        if getattr(self, "action", None) == "reveal":
            request = getattr(self, "request", None)
            return VIEW if request is not None and request.method == "POST" else None
        return super().scope_action  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        return no_store(super().finalize_response(request, response, *args, **kwargs))  # type: ignore[misc]

    @extend_schema(
        summary=_("Show a household's full personal data (logged)"),
        description=_("The full ID number, phone and address, for a household you may read. The reason is "
                      "required and logged with your name and the time; auditors read the log."),
        request=RevealRequestSerializer,
        responses={200: RevealedPersonalDataSerializer,
                   400: OpenApiResponse(description=_("The reason is missing or too short.")),
                   404: OpenApiResponse(description=_("No such household within your area of responsibility."))},
    )
    @action(detail=True, methods=["post"], url_path="reveal", serializer_class=RevealRequestSerializer)
    def reveal(self, request: Request, pk: Any = None) -> Response:
        household = self.get_object()  # type: ignore[attr-defined]
        data = request.data if hasattr(request.data, "get") else {}
        try:
            revealed = do_reveal_personal_data(household, data.get("reason", ""), acting_user=request.user,
                                               channel="api", client_ip=client_ip_of(request))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        except DjangoPermissionDenied as exc:  # pragma: no cover - get_object already answered 404
            raise exceptions.NotFound() from exc
        return Response(RevealedPersonalDataSerializer({"id": household.pk, **revealed}).data)
