"""/disposals/: applications, review, decisions, and the public notices (no login)."""

from django.urls import path

from disposals import views
from disposals.models import Disposal
from workflow.views import DecisionFileView, SubmitView, WithdrawView

app_name = "disposals"

urlpatterns = [
    path("", views.DisposalListView.as_view(), name="list"),
    path("new/", views.DisposalFormView.as_view(), name="add"),
    path("<int:pk>/", views.DisposalView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.DisposalFormView.as_view(), name="edit"),
    path("<int:pk>/evidence/", views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.EvidenceFileView.as_view(), name="evidence_file"),
    path("<int:pk>/submit/", SubmitView.as_view(model=Disposal), name="submit"),
    path("<int:pk>/decide/", views.DisposalDecideView.as_view(), name="decide"),
    path("<int:pk>/withdraw/", WithdrawView.as_view(model=Disposal), name="withdraw"),
    path("<int:pk>/decisions/<int:decision_pk>/file/", DecisionFileView.as_view(model=Disposal),
         name="decision_file"),
    # public notices (公示): readable without logging in
    path("public/", views.PublicIndexView.as_view(), name="public_index"),
    path("public/<str:code>/", views.PublicListView.as_view(), name="public_list"),
    path("public/notice/<str:number>.pdf", views.PublicNoticePdfView.as_view(), name="public_notice_pdf"),
]
