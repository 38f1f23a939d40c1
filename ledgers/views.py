"""Ledger pages: ask for an export and watch it, export the filtered asset list, the 账账相符
check runs, and Excel import. Thin: the work is in ledgers/jobs.py, ledgers/checks.py and
ledgers/importing/; scope comes from the register's choke point (assets/scoping.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from assets.files import file_response
from assets.filtersets import AssetFilterSet
from assets.models import Asset
from assets.scoping import ADD, VIEW, has_permission, sees_everything
from assets.views.base import ObjectPermissionRequiredMixin, paginate
from ledgers import jobs
from ledgers.checks import run_checks
from ledgers.choices import CheckKind, CheckTrigger, ImportKind, ImportStatus, LedgerKind
from ledgers.exports.source import base_queryset
from ledgers.exports.spec import LedgerRequest
from ledgers.forms import IMPORT_SCOPE_KEYS, ImportUploadForm, LedgerExportForm, allowed_import_kinds
from ledgers.importing import jobs as import_jobs
from ledgers.importing.safety import too_large_message
from ledgers.importing.schema import SHEET_TITLES
from ledgers.importing.service import already_imported_message
from ledgers.importing.templates import build_template
from ledgers.importing.uploads import LimitedUploadHandler
from ledgers.models import ConsistencyMismatch, ConsistencyRun, ImportBatch, LedgerExportJob

RECENT_JOBS = 15
SECTION_ROWS = 300  # mismatches listed per check on the run page; drill down by township or department
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PermissionMixin(ObjectPermissionRequiredMixin):
    """The register's base view rule (login; the role must allow ``action`` on ``scope_key``
    records at all, else 403), for ledger pages that work on asset scopes."""

    scope_key = "asset"
    action = VIEW


class LedgerNavMixin:
    """The ledger pages' tab row: which tabs this user has."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["nav_ledger"] = {"checks": has_permission(user, "ledger", VIEW),
                                 "import": bool(allowed_import_kinds(user))}
        return context


def job_status(job: LedgerExportJob) -> dict[str, Any]:
    """What the progress bar shows (also the JSON the page polls)."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "progress": job.progress,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "finished": job.is_finished,
        "error": job.error,
        "download_url": reverse("ledgers:ledger_export_download", args=[job.pk]) if job.status == "done" and job.result
        else None,
    }


def start_export(request: HttpRequest, ledger_request: LedgerRequest) -> HttpResponseBase | int:
    """Queue (or, when small, build at once) an export; when it cannot be queued, the status code
    the page is shown again with (message set): 429 too many exports of this user, 503 queue down."""
    user = request.user
    if jobs.is_small(user, ledger_request):
        job = jobs.run_now(jobs.create_job(user, ledger_request))
        if job.status == "done":
            return _download(job)
        messages.error(request, job.error)
        return HttpResponseRedirect(reverse("ledgers:ledger_export_detail", args=[job.pk]))
    try:
        job = jobs.start_job(user, ledger_request)
    except jobs.TooManyJobs as exc:
        messages.error(request, str(exc))
        return 429
    except jobs.QueueUnavailable as exc:
        messages.error(request, str(exc))
        return 503
    return HttpResponseRedirect(reverse("ledgers:ledger_export_detail", args=[job.pk]))


def _download(job: LedgerExportJob) -> HttpResponse:
    content_type = "application/pdf" if job.file_format == "pdf" else XLSX
    return file_response(job.result, filename=job.filename, content_type=content_type)


class LedgerHomeView(PermissionMixin, LedgerNavMixin, TemplateView):
    """Ask for one of the 一总四分 ledgers; the user's recent exports with live progress."""

    template_name = "ledgers/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("form", LedgerExportForm(user=user))
        context["jobs"] = LedgerExportJob.objects.restrict(user, VIEW)[:RECENT_JOBS]
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = LedgerExportForm(request.POST, user=request.user)
        if form.is_valid():
            response = start_export(request, form.cleaned_data["request"])
            if not isinstance(response, int):
                return response
            status = response
        else:
            status = 400
        return self.render_to_response(self.get_context_data(form=form), status=status)


class ExportJobMixin(ObjectPermissionRequiredMixin):
    """One export job: the role must be allowed export jobs at all (403); the job must be the
    user's own (``restrict``; anyone else's is 404, a county-wide role's included)."""

    model = LedgerExportJob
    action = VIEW

    def get_job(self) -> LedgerExportJob:
        return get_object_or_404(self.restricted(), pk=self.kwargs["pk"])


class ExportJobView(ExportJobMixin, TemplateView):
    template_name = "ledgers/export_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.get_job()
        context.update(job=job, state=job_status(job))
        return context


class ExportJobStatusView(ExportJobMixin, View):
    """JSON polled by static/ledgers/ledgers.js for the progress bar."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        job = self.get_job()
        job = jobs.recover_if_lost(job)  # a dead worker's job is queued again now, not at the next sweep
        response = JsonResponse(job_status(job))
        response["Cache-Control"] = "no-store"
        return response


class ExportJobDownloadView(ExportJobMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_job()
        if job.status != "done" or not job.result:
            raise Http404
        return _download(job)


class ExportAssetListView(PermissionMixin, TemplateView):
    """"Export" on the asset list: the whole filtered list (same ?filters as /assets/), not the
    page on screen. GET shows what will be exported; POST starts it."""

    template_name = "ledgers/export_list.html"

    def ledger_request(self) -> LedgerRequest:
        query = self.request.GET.copy()
        for name in ("page", "page_size"):
            query.pop(name, None)
        return LedgerRequest(ledger=LedgerKind.LIST, list_query=query.urlencode())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ledger_request = self.ledger_request()
        filterset = AssetFilterSet(ledger_request.list_params, queryset=Asset.objects.none())
        chosen = []
        if filterset.is_valid():
            for name, value in filterset.form.cleaned_data.items():
                if value in (None, ""):
                    continue
                field = filterset.form.fields[name]
                if isinstance(value, str) and isinstance(getattr(field, "choices", None), list):
                    value = dict(field.choices).get(value, value)  # a choice: its label
                chosen.append((field.label, value))
        context.update(
            chosen=chosen, count=base_queryset(self.request.user, ledger_request).count(),
            back_url=f"{reverse('assets:asset_list')}?{ledger_request.list_query}",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = start_export(request, self.ledger_request())
        if not isinstance(response, int):
            return response
        return self.render_to_response(self.get_context_data(), status=response)


# --- consistency checks -------------------------------------------------------------------------


class CheckListView(PermissionMixin, LedgerNavMixin, TemplateView):
    scope_key = "ledger"
    template_name = "ledgers/checks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        paginator, page = paginate(self.request, ConsistencyRun.objects.restrict(user, VIEW).select_related(
            "started_by"))
        visible = ConsistencyMismatch.objects.restrict(user, VIEW)
        counts = dict(visible.filter(run__in=[run.pk for run in page.object_list]).values("run_id").annotate(
            n=Count("pk")).values_list("run_id", "n"))
        for run in page.object_list:
            run.visible_mismatches = counts.get(run.pk, 0)
        context.update(paginator=paginator, page_obj=page, runs=page.object_list,
                       may_run=has_permission(user, "ledger", ADD))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_permission(request.user, "ledger", ADD):
            raise PermissionDenied
        run = run_checks(trigger=CheckTrigger.MANUAL, started_by=request.user)
        messages.success(request, _("The check ran: %(n)s mismatches found.") % {"n": run.mismatch_count})
        return HttpResponseRedirect(reverse("ledgers:ledger_check_detail", args=[run.pk]))


class CheckRunView(PermissionMixin, TemplateView):
    """One run's mismatches that the user may see, per township and per department."""

    scope_key = "ledger"
    template_name = "ledgers/check_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        run = get_object_or_404(ConsistencyRun.objects.restrict(user, VIEW), pk=self.kwargs["pk"])
        mismatches = list(ConsistencyMismatch.objects.restrict(user, VIEW).filter(run=run).select_related(
            "township", "department", "project"))
        per_township = _per(mismatches, "township")
        per_department = _per(mismatches, "department")
        # drill down: ?township=<id> and/or ?department=<id>
        chosen = {name: self.request.GET.get(name, "") for name in ("township", "department")}
        shown = [m for m in mismatches
                 if all(not value or str(getattr(m, f"{name}_id")) == value for name, value in chosen.items())]
        by_check: dict[str, list[ConsistencyMismatch]] = defaultdict(list)
        for mismatch in shown:
            by_check[mismatch.check_kind].append(mismatch)
        sections = [(CheckKind(kind).label, by_check[kind][:SECTION_ROWS], len(by_check[kind]))
                    for kind in CheckKind.values if by_check.get(kind)]
        context.update(run=run, sections=sections, per_township=per_township, per_department=per_department,
                       total=len(mismatches), shown=len(shown), chosen=chosen, section_rows=SECTION_ROWS,
                       county_wide=sees_everything(user, "ledger", VIEW))
        return context


def _per(mismatches: list[ConsistencyMismatch], attribute: str) -> list[tuple[Any, int]]:
    counts: dict[Any, int] = defaultdict(int)
    for mismatch in mismatches:
        target = getattr(mismatch, attribute)
        if target is not None:
            counts[target] += 1
    return sorted(counts.items(), key=lambda item: getattr(item[0], "code", ""))


class MismatchView(PermissionMixin, TemplateView):
    """The assets behind one mismatch, as far as the user may see them."""

    scope_key = "ledger"
    template_name = "ledgers/mismatch_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        mismatch = get_object_or_404(ConsistencyMismatch.objects.restrict(user, VIEW).select_related(
            "run", "township", "department", "project"), pk=self.kwargs["pk"])
        assets: QuerySet = Asset.objects.restrict(user, VIEW).filter(pk__in=mismatch.asset_ids).select_related(
            "category", "region", "township", "supervising_department", "project")
        paginator, page = paginate(self.request, assets.order_by("code"))
        context.update(mismatch=mismatch, paginator=paginator, page_obj=page, assets=page.object_list,
                       hidden=max(0, min(len(mismatch.asset_ids), mismatch.asset_count) - paginator.count))
        return context


# --- import -------------------------------------------------------------------------------------


class ImportMixin(ObjectPermissionRequiredMixin):
    """Uploading: the role must be allowed to add import batches (403); which kinds of record it
    may import is the form's business (``allowed_import_kinds``)."""

    model = ImportBatch
    action = ADD


class ImportBatchMixin(ObjectPermissionRequiredMixin):
    """One upload: the role must be allowed import batches at all (403); the batch must be the
    user's own (``restrict``; anyone else's is 404)."""

    model = ImportBatch
    action = VIEW

    def get_batch(self) -> ImportBatch:
        return get_object_or_404(self.restricted(), pk=self.kwargs["pk"])


@method_decorator(csrf_exempt, name="dispatch")  # checked in post(), after the size-limiting upload handler is in
class ImportView(ImportMixin, LedgerNavMixin, TemplateView):
    """Upload a file: stored and queued as a batch (ledgers/importing/jobs.py); the batch page
    shows the progress and then the outcome."""

    template_name = "ledgers/import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("form", ImportUploadForm(user=user))
        context["kinds"] = allowed_import_kinds(user)
        context["batches"] = ImportBatch.objects.restrict(user, VIEW)[:RECENT_JOBS]
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # the file is refused at the size limit while it arrives, before anything is written to disk
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
        return csrf_protect(self._post)(request)

    def _post(self, request: HttpRequest) -> HttpResponse:
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        too_large = getattr(request, "upload_too_large", False)  # set while request.POST was parsed
        if too_large or not form.is_valid():
            if too_large:
                form.errors.pop("file", None)
                form.add_error("file", too_large_message())
            return self.render_to_response(self.get_context_data(form=form), status=413 if too_large else 400)
        upload = form.cleaned_data["file"]
        try:
            outcome = import_jobs.start_import(request.user, form.cleaned_data["kind"], upload.name, upload,
                                               language=request.LANGUAGE_CODE)
        except import_jobs.QueueUnavailable as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=503)
        batch = outcome.batch
        if outcome.duplicate:
            messages.warning(request, already_imported_message(batch))
        elif batch.status == ImportStatus.IMPORTED:
            messages.success(request, _("%(n)s records imported.") % {"n": batch.created_count})
        elif batch.status == ImportStatus.REJECTED:
            messages.error(request, _("Nothing was saved: %(n)s problems found. Correct them and upload the file "
                                      "again.") % {"n": len(batch.errors)})
        if batch.uploaded_by_id != request.user.pk:  # an identical file imported by someone else
            return HttpResponseRedirect(reverse("ledgers:ledger_import"))
        return HttpResponseRedirect(reverse("ledgers:ledger_import_detail", args=[batch.pk]))


class ImportTemplateView(ImportMixin, View):
    def get(self, request: HttpRequest, kind: str) -> HttpResponse:
        if kind not in ImportKind.values or not has_permission(request.user, IMPORT_SCOPE_KEYS[kind], ADD):
            raise Http404
        data = build_template(kind, request.user)
        response = HttpResponse(data, content_type=XLSX)
        filename = f"{_('import template')}-{SHEET_TITLES[kind]}.xlsx"
        response["Content-Disposition"] = _attachment(filename)
        return response


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(filename)}"


class ImportBatchView(ImportBatchMixin, TemplateView):
    """One upload: its progress while it is checked, then what was imported, skipped or wrong."""

    template_name = "ledgers/import_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["batch"] = import_jobs.expire_if_stale(self.get_batch())
        return context


class ImportStatusView(ImportBatchMixin, View):
    """JSON polled by static/ledgers/ledgers.js for the batch's progress bar."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        batch = self.get_batch()
        response = JsonResponse(import_jobs.batch_status(import_jobs.expire_if_stale(batch)))
        response["Cache-Control"] = "no-store"
        return response


class ImportFileView(ImportBatchMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.get_batch()
        if not batch.file:
            raise Http404
        return file_response(batch.file, filename=batch.original_name, content_type=XLSX)

