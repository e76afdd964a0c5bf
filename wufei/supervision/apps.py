from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "wufei.supervision"
    label = "supervision"
    verbose_name = _("Supervision: warnings, clues and cases (预警 · 线索 · 案件)")

    def ready(self) -> None:
        from . import subscriptions  # noqa: F401 - registers the event handlers
