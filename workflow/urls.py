"""The inbox of every workflow. Mounted under /transfers/ (its address since the first chain)."""

from django.urls import path

from workflow.views import InboxView

app_name = "workflow"

urlpatterns = [
    path("inbox/", InboxView.as_view(), name="inbox"),
    path("mine/", InboxView.as_view(mine=True), name="mine"),
]
