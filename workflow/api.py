"""What every workflow API shares: the decision endpoints, the trail, the inbox.

A workflow viewset is a ``WritableScopedViewSet`` (assets/api/base.py: 403 by role, 404 by
scope) plus ``WorkflowActionsMixin``: POST ``{id}/submit/``, ``{id}/approve/``, ``{id}/return/``,
``{id}/reject/``, ``{id}/withdraw/`` and GET ``inbox/`` and ``mine/``. The acts are the engine's
``do_*`` functions; who may take a step is the chain's rule, checked there. A refused act answers
403 (not yours to decide), 409 (already decided, wrong step, closed) or 400 (input missing), with
the reason in ``detail`` or per field, and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from assets.scoping import VIEW
from workflow import engine


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The item is not in a state that allows this.")
    default_code = "conflict"


def run_act(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """An engine or action function, its refusals as API errors."""
    try:
        return function(*args, **kwargs)
    except engine.WorkflowConflict as exc:
        raise Conflict(exc.message) from exc
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise serializers.ValidationError(exc.message_dict) from exc
        raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages}) from exc


def object_body(request: Request) -> Mapping[str, Any]:
    """The request's fields: a JSON object, a form, or nothing. A body that is JSON but not an
    object (an array, a string, a number, null) is a 400 with the reason, not a crash."""
    data = request.data
    if isinstance(data, Mapping):
        return data
    raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [
        _("The request body must be a JSON object of named fields, such as {\"comment\": \"…\"}; got %(kind)s.")
        % {"kind": type(data).__name__ if data is not None else "null"}
    ]})


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class DecisionSerializer(serializers.Serializer):
    """One act of the trail."""

    id = serializers.IntegerField(read_only=True)
    round = serializers.IntegerField(read_only=True)
    step = serializers.CharField(read_only=True)
    step_label = serializers.CharField(read_only=True)
    decision = serializers.CharField(read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    user = PersonSerializer(read_only=True)
    role = serializers.CharField(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    decided_at = serializers.DateTimeField(read_only=True)
    comment = serializers.CharField(read_only=True)
    document_number = serializers.CharField(read_only=True)
    attachment_url = serializers.SerializerMethodField()
    data = serializers.JSONField(read_only=True)

    def get_attachment_url(self, decision: Any) -> str | None:
        if not decision.attachment:
            return None
        name = f"{decision._meta.app_label}:decision_file"
        url = reverse(name, args=[decision.item_id, decision.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class WorkflowItemSerializerMixin(serializers.Serializer):
    """The engine's columns of an item, read-only, and what the requesting user may do."""

    number = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    round = serializers.IntegerField(read_only=True)
    current_step = serializers.CharField(read_only=True)
    current_step_label = serializers.CharField(read_only=True)
    waiting_for = serializers.CharField(source="pending_description", read_only=True)
    applicant_role = serializers.CharField(read_only=True)
    applicant_organisation = serializers.IntegerField(source="applicant_organisation_id", read_only=True)
    applicant_organisation_name = serializers.CharField(source="applicant_organisation.name", read_only=True)
    created_by = PersonSerializer(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True)
    decisions = serializers.SerializerMethodField()
    you_may = serializers.SerializerMethodField()

    def get_decisions(self, item: Any) -> list[dict[str, Any]]:
        # from the viewset's prefetch (decisions__user, decisions__organisation): no query per item
        trail = sorted(item.decisions.all(), key=lambda decision: (decision.decided_at, decision.pk))
        return DecisionSerializer(trail, many=True, context=self.context).data

    def get_you_may(self, item: Any) -> list[str]:
        """The acts the requesting user may take now: "edit", "submit", "withdraw", "approve",
        "return", "reject"."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        acts: list[str] = []
        if item.is_editable and engine.is_applicant(item, user):
            acts += ["edit", "submit", "withdraw"]
        if engine.can_decide(item, user):
            acts += ["approve", "return", "reject"]
        return acts


class DecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                    help_text=_("Required to return or reject: the reason."))
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                            help_text=_("The document number (required where a step issues one)."))
    step = serializers.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text=_("The step you are deciding, as you saw it. If someone decided it meanwhile, the answer is "
                    "409 with who decided it and when."),
    )
    attachment = serializers.FileField(required=False, allow_null=True)


class SubmitInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=2000)


def _structured(value: Any) -> Any:
    """A list or object given as JSON text in a multipart form."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class WorkflowActionsMixin:
    """Decision endpoints for a ``WritableScopedViewSet`` over a ``WorkflowItem`` model."""

    # the engine checks who may act; these endpoints only need the item to be visible
    workflow_actions = {"submit", "approve", "return_", "reject", "withdraw", "inbox", "mine"}
    list_actions = ("inbox", "mine")  # documented as paginated lists (assets/api/base.py: ScopedAutoSchema)
    extra_fields: tuple[str, ...] = ()  # a chain's own approval input (registrations, proceeds)

    @property
    def scope_action(self) -> str | None:
        if getattr(self, "action", None) in self.workflow_actions:
            return VIEW
        return super().scope_action  # type: ignore[misc]

    def _respond(self, item: Any) -> Response:
        fresh = self.get_queryset().get(pk=item.pk)
        return Response(self.get_serializer(fresh).data)

    def _submit_input(self, request: Request) -> dict[str, Any]:
        """The optional comment; a body that is not an object is a 400 with the reason."""
        serializer = SubmitInputSerializer(data=object_body(request))
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _decision_input(self, request: Request) -> dict[str, Any]:
        serializer = DecisionInputSerializer(data=object_body(request))
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def approval_extra(self, request: Request) -> dict[str, Any]:
        return {name: _structured(request.data.get(name)) for name in self.extra_fields if name in request.data}

    @extend_schema(request=SubmitInputSerializer, summary=_("Submit (or resubmit after changes)"),
                   description=_("403: not the applicant; 409: already submitted or closed."))
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        comment = self._submit_input(request).get("comment") or ""
        return self._respond(run_act(engine.do_submit, item, acting_user=request.user, comment=comment))

    @extend_schema(request=DecisionInputSerializer, summary=_("Approve the current step"),
                   description=_("403: not yours to decide; 409: already decided (by whom, when), or not at that "
                                 "step; 400: input missing (the reason, the document number, the step's own data)."))
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        data = self._decision_input(request)
        return self._respond(run_act(
            engine.do_approve, item, acting_user=request.user, comment=data.get("comment", ""),
            document_number=data.get("document_number", ""), attachment=data.get("attachment"),
            extra=self.approval_extra(request), expected_step=data.get("step") or None,
        ))

    @extend_schema(request=DecisionInputSerializer, summary=_("Return to the applicant with the reason"))
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        data = self._decision_input(request)
        return self._respond(run_act(
            engine.do_return, item, acting_user=request.user, comment=data.get("comment", ""),
            attachment=data.get("attachment"), expected_step=data.get("step") or None,
        ))

    @extend_schema(request=DecisionInputSerializer, summary=_("Reject: the item ends here"))
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        data = self._decision_input(request)
        return self._respond(run_act(
            engine.do_reject, item, acting_user=request.user, comment=data.get("comment", ""),
            attachment=data.get("attachment"), expected_step=data.get("step") or None,
        ))

    @extend_schema(request=SubmitInputSerializer, summary=_("Withdraw a draft or returned application"))
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        comment = self._submit_input(request).get("comment") or ""
        return self._respond(run_act(engine.do_withdraw, item, acting_user=request.user, comment=comment))

    def _listing(self, queryset: Any) -> Response:
        queryset = self.filter_queryset(queryset)
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page if page is not None else queryset, many=True)
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)

    @extend_schema(summary=_("Your inbox: items waiting for your decision or your changes"))
    @action(detail=False, methods=["get"])
    def inbox(self, request: Request) -> Response:
        return self._listing(self.get_queryset().filter(engine.waiting_for_q(request.user)))

    @extend_schema(summary=_("Items you started or decided"))
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        model = self.queryset.model
        involved = engine.involving(model, request.user).values("pk")
        return self._listing(self.get_queryset().filter(pk__in=involved))
