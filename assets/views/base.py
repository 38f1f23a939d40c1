"""The one base view class of the web UI (NetBox's ObjectPermissionRequiredMixin idea).

Every page: login required; the role must be allowed the action on this kind of record at all
(``has_permission``, else 403); rows come only from ``Model.objects.restrict(user, action)``, so a
single object outside the user's scope answers 404. Edits go through the ``do_*`` action functions;
their ValidationError lands on the form fields, their PermissionDenied is a 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseFormSet, Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from assets.pagination import CountingPaginator
from assets.scoping import ADD, CHANGE, VIEW, has_permission

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ObjectPermissionRequiredMixin(LoginRequiredMixin):
    """Login, role permission (403) and the restricted queryset for ``model``."""

    model: ClassVar[type[models.Model] | None] = None
    scope_key: ClassVar[str] = ""  # defaults to model.scope_key
    action: ClassVar[str] = VIEW
    request: HttpRequest

    def get_scope_key(self) -> str:
        return self.scope_key or self.model.scope_key

    def may_use(self, user: Any) -> bool:
        """The role check (403 when false). A page over several kinds of record (the inbox)
        overrides it; it never narrows rows, `restricted()` does."""
        return has_permission(user, self.get_scope_key(), self.action)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.may_use(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def restricted(self, action: str | None = None) -> models.QuerySet:
        return self.model.objects.restrict(self.request.user, action or self.action)


def page_size_from(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def paginate(request: HttpRequest, queryset: models.QuerySet) -> tuple[CountingPaginator, Any]:
    """A page of ``queryset`` per ``?page=`` and ``?page_size=`` (at most 200), with the exact count;
    a page number past the end shows the last page."""
    paginator = CountingPaginator(queryset, page_size_from(request))
    return paginator, paginator.get_page(request.GET.get("page"))


class ObjectListView(ObjectPermissionRequiredMixin, TemplateView):
    """A filtered, paginated list of the rows the user may view."""

    filterset_class: ClassVar[type | None] = None

    def get_queryset(self) -> models.QuerySet:
        return self.restricted()

    def get_filterset(self, queryset: models.QuerySet) -> Any:
        filterset = self.filterset_class(self.request.GET, queryset=queryset, request=self.request)
        self.adapt_filterset(filterset)
        return filterset

    def adapt_filterset(self, filterset: Any) -> None:
        """Narrow choice lists to the user's scope (subclasses)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = self.get_filterset(self.get_queryset())
        paginator, page = paginate(self.request, filterset.qs)
        context.update(
            filterset=filterset,
            filter_form=filterset.form,
            paginator=paginator,
            page_obj=page,
            object_list=page.object_list,
            may_add=has_permission(self.request.user, self.get_scope_key(), ADD),
        )
        return context


class ObjectView(ObjectPermissionRequiredMixin, TemplateView):
    """One row the user may view; outside their scope it does not exist (404)."""

    def get_queryset(self) -> models.QuerySet:
        return self.restricted()

    def get_object(self) -> models.Model:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj = self.get_object()
        context["object"] = obj
        user = self.request.user
        context["may_change"] = has_permission(user, self.get_scope_key(), CHANGE) and (
            self.model.objects.restrict(user, CHANGE).filter(pk=obj.pk).exists()
        )
        return context


class ObjectFormView(ObjectPermissionRequiredMixin, TemplateView):
    """Create (action "add") or edit (action "change") through a form, optional formsets and an
    action function. Subclasses give ``get_form``, ``get_formsets`` and ``save``."""

    # ValidationError keys of the action function that belong to a formset, e.g. "funding_lines"
    formset_error_keys: ClassVar[dict[str, str]] = {}
    success_message: ClassVar[str] = _("Saved.")

    def get_object(self) -> models.Model | None:
        if self.action == ADD:
            return None
        return get_object_or_404(self.restricted(CHANGE), pk=self.kwargs["pk"])

    def get_form(self, obj: models.Model | None, data: Any = None) -> Form:
        raise NotImplementedError

    def get_formsets(self, obj: models.Model | None, data: Any = None) -> dict[str, BaseFormSet]:
        return {}

    def save(self, obj: models.Model | None, form: Form, formsets: dict[str, BaseFormSet]) -> models.Model:
        raise NotImplementedError

    def success_url(self, saved: models.Model) -> str:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return self.render(obj, self.get_form(obj), self.get_formsets(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        formsets = self.get_formsets(obj, request.POST)
        if "_refresh" in request.POST:  # re-draw choices that depend on other fields; save nothing
            return self.render(obj, form, formsets, refreshing=True)
        valid = form.is_valid()
        valid = all([fs.is_valid() for fs in formsets.values()]) and valid
        if valid:
            try:
                saved = self.save(obj, form, formsets)
            except ValidationError as error:
                self.apply_errors(error, form, formsets)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(self.success_url(saved))
        return self.render(obj, form, formsets)

    def apply_errors(self, error: ValidationError, form: Form, formsets: dict[str, BaseFormSet]) -> None:
        """Put the action's errors where the user looks: on the field, the formset, or on top."""
        error_dict = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
        for key, errors in error_dict.items():
            messages_ = [message for e in errors for message in ValidationError(e).messages]
            formset_name = self.formset_error_keys.get(key)
            if formset_name and formset_name in formsets:
                formsets[formset_name].non_form_errors().extend(messages_)
            elif key in form.fields:
                form.add_error(key, messages_)
            else:
                form.add_error(None, messages_)

    def render(self, obj: models.Model | None, form: Form, formsets: dict[str, BaseFormSet],
               refreshing: bool = False) -> HttpResponse:
        has_errors = not refreshing and form.is_bound and (
            bool(form.errors) or any(fs.total_error_count() for fs in formsets.values())
        )
        context = self.get_context_data(object=obj, form=form, formsets=formsets, refreshing=refreshing,
                                        is_create=self.action == ADD, has_errors=has_errors)
        return self.render_to_response(context)
