"""The county-wide history browser (auditors and administrators: ``history`` / ``view``)."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from assets.views.base import ObjectPermissionRequiredMixin, paginate
from audits.browser import entries_for, history_rows
from audits.forms import HistoryFilterForm


class HistoryBrowserView(ObjectPermissionRequiredMixin, TemplateView):
    scope_key = "history"
    template_name = "audits/history_browser.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = HistoryFilterForm(self.request.GET, user=user)
        form.is_valid()  # invalid fields show their error and do not filter
        paginator, page = paginate(self.request, history_rows(form.cleaned_data))
        context.update(
            filter_form=form,
            paginator=paginator,
            page_obj=page,
            entries=entries_for(list(page.object_list), user),
        )
        return context
