from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "wufei.supervision"
    label = "supervision"
    verbose_name = _("Supervision: warnings, clues and cases (预警 · 线索 · 案件)")

    def ready(self) -> None:
        from wufei.notifications.events import register
        from wufei.trips.api.geo import set_finding_links

        from . import subscriptions  # noqa: F401 - registers the event handlers
        from .queries import finding_links

        set_finding_links(finding_links)

        for name, label in (
            ("warning.raised", _("Warning raised")),
            ("warning.escalated", _("Warning escalated")),
            ("warning.rectification", _("Rectification required")),
            ("warning.responded", _("Rectification reported")),
            ("warning.closed", _("Warning closed")),
            ("clue.reported", _("Dumping reported by the public")),
        ):
            register(name, label)
