from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "wufei.analytics"
    label = "analytics"
    verbose_name = _("Analytics: indicators, capacity, dashboards (指标 · 能力匹配 · 驾驶舱)")
