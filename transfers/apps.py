from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("ownership confirmation and transfer")

    def ready(self) -> None:
        from assets.locks import register_lock_finder
        from transfers.locks import open_transfers

        register_lock_finder(open_transfers)
