from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisposalsConfig(AppConfig):
    name = "disposals"
    verbose_name = _("disposal")

    def ready(self) -> None:
        from assets.locks import register_chain_statuses, register_lock_finder
        from disposals.locks import DISPOSAL_STATUSES, open_disposals

        register_lock_finder(open_disposals)
        register_chain_statuses(*DISPOSAL_STATUSES)
