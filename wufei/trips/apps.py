from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TripsConfig(AppConfig):
    name = "wufei.trips"
    label = "trips"
    verbose_name = _("Trips and track checks (行程与轨迹核查)")
