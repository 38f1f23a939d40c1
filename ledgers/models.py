"""Records of the ledger work: export jobs, consistency-check runs and their mismatches, and
import batches (四(三) 一总四分 and 账账相符).

Every model is read through the scoping choke point (assets/scoping.py). Export jobs and import
batches belong to the user who asked for them (``owner_field``): a role allowed them at all sees
only its own (scope keys "ledger_export_job", "import_batch"). Consistency runs are county-wide;
each mismatch names a township and/or a department (scope key "ledger").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetClass
from assets.models.base import ScopedModel
from assets.scoping import ActionScope, RestrictedManager
from assets.validators import MONEY
from ledgers.choices import (
    FINISHED,
    IMPORT_FINISHED,
    CheckKind,
    CheckTrigger,
    ExportFormat,
    ImportKind,
    ImportStatus,
    JobStatus,
    LedgerKind,
)


def export_upload_to(job: LedgerExportJob, filename: str) -> str:
    return f"ledgers/exports/{timezone.localdate():%Y/%m}/{filename}"


class LedgerExportJob(models.Model):
    """One export asked for by one user: what, with which filters, and how it went."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="ledger_exports", verbose_name=_("requested by")
    )
    ledger = models.CharField(_("ledger"), max_length=20, choices=LedgerKind.choices)
    file_format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices, default=ExportFormat.XLSX)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    scope_description = models.CharField(_("scope"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in total"), default=0)
    error = models.TextField(_("error"), blank=True)
    result = models.FileField(_("result file"), upload_to=export_upload_to, max_length=300, blank=True)
    task_id = models.CharField(_("task id"), max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # written with the progress; a running job whose heartbeat stops lost its worker
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # "host:pid" of the process running the current attempt: a dead pid on the same host frees the job at once
    worker = models.CharField(_("worker process"), max_length=200, blank=True)

    # restrict(): the roles allowed "ledger_export_job" (whoever may view assets; the rows of the
    # export are restricted to their scope) reach their own jobs only
    objects = RestrictedManager()
    scope_key = "ledger_export_job"
    owner_field = "created_by"

    class Meta:
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["created_by", "-id"], name="ledgerjob_user_id_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="ledgerjob_status_beat_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="ledgerjob_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_ledger_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def filename(self) -> str:
        stamp = timezone.localtime(self.created_at).strftime("%Y%m%d-%H%M")
        return f"{self.get_ledger_display()}-{stamp}-{self.pk}.{self.file_format}"


class ConsistencyRun(ScopedModel):
    """One run of the 账账相符 checks over the whole county."""

    trigger = models.CharField(_("trigger"), max_length=10, choices=CheckTrigger.choices, default=CheckTrigger.MANUAL)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("started by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    asset_count = models.PositiveIntegerField(_("assets checked"), default=0)
    mismatch_count = models.PositiveIntegerField(_("mismatches"), default=0)
    # master totals per class: {"operating": {"count": n, "original": "…", "net": "…"}, …}
    totals = models.JSONField(_("master ledger totals"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    scope_key = "ledger"

    class Meta:
        verbose_name = _("consistency check run")
        verbose_name_plural = _("consistency check runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{_('consistency check')} #{self.pk}"

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        # a run is county-wide; what a user sees of it is limited per mismatch
        return Q()


class ConsistencyMismatch(ScopedModel):
    """One difference found by a run: the two figures compared, the difference, and the
    assets behind it (ids kept up to ``MAX_ASSET_IDS``; ``asset_count`` counts them all)."""

    MAX_ASSET_IDS = 2000

    run = models.ForeignKey(ConsistencyRun, models.CASCADE, related_name="mismatches", verbose_name=_("run"))
    check_kind = models.CharField(_("check"), max_length=30, choices=CheckKind.choices)
    township = models.ForeignKey(
        "assets.Region", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("township")
    )
    department = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    project = models.ForeignKey(
        "assets.Project", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("project")
    )
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices, blank=True)
    expected_label = models.CharField(_("compared with"), max_length=100, blank=True)
    expected_amount = models.DecimalField(_("expected amount (yuan)"), null=True, blank=True, **MONEY)
    actual_label = models.CharField(_("ledger figure"), max_length=100, blank=True)
    actual_amount = models.DecimalField(_("ledger amount (yuan)"), null=True, blank=True, **MONEY)
    difference = models.DecimalField(_("difference (yuan)"), null=True, blank=True, **MONEY)
    asset_count = models.PositiveIntegerField(_("assets concerned"), default=0)
    asset_ids = models.JSONField(_("assets behind it"), default=list, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    scope_key = "ledger"

    class Meta:
        verbose_name = _("consistency mismatch")
        verbose_name_plural = _("consistency mismatches")
        ordering = ["run", "check_kind", "township_id", "department_id", "id"]
        indexes = [models.Index(fields=["run", "check_kind"], name="mismatch_run_check_idx")]

    def __str__(self) -> str:
        return self.get_check_kind_display()

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        return Q(township_id__in=scope.township_ids) | Q(department_id__in=scope.department_ids)


def import_upload_to(batch: ImportBatch, filename: str) -> str:
    return f"ledgers/imports/{timezone.localdate():%Y/%m}/{batch.sha256[:16]}-{filename}"


class ImportBatch(models.Model):
    """One uploaded file, checked and saved by a background job (ledgers/importing/jobs.py):
    its content hash (the same file is imported once), progress, outcome, every problem found
    and every row skipped because its record is already registered. The file of an imported
    batch is kept; a rejected file is deleted."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="ledger_imports", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("content hash (SHA-256)"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    row_count = models.PositiveIntegerField(_("rows read"), default=0)
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    # [{"sheet": "资产", "row": 5, "column": "原值（元）", "message": "…"}, …]
    errors = models.JSONField(_("problems"), default=list, blank=True)
    # rows already registered (natural keys, ledgers/importing/importers.py): [{"row": 7, "reason": "…"}, …]
    skipped = models.JSONField(_("rows skipped"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    # the background job
    language = models.CharField(_("language"), max_length=10, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    task_id = models.CharField(_("task id"), max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    # restrict(): the roles allowed "import_batch" reach their own uploads only
    objects = RestrictedManager()
    scope_key = "import_batch"
    owner_field = "uploaded_by"

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-id"]
        constraints = [
            # a file's content is imported once; rejected attempts may repeat
            models.UniqueConstraint(
                fields=["kind", "sha256"], condition=Q(status="imported"), name="unique_imported_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in IMPORT_FINISHED
