import pytest
from django.utils import translation

from wufei.plans import queries
from wufei.plans.actions import completeness

from .factories import FiledPlanFactory, ManagementPlanFactory, plan_site

pytestmark = pytest.mark.django_db


def test_messages_are_chinese_by_default():
    plan = FiledPlanFactory(site=plan_site())
    draft = ManagementPlanFactory(site=plan_site("simplified"), technical_lead="")
    with translation.override("zh-hans"):
        hint = queries.plan_amend_hint(plan.site, 2026)
        assert "变更" in hint and plan.filing_number in hint
        messages = [p.message for p in completeness(draft)]
        assert "表A.1：请填写技术负责人。" in messages
        assert "表A.6：请至少填写一项减量化计划和措施。" in messages
        assert str(plan.get_status_display()) == "已备案"
