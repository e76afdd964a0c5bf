from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "wufei.approvals"
    label = "approvals"
    verbose_name = _("Cross-province transfer approvals (跨省转移审批)")
