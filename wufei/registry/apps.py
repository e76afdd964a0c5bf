from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "wufei.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from wufei.core.permissions import set_principal_loader

        from .principal import load_principal

        set_principal_loader(load_principal)
