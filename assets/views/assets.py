"""Asset pages: list, detail (with history), create, edit. Thin: scope in the base class,
changes in assets/actions.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Prefetch, QuerySet
from django.forms import BaseFormSet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.actions import do_create_asset, do_update_asset
from assets.choices import RegionLevel
from assets.filtersets import AssetFilterSet
from assets.forms import AssetForm, FundingLines, Registrations
from assets.forms.lines import funding_initial, registration_initial
from assets.forms.widgets import CategorySelect, region_label
from assets.history_diffs import asset_history
from assets.models import Asset, AssetBeneficiary, AssetCategory, Region
from assets.personal import NoStoreMixin
from assets.scoping import ADD, CHANGE, VIEW
from assets.views.base import ObjectFormView, ObjectListView, ObjectView

LIST_RELATIONS = ("category", "region", "township", "owner_organisation", "owner_household")


def visible_regions(user: Any) -> QuerySet:
    """Townships and villages the user may see, in tree order, for filter choice lists."""
    return (
        Region.objects.restrict(user, VIEW).exclude(level=RegionLevel.COUNTY).select_related("township")
        .order_by("path")
    )


def narrow_region_filter(filterset: Any, user: Any) -> None:
    regions = visible_regions(user)
    filterset.filters["region"].queryset = regions
    field = filterset.form.fields["region"]
    field.label_from_instance = region_label


def yes_no_any(filterset: Any, *names: str) -> None:
    """Yes/no filters offer "any" rather than django-filter's "unknown"."""
    for name in names:
        filterset.form.fields[name].widget = forms.Select(
            choices=[("", _("any")), ("true", _("yes")), ("false", _("no"))]
        )


class AssetListView(ObjectListView):
    model = Asset
    filterset_class = AssetFilterSet
    template_name = "assets/asset_list.html"

    def get_queryset(self) -> QuerySet:
        # one query per page whatever its size: every column comes through a join
        return self.restricted().select_related(*LIST_RELATIONS)

    def adapt_filterset(self, filterset: Any) -> None:
        filterset.filters["category"].queryset = AssetCategory.objects.restrict(self.request.user, VIEW)
        narrow_region_filter(filterset, self.request.user)
        category = filterset.form.fields["category"]
        category.widget = CategorySelect(attrs={"data-class-source": "id_asset_class"})
        category.widget.choices = category.choices
        filterset.form.fields["project"].widget = forms.HiddenInput()


class AssetView(NoStoreMixin, ObjectView):  # beneficiary households: personal data
    model = Asset
    template_name = "assets/asset_detail.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related(
            "category", "region", "township", "project", "owner_organisation", "owner_household__village",
            "supervising_department",
        ).prefetch_related(
            "funding_lines",
            "registrations",
            Prefetch("beneficiary_links", queryset=AssetBeneficiary.objects.select_related("household__village")),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        asset = context["object"]
        user = self.request.user
        context["beneficiaries"] = [
            (link.household, link.household.id_number_for(user)) for link in asset.beneficiary_links.all()
        ]
        context["funding_total"] = sum((line.amount for line in asset.funding_lines.all()), start=0)
        context["history"] = asset_history(asset, user)
        return context


class AssetFormView(NoStoreMixin, ObjectFormView):
    model = Asset
    template_name = "assets/asset_form.html"
    formset_error_keys = {"funding_lines": "funding", "registrations": "registrations"}
    success_message = _("The asset was saved.")

    def get_form(self, obj: Asset | None, data: Any = None) -> AssetForm:
        return AssetForm(data, instance=obj or Asset(), user=self.request.user, action=self.action)

    def get_formsets(self, obj: Asset | None, data: Any = None) -> dict[str, BaseFormSet]:
        funding = funding_initial(obj.funding_lines.all()) if obj else None
        registrations = registration_initial(obj.registrations.all()) if obj else None
        return {
            "funding": FundingLines(data, initial=funding, prefix="funding"),
            "registrations": Registrations(data, initial=registrations, prefix="registrations"),
        }

    def success_url(self, saved: Asset) -> str:
        return reverse("assets:asset_detail", args=[saved.pk])


class AssetCreateView(AssetFormView):
    action = ADD

    def save(self, obj: None, form: AssetForm, formsets: dict[str, BaseFormSet]) -> Asset:
        return do_create_asset(
            form.asset_data(),
            funding_lines=formsets["funding"].lines(),
            beneficiary_ids=form.beneficiary_ids(),
            registrations=formsets["registrations"].lines(),
            acting_user=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
        )


class AssetEditView(AssetFormView):
    action = CHANGE

    def save(self, obj: Asset, form: AssetForm, formsets: dict[str, BaseFormSet]) -> Asset:
        return do_update_asset(
            obj,
            form.asset_data(),
            funding_lines=formsets["funding"].lines(),
            beneficiary_ids=form.beneficiary_ids(),
            registrations=formsets["registrations"].lines(),
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
        )
