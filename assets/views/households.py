"""Household pages. ID numbers are personal: every page shows ``id_number_for(user)``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.actions import do_create_household, do_update_household
from assets.filtersets import HouseholdFilterSet
from assets.forms import HouseholdForm
from assets.models import Asset, Household
from assets.scoping import ADD, CHANGE, VIEW, has_permission
from assets.views.assets import LIST_RELATIONS, narrow_region_filter, yes_no_any
from assets.views.base import ObjectFormView, ObjectListView, ObjectView
from audits.diffs import household_history

RELATED_ASSETS_SHOWN = 100


class HouseholdListView(ObjectListView):
    model = Household
    filterset_class = HouseholdFilterSet
    template_name = "households/household_list.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("village", "township")

    def adapt_filterset(self, filterset: Any) -> None:
        narrow_region_filter(filterset, self.request.user)
        yes_no_any(filterset, "is_poverty_alleviated", "is_monitored")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["rows"] = [(h, h.id_number_for(user)) for h in context["object_list"]]
        return context


class HouseholdView(ObjectView):
    model = Household
    template_name = "households/household_detail.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("village", "township")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        household = context["object"]
        user = self.request.user
        context["id_number"] = household.id_number_for(user)
        if has_permission(user, "asset", VIEW):
            assets = Asset.objects.restrict(user, VIEW).select_related(*LIST_RELATIONS)
            context["owned_assets"] = list(assets.filter(owner_household=household)[:RELATED_ASSETS_SHOWN])
            context["benefiting_assets"] = list(
                assets.filter(beneficiary_links__household=household)[:RELATED_ASSETS_SHOWN]
            )
        context["may_add_asset"] = has_permission(user, "asset", ADD)
        context["history"] = household_history(household, user)
        return context


class HouseholdFormView(ObjectFormView):
    model = Household
    template_name = "households/household_form.html"
    success_message = _("The household was saved.")

    def get_form(self, obj: Household | None, data: Any = None) -> HouseholdForm:
        return HouseholdForm(data, instance=obj or Household(), user=self.request.user, action=self.action)

    def success_url(self, saved: Household) -> str:
        return reverse("household_detail", args=[saved.pk])


class HouseholdCreateView(HouseholdFormView):
    action = ADD

    def save(self, obj: None, form: HouseholdForm, formsets: dict) -> Household:
        return do_create_household(form.household_data(), acting_user=self.request.user,
                                   reason=form.cleaned_data.get("reason", ""))


class HouseholdEditView(HouseholdFormView):
    action = CHANGE

    def save(self, obj: Household, form: HouseholdForm, formsets: dict) -> Household:
        return do_update_household(obj, form.household_data(), acting_user=self.request.user,
                                   reason=form.cleaned_data["reason"])
