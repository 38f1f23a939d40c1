from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisposalsConfig(AppConfig):
    name = "disposals"
    verbose_name = _("disposal")
