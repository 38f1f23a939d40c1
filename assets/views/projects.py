"""Project pages: the county project library, each project with its funding lines, covered
regions and the assets it formed (within the user's scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.actions import do_create_project, do_update_project
from assets.filtersets import ProjectFilterSet
from assets.forms import FundingLines, ProjectForm
from assets.forms.lines import funding_initial
from assets.history_diffs import project_history
from assets.models import Asset, Project
from assets.scoping import ADD, CHANGE, VIEW, has_permission
from assets.views.assets import LIST_RELATIONS, narrow_region_filter, yes_no_any
from assets.views.base import ObjectFormView, ObjectListView, ObjectView

PROJECT_ASSETS_SHOWN = 50


class ProjectListView(ObjectListView):
    model = Project
    filterset_class = ProjectFilterSet
    template_name = "projects/project_list.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("implementing_organisation", "region", "township")

    def adapt_filterset(self, filterset: Any) -> None:
        narrow_region_filter(filterset, self.request.user)
        yes_no_any(filterset, "final_accounts_done")


class ProjectView(ObjectView):
    model = Project
    template_name = "projects/project_detail.html"

    def get_queryset(self) -> QuerySet:
        return self.restricted().select_related("implementing_organisation", "region", "township").prefetch_related(
            "funding_lines", "covered_regions__township"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        project = context["object"]
        user = self.request.user
        if has_permission(user, "asset", VIEW):
            assets = Asset.objects.restrict(user, VIEW).filter(project=project).select_related(*LIST_RELATIONS)
            shown = list(assets[: PROJECT_ASSETS_SHOWN + 1])
            context["assets"] = shown[:PROJECT_ASSETS_SHOWN]
            context["more_assets"] = len(shown) > PROJECT_ASSETS_SHOWN
        context["funding_total"] = sum((line.amount for line in project.funding_lines.all()), start=0)
        context["history"] = project_history(project, user)
        return context


class ProjectFormView(ObjectFormView):
    model = Project
    template_name = "projects/project_form.html"
    formset_error_keys = {"funding_lines": "funding"}
    success_message = _("The project was saved.")

    def get_form(self, obj: Project | None, data: Any = None) -> ProjectForm:
        return ProjectForm(data, instance=obj or Project(), user=self.request.user, action=self.action)

    def get_formsets(self, obj: Project | None, data: Any = None) -> dict[str, BaseFormSet]:
        initial = funding_initial(obj.funding_lines.all()) if obj else None
        return {"funding": FundingLines(data, initial=initial, prefix="funding")}

    def success_url(self, saved: Project) -> str:
        return reverse("assets:project_detail", args=[saved.pk])


class ProjectCreateView(ProjectFormView):
    action = ADD

    def save(self, obj: None, form: ProjectForm, formsets: dict[str, BaseFormSet]) -> Project:
        return do_create_project(
            form.project_data(), funding_lines=formsets["funding"].lines(),
            covered_region_ids=form.covered_region_ids(), acting_user=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
        )


class ProjectEditView(ProjectFormView):
    action = CHANGE

    def save(self, obj: Project, form: ProjectForm, formsets: dict[str, BaseFormSet]) -> Project:
        return do_update_project(
            obj, form.project_data(), funding_lines=formsets["funding"].lines(),
            covered_region_ids=form.covered_region_ids(), acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
        )
