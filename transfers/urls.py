"""/transfers/: ownership transfers and change registrations (the inbox of every workflow, also
under /transfers/, is workflow/urls.py)."""

from django.urls import path

from transfers import views
from transfers.models import Transfer
from workflow.views import DecisionFileView, SubmitView, WithdrawView

app_name = "transfers"

urlpatterns = [
    path("", views.TransferListView.as_view(), name="list"),
    path("new/", views.TransferFormView.as_view(), name="add"),
    path("<int:pk>/", views.TransferView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TransferFormView.as_view(), name="edit"),
    path("<int:pk>/submit/", SubmitView.as_view(model=Transfer), name="submit"),
    path("<int:pk>/decide/", views.TransferDecideView.as_view(), name="decide"),
    path("<int:pk>/withdraw/", WithdrawView.as_view(model=Transfer), name="withdraw"),
    path("<int:pk>/approval.pdf", views.ApprovalPdfView.as_view(), name="approval_pdf"),
    path("<int:pk>/decisions/<int:decision_pk>/file/", DecisionFileView.as_view(model=Transfer),
         name="decision_file"),
    path("change-registrations/", views.ChangeRegistrationListView.as_view(), name="change_registrations"),
    path("change-registrations/damage/", views.DamageRegistrationView.as_view(), name="record_damage"),
]
