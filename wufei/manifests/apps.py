from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EVENTS = {
    "manifest.submitted": _("Manifest submitted"),
    "manifest.cancelled": _("Manifest cancelled"),
    "manifest.picked_up": _("Manifest picked up"),
    "manifest.leg_added": _("Next carrier named"),
    "manifest.leg_handover": _("Taken over by the next carrier"),
    "manifest.received": _("Manifest received"),
    "manifest.discrepancy": _("Discrepancy or refusal at receipt"),
    "manifest.closed": _("Manifest closed"),
    "manifest.paper_entered": _("Paper manifest entered"),
    "manifest.revision_requested": _("Revision requested"),
    "manifest.revision_applied": _("Revision applied"),
    "manifest.revision_refused": _("Revision refused"),
    "manifest.revision_withdrawn": _("Revision withdrawn"),
}


class ManifestsConfig(AppConfig):
    name = "wufei.manifests"
    label = "manifests"
    verbose_name = _("Transfer manifests (转移联单)")

    def ready(self) -> None:
        from wufei.notifications.events import register

        for name, label in EVENTS.items():
            register(name, label)
