"""Forms of the ledger pages: ask for an export, upload an import file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetClass, AssetStatus, OrganisationKind, RegionLevel
from assets.forms.widgets import DateInput, region_label
from assets.models import Organisation, Region
from assets.scoping import ADD, VIEW, has_permission
from ledgers.choices import ExportFormat, ImportKind, LedgerKind
from ledgers.exports.spec import LedgerRequest
from ledgers.importing.safety import MAX_UPLOAD_BYTES, too_large_message
from ledgers.importing.schema import SHEET_TITLES

IMPORT_SCOPE_KEYS = {ImportKind.ASSETS: "asset", ImportKind.HOUSEHOLDS: "household", ImportKind.PROJECTS: "project"}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return region_label(obj)


class LedgerExportForm(forms.Form):
    ledger = forms.ChoiceField(label=_("ledger"), choices=[(k, label) for k, label in LedgerKind.choices
                                                           if k != LedgerKind.LIST])
    file_format = forms.ChoiceField(label=_("format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)
    region = RegionChoiceField(label=_("township or village"), queryset=Region.objects.none(), required=False,
                               empty_label=_("all within my scope"))
    department = forms.ModelChoiceField(label=_("supervising department"), queryset=Organisation.objects.none(),
                                        required=False, empty_label=_("all departments"))
    asset_class = forms.ChoiceField(label=_("asset class"), choices=[("", _("all classes")), *AssetClass.choices],
                                    required=False)
    project_year = forms.IntegerField(label=_("project year"), required=False, min_value=2013, max_value=2100)
    status = forms.ChoiceField(label=_("status"), choices=[("", _("any status")), *AssetStatus.choices],
                               required=False)
    as_of = forms.DateField(label=_("as of (end of day)"), required=False, widget=DateInput(),
                            help_text=_("Empty: the ledger as it stands now."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = (Region.objects.restrict(user, VIEW).exclude(level=RegionLevel.COUNTY)
                                          .select_related("township").order_by("path"))
        self.fields["department"].queryset = Organisation.objects.restrict(user, VIEW).filter(
            Q(kind=OrganisationKind.DEPARTMENT) | Q(kind=OrganisationKind.AGRI_BUREAU), is_active=True,
        ).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        request = LedgerRequest(
            ledger=data["ledger"], file_format=data["file_format"],
            region_id=data["region"].pk if data.get("region") else None,
            department_id=data["department"].pk if data.get("department") else None,
            asset_class=data.get("asset_class") or "", project_year=data.get("project_year"),
            status=data.get("status") or "", as_of=data.get("as_of"),
        )
        try:
            request.validate()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        data["request"] = request
        return data


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("what the file holds"))
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = allowed_import_kinds(user)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an .xlsx workbook (Excel 2007 or later)."))
        if upload.size > MAX_UPLOAD_BYTES:  # the upload handler stops it earlier in the web view
            raise ValidationError(too_large_message())
        return upload


def allowed_import_kinds(user: Any) -> list[tuple[str, str]]:
    return [(kind, SHEET_TITLES[kind]) for kind in ImportKind.values
            if has_permission(user, IMPORT_SCOPE_KEYS[kind], ADD)]
