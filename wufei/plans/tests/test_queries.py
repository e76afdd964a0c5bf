import pytest

from wufei.catalog.tests.factories import WasteCodeFactory
from wufei.plans import queries
from wufei.plans.models import PlanStatus

from .factories import FiledPlanFactory, ManagementPlanFactory, PlanWasteFactory

pytestmark = pytest.mark.django_db


def test_planned_waste_from_current_filed_plan_only():
    line = PlanWasteFactory(plan=FiledPlanFactory())
    site, code = line.plan.site, line.waste_code
    assert queries.plan_for(site, 2026) == line.plan
    assert queries.planned_waste(site, 2026, code) == line
    assert queries.planned_waste(site.pk, 2026, code.code) == line
    assert queries.planned_waste(site, 2026, code.code.replace("-", "")) == line
    assert queries.planned_waste(site, 2025, code) is None
    assert queries.planned_waste(site, 2026, WasteCodeFactory()) is None
    assert queries.planned_waste(site, 2026, "not a code") is None


def test_same_code_text_of_another_edition_matches():
    line = PlanWasteFactory(plan=FiledPlanFactory())
    other = WasteCodeFactory(code=line.waste_code.code)
    assert other.edition_id != line.waste_code.edition_id
    assert queries.planned_waste(line.plan.site, 2026, other) == line


def test_draft_plan_does_not_count_and_hint_says_so():
    line = PlanWasteFactory()
    site = line.plan.site
    assert line.plan.status == PlanStatus.DRAFT
    assert queries.plan_for(site, 2026) is None
    assert queries.planned_waste(site, 2026, line.waste_code) is None
    assert "has not been filed yet" in queries.plan_amend_hint(site, 2026)


def test_amend_hints():
    plan = FiledPlanFactory()
    hint = queries.plan_amend_hint(plan.site, 2026)
    assert plan.filing_number in hint and "Amend" in hint
    assert "no filed management plan" in queries.plan_amend_hint(plan.site, 2027)
    ManagementPlanFactory(
        site=plan.site, revision=2, is_current=False, supersedes=plan, status=PlanStatus.DRAFT
    )
    assert "version 2" in queries.plan_amend_hint(plan.site, 2026)
