"""Choices of the ledger exports, consistency checks and imports (四(三) 一总四分, 账账相符)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerKind(models.TextChoices):
    """一总四分: the county master ledger and the four sub-ledgers, plus the asset list export."""

    COUNTY = "county", _("county master ledger")
    DEPARTMENT = "department", _("department ledger")
    TOWNSHIP = "township", _("township ledger")
    VILLAGE = "village", _("village ledger")
    HOUSEHOLD = "household", _("household ledger")
    LIST = "list", _("filtered asset list")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    PDF = "pdf", _("printable PDF")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class CheckTrigger(models.TextChoices):
    MANUAL = "manual", _("on demand")
    NIGHTLY = "nightly", _("nightly")


class CheckKind(models.TextChoices):
    """The 账账相符 checks of 四(三) and the completeness checks on each asset."""

    SUB_LEDGER_TOWNSHIP = "sub_ledger_township", _("township ledgers do not add up to the master ledger")
    SUB_LEDGER_DEPARTMENT = "sub_ledger_department", _("department ledgers do not add up to the master ledger")
    TOWNSHIP_DEPARTMENT = "township_department", _("township figures differ from the department figures")
    DEPARTMENT_FUNDS = "department_funds", _("department ledger differs from the projects' funding lines")
    ASSET_FUNDING = "asset_funding", _("funding lines do not add up to the original value")
    MISSING_OWNER = "missing_owner", _("asset without owner")
    MISSING_VALUATION_BASIS = "missing_valuation_basis", _("asset without a valid valuation basis")
    MISSING_REGION = "missing_region", _("asset not located in a township or village")


class ImportKind(models.TextChoices):
    ASSETS = "assets", _("assets")
    HOUSEHOLDS = "households", _("households")
    PROJECTS = "projects", _("projects")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("queued")
    RUNNING = "running", _("being checked")
    REJECTED = "rejected", _("rejected: nothing saved")
    IMPORTED = "imported", _("imported")


IMPORT_FINISHED = (ImportStatus.REJECTED, ImportStatus.IMPORTED)
