from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisposalsConfig(AppConfig):
    name = "disposals"
    verbose_name = _("disposal")

    def ready(self) -> None:
        """Register what this app contributes to the shared layers (so that none of them imports it)."""
        from assets.demo.workflows import register_workflow_seeder
        from assets.history_sources import HistorySource, own_columns, register_history_source
        from assets.locks import register_chain_statuses, register_lock_finder
        from disposals.demo import seed_disposals
        from disposals.locks import DISPOSAL_STATUSES, open_disposals
        from disposals.models import Disposal
        from disposals.workflow import DisposalWorkflow
        from workflow import engine

        engine.register(Disposal, DisposalWorkflow())
        register_lock_finder(open_disposals)
        register_chain_statuses(*DISPOSAL_STATUSES)
        register_history_source(HistorySource("disposal", Disposal, own_columns("region_id", "township_id")))
        register_workflow_seeder(20, "disposals", seed_disposals)
