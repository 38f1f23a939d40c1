"""Web pages of disposal (处置): apply, review, decide, follow the trail; and the public notice
pages (公示), readable without logging in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from assets.choices import AssetStatus, OrganisationKind, RegionLevel, Role
from assets.files import file_response
from assets.history_diffs import asset_history
from assets.models import Asset, Region
from assets.scoping import ADD, CHANGE, VIEW, role_grants
from assets.views.base import ObjectListView, ObjectPermissionRequiredMixin
from disposals.actions import applicant_grant, do_add_evidence, do_create_disposal, do_update_disposal, earning_note
from disposals.filtersets import DisposalFilterSet
from disposals.forms import DisposalForm, EvidenceForm
from disposals.models import NOTICE_STEP, Disposal
from workflow import engine
from workflow.pdf import pdf_response
from workflow.views import DecideView, ItemDetailView, WorkflowItemMixin


class DisposalListView(ObjectListView):
    model = Disposal
    template_name = "disposals/disposal_list.html"
    filterset_class = DisposalFilterSet

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("asset", "region", "township", "pending_organisation")


class DisposalView(ItemDetailView):
    model = Disposal
    template_name = "disposals/disposal_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        disposal: Disposal = context["item"]
        user = self.request.user
        asset = Asset.objects.select_related("category", "region", "township", "project", "owner_organisation",
                                             "owner_household", "supervising_department").get(pk=disposal.asset_id)
        context.update(
            asset=asset, asset_history=asset_history(asset, user),
            asset_link=Asset.objects.restrict(user, VIEW).filter(pk=asset.pk).exists(),
            evidence=disposal.evidence.select_related("uploaded_by"),
            evidence_form=EvidenceForm() if context["may_edit"] else None,
            notice_not_over=disposal.workflow.step(NOTICE_STEP).not_yet(disposal) if disposal.in_notice else None,
            today=timezone.localdate(),
        )
        return context


class DisposalDecideView(DecideView):
    model = Disposal

    def approval_extra(self, item: engine.WorkflowItem, request: HttpRequest) -> dict[str, Any]:
        if item.current_step == "carry_out":
            return {key: request.POST.get(key, "") for key in ("carried_out_on", "proceeds", "counterparty")}
        return {}


def applicable_assets(user: Any) -> QuerySet:
    """Assets the user could apply to dispose of: in their village (clerks), or owned by their
    state unit; not already under disposal or disposed."""
    grants = role_grants(user)
    villages = [g.region_id for g in grants if g.role == Role.VILLAGE_CLERK]
    organisations = [g.organisation_id for g in grants]
    return (
        Asset.objects.restrict(user, VIEW)
        .filter(Q(region_id__in=villages) | Q(owner_organisation_id__in=organisations,
                                               owner_organisation__kind__in=[OrganisationKind.DEPARTMENT,
                                                                             OrganisationKind.AGRI_BUREAU,
                                                                             OrganisationKind.TOWNSHIP_GOVERNMENT]))
        .exclude(status__in=[AssetStatus.UNDER_DISPOSAL, AssetStatus.DISPOSED])
        .order_by("code")
    )


class DisposalFormView(ObjectPermissionRequiredMixin, TemplateView):
    """Apply (``?asset=`` its code) or change a draft or returned application."""

    model = Disposal
    template_name = "disposals/disposal_form.html"

    def get_disposal(self) -> Disposal | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.restricted(CHANGE).select_related("asset"), pk=self.kwargs["pk"])

    def get_asset(self, disposal: Disposal | None) -> Asset | None:
        if disposal is not None:
            return disposal.asset
        code = (self.request.GET.get("asset") or self.request.POST.get("asset") or "").strip()
        if not code:
            return None
        return get_object_or_404(Asset.objects.restrict(self.request.user, VIEW), code=code)

    def page(self, disposal: Disposal | None, asset: Asset | None, form: DisposalForm | None,
             errors: list[str] | None = None) -> HttpResponse:
        return self.render_to_response(self.get_context_data(
            disposal=disposal, asset=asset, form=form, errors=errors or [],
            earning=earning_note(asset) if asset else "",
            candidates=applicable_assets(self.request.user)[:500] if asset is None else [],
        ))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = CHANGE if "pk" in kwargs else ADD
        disposal = self.get_disposal()
        if disposal is not None and not (disposal.is_editable and engine.is_applicant(disposal, request.user)):
            raise PermissionDenied(_("Only the applicant may change a draft or returned application."))
        asset = self.get_asset(disposal)
        if asset is None:
            return self.page(None, None, None)
        if disposal is None:
            try:
                applicant_grant(request.user, asset)
            except PermissionDenied as exc:
                return self.page(None, asset, None, [str(exc)])
        initial = {"notice_days": 7}
        if disposal is not None:
            initial = {name: getattr(disposal, name) for name in ("reason", "method", "description", "appraised_value",
                                                                  "earning_justification", "notice_days")}
        return self.page(disposal, asset, DisposalForm(initial=initial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = CHANGE if "pk" in kwargs else ADD
        disposal = self.get_disposal()
        asset = self.get_asset(disposal)
        if asset is None:
            raise Http404
        form = DisposalForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(disposal, asset, form)
        data = dict(form.cleaned_data)
        upload, upload_text = data.pop("evidence_file"), data.pop("evidence_description")
        try:
            if disposal is None:
                saved = do_create_disposal(asset, data, acting_user=request.user)
            else:
                saved = do_update_disposal(disposal, data, acting_user=request.user)
            if upload is not None:
                do_add_evidence(saved, upload, upload_text or upload.name, acting_user=request.user)
        except ValidationError as exc:
            return self.page(disposal, asset, form, exc.messages)
        except (PermissionDenied, engine.WorkflowConflict) as exc:
            return self.page(disposal, asset, form, [getattr(exc, "message", str(exc))])
        messages.success(request, _("Disposal %(number)s was saved. Attach the evidence and submit it.")
                         % {"number": saved.number})
        return HttpResponseRedirect(saved.get_absolute_url())


class EvidenceUploadView(WorkflowItemMixin, View):
    model = Disposal
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        disposal = self.get_item()
        form = EvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return self.back(disposal)
        try:
            do_add_evidence(disposal, form.cleaned_data["file"], form.cleaned_data["description"],
                            acting_user=request.user)
            messages.success(request, _("The file was attached."))
        except (ValidationError, PermissionDenied, engine.WorkflowConflict) as exc:
            self.refused(request, exc)
        return self.back(disposal)


class EvidenceFileView(WorkflowItemMixin, View):
    model = Disposal

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        disposal = self.get_item()
        evidence = get_object_or_404(disposal.evidence.all(), pk=self.kwargs["evidence_pk"])
        return file_response(evidence.file, filename=evidence.filename)


# --- public notices (公示): no login --------------------------------------------------------------


def public_disposals() -> QuerySet:
    """Disposals in public notice or carried out, with only what a notice shows."""
    return (
        Disposal.objects.filter(Disposal.public_q())
        .select_related("asset__category", "asset__owner_organisation", "region", "township",
                        "applicant_organisation", "proceeds_owner_organisation")
        .order_by("-notice_starts_on", "-pk")
    )


class PublicIndexView(TemplateView):
    """Townships and villages with disposals in notice or done."""

    template_name = "disposals/public_index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = dict(public_disposals().order_by().values("region").annotate(n=Count("pk")).values_list(
            "region", "n"))
        township_counts = dict(public_disposals().order_by().values("township").annotate(
            n=Count("pk")).values_list("township", "n"))
        townships = Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code")
        villages = Region.objects.filter(level=RegionLevel.VILLAGE, pk__in=counts.keys()).order_by("code")
        by_township: dict[int, list[tuple[Region, int]]] = {}
        for village in villages:
            by_township.setdefault(village.township_id, []).append((village, counts[village.pk]))
        context["townships"] = [
            {"region": township, "count": township_counts.get(township.pk, 0),
             "villages": by_township.get(township.pk, [])}
            for township in townships
        ]
        return context


class PublicListView(TemplateView):
    """A township's or village's disposals in public notice or carried out."""

    template_name = "disposals/public_list.html"

    def get_region(self) -> Region:
        return get_object_or_404(Region.objects.exclude(level=RegionLevel.COUNTY), code=self.kwargs["code"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        region = self.get_region()
        rows = public_disposals()
        rows = rows.filter(township=region) if region.level == RegionLevel.TOWNSHIP else rows.filter(region=region)
        context.update(region=region, in_notice=[d for d in rows if d.in_notice],
                       done=[d for d in rows if d.status == engine.ItemStatus.DONE], today=timezone.localdate())
        return context


class PublicNoticePdfView(View):
    """The notice of one disposal as a printable PDF (公示), laid out once per version of the
    notice and then served from the cache: anonymous readers cost a template render, not a
    WeasyPrint layout."""

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        disposal = get_object_or_404(public_disposals(), number=number)
        approval = disposal.decisions.filter(document_number__gt="", decision=engine.Decision.APPROVED).order_by(
            "-decided_at").first()
        context = {"disposal": disposal, "asset": disposal.asset, "approval": approval,
                   "today": timezone.localdate(), "notice_step": NOTICE_STEP}
        return pdf_response("pdf/disposal_notice.html", context, f"处置公示-{disposal.number}.pdf",
                            cache_key=f"disposal-notice:{disposal.number}")

