from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelsConfig(AppConfig):
    """HJ 1276 labels: identification code, QR, PDF labels and the phone scanner (no models)."""

    name = "wufei.labels"
    label = "labels"
    verbose_name = _("Labels")
