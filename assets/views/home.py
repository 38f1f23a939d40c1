"""The home page: what each role looks at first, from aggregate queries on restricted querysets
(one query per table whatever the register's size; no per-row queries)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, QuerySet, Sum
from django.views.generic import TemplateView

from assets.choices import AssetClass, AssetStatus, Role
from assets.models import Asset, AssetCategory, Household, Project
from assets.scoping import COUNTY_WIDE_ROLES, VIEW, has_permission, roles_of

LATEST_CHANGES = 10


def totals(queryset: QuerySet, *group_by: str) -> list[dict[str, Any]]:
    """Count, original and net value per group (ordered by the grouping keys)."""
    return list(
        queryset.order_by().values(*group_by)
        .annotate(count=Count("pk"), original=Sum("original_value"), net=Sum("net_value"))
        .order_by(*group_by)
    )


def with_labels(rows: list[dict[str, Any]], key: str, choices: type) -> list[dict[str, Any]]:
    labels = dict(choices.choices)
    for row in rows:
        row["label"] = labels.get(row[key], row[key])
    return rows


def grand_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "count": sum(r["count"] for r in rows),
        "original": sum((r["original"] or 0 for r in rows), start=0),
        "net": sum((r["net"] or 0 for r in rows), start=0),
    }


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        roles = roles_of(user)
        context["roles"] = roles
        if not has_permission(user, "asset", VIEW):
            return context
        assets = Asset.objects.restrict(user, VIEW)
        by_class = with_labels(totals(assets, "asset_class"), "asset_class", AssetClass)
        context["by_class"] = by_class
        context["overall"] = grand_total(by_class)
        context["may_add_asset"] = has_permission(user, "asset", "add")
        if roles & COUNTY_WIDE_ROLES:
            context["by_township"] = totals(assets, "township_id", "township__name")
            context["project_count"] = Project.objects.restrict(user, VIEW).count()
        if Role.TOWNSHIP_OFFICIAL in roles:
            context["by_village"] = totals(assets, "township__name", "region_id", "region__name")
        if Role.DEPARTMENT_STAFF in roles:
            context["by_category"] = with_labels(
                totals(assets, "asset_class", "category_id", "category__name"), "asset_class", AssetClass
            )
            context["department_categories"] = list(
                AssetCategory.objects.filter(department_id__in=self.department_ids(user)).values_list("name", flat=True)
            )
        if Role.VILLAGE_CLERK in roles:
            context["by_status"] = with_labels(totals(assets, "status"), "status", AssetStatus)
            if has_permission(user, "household", VIEW):
                context["household_count"] = Household.objects.restrict(user, VIEW).count()
            context["latest_changes"] = list(
                Asset.history.filter(id__in=assets.values("pk")).select_related("history_user")
                .order_by("-history_date", "-history_id")[:LATEST_CHANGES]
            )
        return context

    @staticmethod
    def department_ids(user: Any) -> list[int]:
        from assets.scoping import role_grants

        return [g.organisation_id for g in role_grants(user) if g.role == Role.DEPARTMENT_STAFF]
