"""Web views every workflow shares: an item's page with its chain and trail, the decision form,
submit and withdraw, attached files, and the inbox / "mine" pages across all workflows.

They sit on the register's base view (assets/views/base.py): login, role permission (403) and
rows only from ``Model.objects.restrict(user, action)`` (404 outside the user's scope). Who may
take a step is the engine's rule; a refused act is shown as a message and changes nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from assets.files import file_response
from assets.scoping import VIEW, has_permission
from assets.views.base import ObjectPermissionRequiredMixin
from workflow import engine

DECISIONS = ("approve", "return", "reject")
INBOX_ROWS = 200  # per workflow; the list pages filter and page through the rest


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(d, d) for d in DECISIONS], widget=forms.HiddenInput)
    step = forms.CharField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("Required to return or reject: the reason."))
    document_number = forms.CharField(label=gettext_lazy("Document number"), required=False, max_length=60)
    attachment = forms.FileField(label=gettext_lazy("Attached file"), required=False)


class WorkflowItemMixin(ObjectPermissionRequiredMixin):
    model: ClassVar[type[engine.WorkflowItem]]
    action = VIEW

    def get_item(self) -> engine.WorkflowItem:
        return get_object_or_404(self.restricted(VIEW), pk=self.kwargs["pk"])

    def back(self, item: engine.WorkflowItem) -> HttpResponseRedirect:
        return HttpResponseRedirect(item.get_absolute_url())

    def refused(self, request: HttpRequest, exc: Exception) -> None:
        if isinstance(exc, engine.WorkflowConflict):
            messages.error(request, exc.message)
        elif isinstance(exc, ValidationError):
            messages.error(request, " ".join(exc.messages))
        else:
            messages.error(request, str(exc) or _("You may not do this."))


class ItemDetailView(WorkflowItemMixin, TemplateView):
    """The item, its chain (who decides each step for this item), its trail over every round,
    and the forms for whatever the user may do now."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        item = self.get_item()
        user = self.request.user
        may_decide = engine.can_decide(item, user)
        context.update(
            object=item, item=item, chain=item.chain_preview(), rounds=item.rounds(), step=item.step,
            may_decide=may_decide, may_edit=item.is_editable and engine.is_applicant(item, user),
            decision_form=DecisionForm(initial={"step": item.current_step}) if may_decide else None,
            item_namespace=item._meta.app_label,
            edit_url=reverse(f"{item._meta.app_label}:edit", args=[item.pk]),
        )
        return context


class DecideView(WorkflowItemMixin, View):
    """POST: approve, return or reject the current step."""

    http_method_names = ["post"]

    def approval_extra(self, item: engine.WorkflowItem, request: HttpRequest) -> dict[str, Any]:
        """A chain's own input for approving the current step (subclasses)."""
        return {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        form = DecisionForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return self.back(item)
        data = form.cleaned_data
        common = {"acting_user": request.user, "comment": data["comment"], "attachment": data["attachment"],
                  "expected_step": data["step"] or None}
        try:
            if data["decision"] == "approve":
                after = engine.do_approve(item, document_number=data["document_number"],
                                          extra=self.approval_extra(item, request), **common)
                if after.status == engine.ItemStatus.DONE:
                    messages.success(request, _("Approved: %(number)s is completed.") % {"number": item.number})
                else:
                    messages.success(request, _("Approved: %(number)s moved on.") % {"number": item.number})
            elif data["decision"] == "return":
                engine.do_return(item, **common)
                messages.success(request, _("%(number)s was returned to the applicant.") % {"number": item.number})
            else:
                engine.do_reject(item, **common)
                messages.success(request, _("%(number)s was rejected.") % {"number": item.number})
        except (engine.WorkflowConflict, ValidationError, PermissionDenied) as exc:
            self.refused(request, exc)
        return self.back(item)


class SubmitView(WorkflowItemMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        try:
            engine.do_submit(item, acting_user=request.user, comment=request.POST.get("comment", "")[:2000])
            messages.success(request, _("%(number)s was submitted.") % {"number": item.number})
        except (engine.WorkflowConflict, ValidationError, PermissionDenied) as exc:
            self.refused(request, exc)
        return self.back(item)


class WithdrawView(WorkflowItemMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        try:
            engine.do_withdraw(item, acting_user=request.user, comment=request.POST.get("comment", "")[:2000])
            messages.success(request, _("%(number)s was withdrawn.") % {"number": item.number})
        except (engine.WorkflowConflict, ValidationError, PermissionDenied) as exc:
            self.refused(request, exc)
        return self.back(item)


class DecisionFileView(WorkflowItemMixin, View):
    """A file attached to a decision, for whoever may see the item."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        decision = get_object_or_404(item.decisions.all(), pk=self.kwargs["decision_pk"])
        if not decision.attachment:
            raise Http404
        return file_response(decision.attachment)


class InboxView(ObjectPermissionRequiredMixin, TemplateView):
    """待办: every workflow's items waiting for the user (decisions, or changes to returned
    items); with ``mine`` the items the user started or decided."""

    template_name = "workflow/inbox.html"
    mine: ClassVar[bool] = False

    @staticmethod
    def visible_models(user: Any) -> list[type[engine.WorkflowItem]]:
        return [model for model in engine.WORKFLOW_MODELS.values() if has_permission(user, model.scope_key, VIEW)]

    def may_use(self, user: Any) -> bool:
        return bool(self.visible_models(user))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sections = []
        for model in self.visible_models(user):
            rows = engine.involving(model, user) if self.mine else engine.inbox(model, user)
            rows = rows.select_related("pending_organisation", "applicant_organisation", *model.title_related)
            rows = rows.order_by("-updated_at", "-pk")
            sections.append({"label": model.workflow.label, "key": model.workflow.key,
                             "rows": rows[:INBOX_ROWS], "count": rows.count(), "list_url": model.list_url()})
        context.update(sections=sections, mine=self.mine)
        return context
