import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wufei.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The embedded default runs the periodic jobs in the web process (docs/architecture.md).
        if os.environ.get("WUFEI_SCHEDULER") == "inline":
            from .scheduler import start_in_background

            start_in_background()
