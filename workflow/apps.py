from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    """The shared approval engine and what every chain's pages, API and PDFs are built from."""

    name = "workflow"
    verbose_name = _("approval workflows")
