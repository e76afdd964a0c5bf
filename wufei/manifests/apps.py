from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManifestsConfig(AppConfig):
    name = "wufei.manifests"
    label = "manifests"
    verbose_name = _("Transfer manifests (转移联单)")
