"""Ledger pages, under /ledgers/ (config/urls.py)."""

from django.urls import path

from ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("", views.LedgerHomeView.as_view(), name="ledger_home"),
    path("exports/<int:pk>/", views.ExportJobView.as_view(), name="ledger_export_detail"),
    path("exports/<int:pk>/status/", views.ExportJobStatusView.as_view(), name="ledger_export_status"),
    path("exports/<int:pk>/download/", views.ExportJobDownloadView.as_view(), name="ledger_export_download"),
    path("export-list/", views.ExportAssetListView.as_view(), name="ledger_export_list"),
    path("checks/", views.CheckListView.as_view(), name="ledger_checks"),
    path("checks/<int:pk>/", views.CheckRunView.as_view(), name="ledger_check_detail"),
    path("checks/mismatches/<int:pk>/", views.MismatchView.as_view(), name="ledger_mismatch_detail"),
    path("import/", views.ImportView.as_view(), name="ledger_import"),
    path("import/template/<str:kind>/", views.ImportTemplateView.as_view(), name="ledger_import_template"),
    path("import/<int:pk>/", views.ImportBatchView.as_view(), name="ledger_import_detail"),
    path("import/<int:pk>/status/", views.ImportStatusView.as_view(), name="ledger_import_status"),
    path("import/<int:pk>/file/", views.ImportFileView.as_view(), name="ledger_import_file"),
]
