from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("ownership confirmation and transfer")

    def ready(self) -> None:
        """Register what this app contributes to the shared layers (so that none of them imports it)."""
        from assets.demo.workflows import register_workflow_seeder
        from assets.history_sources import HistorySource, own_columns, register_history_source, via_parent
        from assets.locks import register_lock_finder
        from assets.models import Asset
        from transfers.demo import seed_transfers
        from transfers.locks import open_transfers
        from transfers.models import ChangeRegistration, Transfer
        from transfers.workflow import TransferWorkflow
        from workflow import engine

        engine.register(Transfer, TransferWorkflow())
        register_lock_finder(open_transfers)
        register_history_source(HistorySource("transfer", Transfer, own_columns("region_id", "township_id")))
        register_history_source(HistorySource("change_registration", ChangeRegistration,
                                              via_parent(Asset, "asset_id", "region_id", "township_id")))
        register_workflow_seeder(10, "transfers", seed_transfers)
