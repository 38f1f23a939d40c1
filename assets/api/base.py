"""The one base API viewset and the pieces every API serializer shares.

NetBox's BaseViewSet idea: a viewset never builds its own queryset for a user. ``initial()``
asks (through RolePermission) whether the user's roles may do the request's action on this kind
of record at all (no -> 403), and ``get_queryset()`` is ``model.objects.restrict(user, action)``
(a row outside it -> 404). Records are never hard-deleted, so DELETE is not offered (405).
Writes go through the ``do_*`` action functions of assets/actions.py, called from the
serializers below; their Django ValidationError becomes DRF field errors and their
PermissionDenied a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.settings import api_settings

from assets.scoping import ADD, CHANGE, VIEW, has_permission

T = TypeVar("T")

# HTTP method -> scoping action. A viewset's routes map methods to actions one to one (GET
# list/retrieve, POST create, PUT/PATCH update).
METHOD_ACTIONS: dict[str, str] = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "POST": ADD,
    "PUT": CHANGE,
    "PATCH": CHANGE,
}
CHANGE_REASON_HEADER = "X-Change-Reason"
REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column


class RolePermission(BasePermission):
    """May the user's roles do this action on this kind of record at all? No -> 403.

    Checked in ``initial()`` with DRF's other permissions (after authentication, so an anonymous
    request gets 401), and by the browsable API before it offers a form.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        action = view.scope_action
        return action is None or has_permission(request.user, view.scope_key, action)


def _model_field_path(field: serializers.Field) -> list[Any] | None:
    """The model fields a read-only serializer field reads through (``owner_household.head_name``
    -> [Asset.owner_household, Household.head_name]), or None when its source is not plain model
    fields (a property, a method)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None)
    if model is None or not attrs:
        return None
    path = []
    for attr in attrs:
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        path.append(model_field)
        model = model_field.related_model if model_field.is_relation else None
    return path


class ScopedAutoSchema(AutoSchema):
    """drf-spectacular's inspector (DEFAULT_SCHEMA_CLASS), made to tell the truth about what the
    API answers:

    * extra actions a viewset names in ``list_actions`` (a workflow's ``inbox`` and ``mine``) answer
      a paginated list like ``list``, not one object;
    * a read-only field that reads a nullable model field, or reads through a nullable relation
      (``transfer.number`` of a change registration without a transfer), may be null;
    * a read-only choice of a model field that may be blank may be "" (DRF drops ``allow_blank``
      from read-only fields, so the schema would otherwise list only the choices).
    """

    def _is_list_view(self, serializer: Any = None) -> bool:
        if getattr(self.view, "action", None) in getattr(self.view, "list_actions", ()):
            return True
        return super()._is_list_view(serializer)

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict:
        if direction == "response" and getattr(field, "read_only", False):
            path = _model_field_path(field)
            if path:
                if any(model_field.null for model_field in path):
                    field.allow_null = True
                if isinstance(field, serializers.ChoiceField) and path[-1].blank:
                    field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: permission per role (403) and rows per scope (404).

    ``queryset`` is the unrestricted base with its select_related / prefetch_related, so that a
    list page costs the same number of queries whatever its size; it is only ever used through
    ``get_queryset()``, which restricts it to the requesting user and action.
    """

    permission_classes = [IsAuthenticated, RolePermission]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # never DELETE
    list_actions: tuple[str, ...] = ()  # extra GET actions that answer a paginated list

    @property
    def scope_action(self) -> str | None:
        """The scoping action of this request ("view", "add" or "change"); None for a method this
        route does not offer, which DRF then answers with 405. A custom route may override it."""
        request = getattr(self, "request", None)
        if request is None or request.method not in self.allowed_methods:
            return None
        return METHOD_ACTIONS.get(request.method)

    @property
    def scope_key(self) -> str:
        return self.queryset.model.scope_key

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no rows
            return queryset.none()
        # an unknown action restricts to nothing
        return queryset.restrict(self.request.user, self.scope_action or "")


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    http_method_names = ["get", "head", "options"]


class WritableScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """List, read, create and update; the serializer's create/update call the action functions."""


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related record chosen by primary key among those the requesting user may use.

    ``scope(user, action)`` returns the allowed rows; ``action`` is "add" while creating and
    "change" while updating. An id outside it is a field error, exactly like an unknown id.
    """

    default_error_messages = {
        "does_not_exist": _("No such record within your area of responsibility (id {pk_value})."),
    }

    def __init__(self, model: type[Model], scope: Callable[[Any, str], QuerySet], **kwargs: Any) -> None:
        self.scope = scope
        if not kwargs.get("read_only"):
            # the model only: rows come from get_queryset() with the user known
            kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        root = self.root
        action = ADD if getattr(root, "instance", None) is None else CHANGE
        if request is None:
            return self.queryset.none()
        return self.scope(request.user, action)


def header_text(value: str) -> str:
    """A header as the client wrote it: WSGI hands headers over decoded as Latin-1, so UTF-8
    text (a Chinese reason) arrives garbled unless it is decoded again."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def money(**kwargs: Any) -> serializers.DecimalField:
    """Yuan with 2 decimal places, never negative; rendered as a decimal string."""
    kwargs.setdefault("min_value", Decimal("0"))
    kwargs.setdefault("error_messages", {"min_value": _("Amounts cannot be negative.")})
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class ChoiceLabelField(serializers.CharField):
    """The label of a choice field's value (``status`` -> "在用"), read from the model field's
    choices. Same output as ``get_status_display``, but DRF inspects the signature of every
    callable it reads, and on Django's ``get_FOO_display`` that cost ~30 ms per API page of 50."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        super().__init__(source=field, read_only=True, **kwargs)
        self.labels: dict[Any, Any] | None = None

    def get_attribute(self, instance: Any) -> Any:
        if self.labels is None:  # once per serializer: the choices of the instance's model field
            self.labels = dict(type(instance)._meta.get_field(self.source).flatchoices)
        return super().get_attribute(instance)

    def to_representation(self, value: Any) -> str:
        return str((self.labels or {}).get(value, value))


def label(source: str, **kwargs: Any) -> serializers.CharField:
    """A read-only human label next to a code or id (``status_display``, ``category_name``)."""
    if source.startswith("get_") and source.endswith("_display"):
        return ChoiceLabelField(source.removeprefix("get_").removesuffix("_display"), **kwargs)
    return serializers.CharField(source=source, read_only=True, **kwargs)


class ActionModelSerializer(serializers.ModelSerializer):
    """A serializer whose writes run through an action function of assets/actions.py.

    The request may give a reason for the change (kept in the history) as ``change_reason`` in
    the body or in the X-Change-Reason header.
    """

    change_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=REASON_MAX_LENGTH,
        help_text=_("Why the record is entered or changed; kept in the change history."),
    )

    @property
    def acting_user(self) -> Any:
        return self.context["request"].user

    def pop_reason(self, validated_data: dict[str, Any]) -> str:
        reason = validated_data.pop("change_reason", "") or ""
        if not reason:
            request = self.context.get("request")
            reason = header_text(request.headers.get(CHANGE_REASON_HEADER, "")) if request is not None else ""
        return reason.strip()[:REASON_MAX_LENGTH]

    def run_action(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(self.field_errors(exc)) from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc

    def field_errors(self, exc: DjangoValidationError) -> dict[str, list[str]]:
        """Django's {model field: [messages]} as {API field: [messages]}."""
        non_field = api_settings.NON_FIELD_ERRORS_KEY
        if not hasattr(exc, "error_dict"):
            return {non_field: list(exc.messages)}
        by_source = {field.source: name for name, field in self.fields.items() if not field.read_only}
        errors: dict[str, list[str]] = {}
        for key, messages in exc.message_dict.items():
            name = non_field if key == NON_FIELD_ERRORS else by_source.get(key, key)
            errors.setdefault(name, []).extend(messages)
        return errors

    def current(self, attrs: dict[str, Any], name: str) -> Any:
        """The value a field will have after this write (partial updates keep the old one)."""
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, None) if self.instance is not None else None
