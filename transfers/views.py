"""Web pages of ownership confirmation and transfer (确权移交登记) and change registrations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from assets.choices import Role
from assets.history_diffs import asset_history
from assets.models import Asset, Project
from assets.scoping import ADD, CHANGE, VIEW, role_grants
from assets.views.base import ObjectListView, ObjectPermissionRequiredMixin
from transfers.actions import applicant_grant, do_create_transfer, do_record_change_registration, do_update_transfer
from transfers.approval import approval_parties
from transfers.choices import ChangeKind
from transfers.filtersets import ChangeRegistrationFilterSet, TransferFilterSet
from transfers.forms import LineRows, TransferForm, registration_rows, registrations_from
from transfers.models import ChangeRegistration, Transfer
from workflow import engine
from workflow.pdf import pdf_response
from workflow.views import DecideView, ItemDetailView, WorkflowItemMixin


class TransferListView(ObjectListView):
    model = Transfer
    template_name = "transfers/transfer_list.html"
    filterset_class = TransferFilterSet

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("project", "receiving_organisation", "pending_organisation")


class TransferView(ItemDetailView):
    model = Transfer
    template_name = "transfers/transfer_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        transfer: Transfer = context["item"]
        user = self.request.user
        lines = list(transfer.lines.select_related("asset__category", "asset__region", "owner_organisation",
                                                   "owner_household__village", "previous_owner_organisation",
                                                   "previous_owner_household").prefetch_related("shares__organisation"))
        visible_assets = set(Asset.objects.restrict(user, VIEW).filter(pk__in=[line.asset_id for line in lines])
                             .values_list("pk", flat=True))
        context["lines"] = [
            {"line": line, "history": asset_history(line.asset, user), "asset_link": line.asset_id in visible_assets}
            for line in lines
        ]
        context["project"] = transfer.project
        if context["may_decide"] and transfer.current_step == "registration":
            context["registration_rows"] = registration_rows(transfer)
        return context


class TransferDecideView(DecideView):
    model = Transfer

    def approval_extra(self, item: engine.WorkflowItem, request: HttpRequest) -> dict[str, Any]:
        if item.current_step == "registration":
            return {"registrations": registrations_from(item, request.POST)}
        return {}


class TransferFormView(ObjectPermissionRequiredMixin, TemplateView):
    """Propose a transfer (``?project=``) or change a draft or returned one."""

    model = Transfer
    template_name = "transfers/transfer_form.html"

    def get_transfer(self) -> Transfer | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.restricted(CHANGE).select_related("project"), pk=self.kwargs["pk"])

    def proposable_projects(self) -> QuerySet:
        user = self.request.user
        projects = Project.objects.restrict(user, VIEW).filter(assets__isnull=False).distinct()
        if not any(grant.role == Role.COUNTY_AGRI for grant in role_grants(user)):
            projects = projects.filter(implementing_organisation_id__in=[g.organisation_id for g in role_grants(user)])
        return projects.order_by("-year", "code")

    def get_project(self, transfer: Transfer | None) -> Project | None:
        if transfer is not None:
            return transfer.project
        raw = self.request.GET.get("project") or self.request.POST.get("project")
        if not raw:
            return None
        try:
            return self.proposable_projects().get(pk=int(raw))
        except (ValueError, Project.DoesNotExist):
            raise Http404 from None

    def render_page(self, transfer: Transfer | None, project: Project | None, form: TransferForm | None,
                    rows: LineRows | None, errors: list[str] | None = None) -> HttpResponse:
        context = self.get_context_data(
            transfer=transfer, project=project, form=form, rows=rows.rows() if rows else [], errors=errors or [],
            projects=self.proposable_projects()[:500] if project is None else [],
        )
        return self.render_to_response(context)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = CHANGE if "pk" in kwargs else ADD
        transfer = self.get_transfer()
        if transfer is not None and not (transfer.is_editable and engine.is_applicant(transfer, request.user)):
            raise PermissionDenied(_("Only the applicant may change a draft or returned transfer."))
        project = self.get_project(transfer)
        if project is None:
            return self.render_page(None, None, None, None)
        if transfer is None:
            try:
                applicant_grant(request.user, project)
            except PermissionDenied as exc:
                return self.render_page(None, project, None, None, [str(exc)])
        initial = {}
        if transfer is not None:
            initial = {"proposal": transfer.proposal, "meeting_date": transfer.meeting_date,
                       "share_basis": transfer.share_basis}
        return self.render_page(transfer, project, TransferForm(initial=initial),
                                LineRows(project, request.user, transfer))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = CHANGE if "pk" in kwargs else ADD
        transfer = self.get_transfer()
        project = self.get_project(transfer)
        if project is None:
            raise Http404
        form = TransferForm(request.POST)
        rows = LineRows(project, request.user, transfer, data=request.POST)
        if not form.is_valid():
            return self.render_page(transfer, project, form, rows)
        try:
            lines = rows.lines()
            if transfer is None:
                saved = do_create_transfer(project, form.cleaned_data, lines, acting_user=request.user)
                messages.success(request, _("Transfer %(number)s was saved as a draft. Check it and submit it.")
                                 % {"number": saved.number})
            else:
                saved = do_update_transfer(transfer, form.cleaned_data, lines, acting_user=request.user)
                messages.success(request, _("Transfer %(number)s was saved.") % {"number": saved.number})
        except ValidationError as exc:
            return self.render_page(transfer, project, form, rows, exc.messages)
        except (PermissionDenied, engine.WorkflowConflict) as exc:
            return self.render_page(transfer, project, form, rows, [getattr(exc, "message", str(exc))])
        return HttpResponseRedirect(saved.get_absolute_url())


class ApprovalPdfView(WorkflowItemMixin, TemplateView):
    """资产移交批复: the finance bureau's approval of a transfer, once it is issued."""

    model = Transfer

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        transfer = self.get_item()
        if not transfer.approval_number:
            raise Http404
        approval = transfer.decisions.filter(step="approval", decision=engine.Decision.APPROVED).select_related(
            "organisation", "user").order_by("-round").first()
        committee = transfer.decisions.filter(step="committee", decision=engine.Decision.APPROVED,
                                              round=approval.round if approval else transfer.round).first()
        lines = list(transfer.lines.select_related("asset__category", "asset__region", "owner_organisation",
                                                   "owner_household__village").prefetch_related("shares__organisation"))
        context = {"transfer": transfer, "approval": approval, "committee": committee, "lines": lines,
                   "project": transfer.project, "today": timezone.localdate(),
                   **approval_parties(transfer, lines)}  # the owners in the table receive the assets
        return pdf_response("pdf/transfer_approval.html", context, f"资产移交批复-{transfer.number}.pdf")


# --- change registrations (变更登记) -------------------------------------------------------------


class ChangeRegistrationListView(ObjectListView):
    model = ChangeRegistration
    template_name = "transfers/change_registration_list.html"

    filterset_class = ChangeRegistrationFilterSet

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("asset", "transfer", "disposal", "recorded_by")


class DamageRegistrationView(ObjectPermissionRequiredMixin, TemplateView):
    """Record damage to an asset (``?asset=`` its code)."""

    model = Asset
    action = CHANGE
    template_name = "transfers/damage_form.html"

    def get_asset(self) -> Asset | None:
        code = (self.request.GET.get("asset") or self.request.POST.get("asset") or "").strip()
        if not code:
            return None
        return get_object_or_404(Asset.objects.restrict(self.request.user, CHANGE), code=code)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(asset=self.get_asset(), values={}, errors=[]))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        asset = self.get_asset()
        if asset is None:
            raise Http404
        values = {key: request.POST.get(key, "") for key in ("occurred_on", "description", "document_number")}
        try:
            import datetime

            day = datetime.date.fromisoformat(values["occurred_on"]) if values["occurred_on"] else None
            do_record_change_registration(asset, {**values, "kind": ChangeKind.DAMAGE, "occurred_on": day},
                                          acting_user=request.user)
        except (ValueError, ValidationError) as exc:
            errors = exc.messages if isinstance(exc, ValidationError) else [_("Enter a valid date.")]
            return self.render_to_response(self.get_context_data(asset=asset, values=values, errors=errors))
        messages.success(request, _("The damage to %(asset)s was recorded.") % {"asset": asset.code})
        return HttpResponseRedirect(reverse("transfers:change_registrations") + f"?asset={asset.code}")
