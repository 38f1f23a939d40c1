"""What a ledger export asks for: which of the 一总四分 ledgers and which filters.

The same request comes from the web form, the API, the command line and the asset list's
"export" link; it is stored on the job row as JSON and read back by the Celery task.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from assets.choices import AssetClass, AssetStatus, RegionLevel
from assets.models import Organisation, Region
from ledgers.choices import ExportFormat, LedgerKind


@dataclass(frozen=True)
class LedgerRequest:
    ledger: str = LedgerKind.COUNTY
    file_format: str = ExportFormat.XLSX
    region_id: int | None = None
    department_id: int | None = None
    asset_class: str = ""
    project_year: int | None = None
    status: str = ""
    as_of: datetime.date | None = None
    # LIST only: the asset list's own query string (assets/filtersets.py AssetFilterSet)
    list_query: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    # --- JSON on the job row -------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        return {key: value for key, value in data.items() if value not in (None, "")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerRequest:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data and name != "extra"}
        if known.get("as_of"):
            known["as_of"] = datetime.date.fromisoformat(known["as_of"])
        return cls(**known)

    def with_format(self, file_format: str) -> LedgerRequest:
        return replace(self, file_format=file_format)

    # --- checks shared by every entry point ------------------------------------------------------

    def validate(self) -> None:
        """Raise ValidationError (field -> message) for a request no ledger can answer."""
        errors: dict[str, str] = {}
        if self.ledger not in LedgerKind.values:
            errors["ledger"] = _("Unknown ledger.")
        if self.file_format not in ExportFormat.values:
            errors["file_format"] = _("Unknown format.")
        elif self.file_format == ExportFormat.PDF and self.ledger != LedgerKind.VILLAGE:
            errors["file_format"] = _("Only the village ledger is printed as PDF.")
        if self.asset_class and self.asset_class not in AssetClass.values:
            errors["asset_class"] = _("Unknown asset class.")
        if self.status and self.status not in AssetStatus.values:
            errors["status"] = _("Unknown status.")
        if self.as_of and self.as_of > datetime.date.today() + datetime.timedelta(days=1):
            errors["as_of"] = _("The as-of date cannot be in the future.")
        if self.as_of and self.ledger == LedgerKind.LIST:
            errors["as_of"] = _("The asset list is exported as it stands today.")
        region = self.region
        if self.ledger == LedgerKind.VILLAGE and self.file_format == ExportFormat.PDF and (
            region is None or region.level != RegionLevel.VILLAGE
        ):
            errors["region"] = _("Choose the village whose ledger is printed.")
        if self.ledger == LedgerKind.HOUSEHOLD and self.asset_class and self.asset_class != AssetClass.HOUSEHOLD:
            errors["asset_class"] = _("The household ledger holds household assets only.")
        if errors:
            raise ValidationError(errors)

    @property
    def region(self) -> Region | None:
        if self.region_id is None:
            return None
        if "region" not in self.extra:
            self.extra["region"] = Region.objects.filter(pk=self.region_id).first()
        return self.extra["region"]

    @property
    def department(self) -> Organisation | None:
        if self.department_id is None:
            return None
        if "department" not in self.extra:
            self.extra["department"] = Organisation.objects.filter(pk=self.department_id).first()
        return self.extra["department"]

    @property
    def list_params(self) -> QueryDict:
        return QueryDict(self.list_query)

    def describe(self) -> str:
        """One line saying what the export covers, for the job list and the sheet heading."""
        parts: list[str] = []
        if self.region is not None:
            parts.append(self.region.full_name)
        if self.department is not None:
            parts.append(self.department.name)
        if self.asset_class:
            parts.append(str(AssetClass(self.asset_class).label))
        if self.project_year:
            parts.append(_("project year %(year)s") % {"year": self.project_year})
        if self.status:
            parts.append(str(AssetStatus(self.status).label))
        if self.as_of:
            parts.append(_("as of %(date)s") % {"date": self.as_of.isoformat()})
        if self.ledger == LedgerKind.LIST and self.list_query:
            parts.append(_("asset list filters: %(query)s") % {"query": self.list_query})
        return " · ".join(parts) or _("everything within your area of responsibility")


def request_from_codes(
    ledger: str,
    *,
    region_code: str | None = None,
    department_code: str | None = None,
    as_of: str | datetime.date | None = None,
    **others: Any,
) -> LedgerRequest:
    """Build a request from administrative codes (command line, API), with field errors."""
    errors: dict[str, str] = {}
    region_id = department_id = None
    if region_code:
        region_id = Region.objects.filter(code=region_code).values_list("pk", flat=True).first()
        if region_id is None:
            errors["region"] = _("No region with code %(code)s.") % {"code": region_code}
    if department_code:
        department_id = Organisation.objects.filter(code=department_code).values_list("pk", flat=True).first()
        if department_id is None:
            errors["department"] = _("No department with code %(code)s.") % {"code": department_code}
    day: datetime.date | None = None
    if isinstance(as_of, datetime.date):
        day = as_of
    elif as_of:
        try:
            day = datetime.date.fromisoformat(as_of)
        except ValueError:
            errors["as_of"] = _("Give the date as YYYY-MM-DD.")
    if errors:
        raise ValidationError(errors)
    request = LedgerRequest(ledger=ledger, region_id=region_id, department_id=department_id, as_of=day, **others)
    request.validate()
    return request
