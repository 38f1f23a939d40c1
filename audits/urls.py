from django.urls import path

from audits.views import HistoryBrowserView

urlpatterns = [
    path("", HistoryBrowserView.as_view(), name="history_browser"),
]
