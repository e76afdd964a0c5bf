from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "wufei.notifications"
    label = "notifications"
    verbose_name = _("Notifications and webhooks")

    def ready(self) -> None:
        from . import events

        events.register(events.TEST_EVENT, _("Test event sent from the webhook page"))
