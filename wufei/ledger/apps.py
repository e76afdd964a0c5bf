from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "wufei.ledger"
    label = "ledger"
    verbose_name = _("Waste ledger (五即)")

    def ready(self) -> None:
        from wufei.plans.declarations import register_ledger_totals

        from .totals import totals

        register_ledger_totals(totals)
