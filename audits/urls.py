"""/history/: the county-wide history browser and the personal-data access log."""

from django.urls import path

from audits.access_log import PersonalDataAccessListView
from audits.views import HistoryBrowserView

app_name = "audits"

urlpatterns = [
    path("", HistoryBrowserView.as_view(), name="history_browser"),
    path("personal-data/", PersonalDataAccessListView.as_view(), name="personal_data_access_list"),
]
