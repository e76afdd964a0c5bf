import datetime as dt
from decimal import Decimal

import pytest

from wufei.catalog.tests.factories import TreatmentMethodFactory, WasteCodeFactory
from wufei.core import audit
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.plans import actions, queries
from wufei.plans.models import ManagementPlan, PlanStatus, PlanWaste
from wufei.registry.models import FacilityKind, MembershipRole
from wufei.registry.tests.factories import FacilityFactory, OrganizationFactory, member_of

from .clock import SHANGHAI as TZ
from .clock import frozen
from .factories import ManagementPlanFactory, PlanWasteFactory, plan_site

pytestmark = pytest.mark.django_db


def line_data(**over):
    data = {
        "process": "设备维修",
        "internal_name": "废机油",
        "waste_code": WasteCodeFactory(),
        "form": "liquid",
        "annual_tonnes": "12.5",
        "storage_facility": "TS001",
        "packaging": "200L铁桶",
        "transfer_type": "in_province",
        "transfer_tonnes": "12.5",
        "transfer_method": TreatmentMethodFactory(),
        "receiver_type": "licensed",
        "receiver_permit_number": "浙危废经第0001号",
    }
    data.update(over)
    return data


def draft(management_class="registered", year=2026):
    site = plan_site(management_class)
    user = member_of(site.organization, MembershipRole.MEMBER)
    with frozen(dt.datetime(year, 2, 1, 9, tzinfo=TZ)):
        plan = actions.create_plan(
            user, site, year, technical_lead="李工", technical_lead_phone="13900000000"
        )
    return user, plan


def test_create_plan_one_per_site_and_year():
    user, plan = draft()
    assert plan.status == PlanStatus.DRAFT and plan.revision == 1 and plan.is_current
    assert plan.management_class == "registered"
    assert AuditEvent.objects.filter(action="plans.plan.create", object_id=str(plan.pk)).exists()
    with pytest.raises(Conflict) as e:
        actions.create_plan(user, plan.site, 2026)
    assert e.value.code == "plans.plan_exists" and e.value.field == "year"
    assert actions.create_plan(user, plan.site, 2025).year == 2025


@pytest.mark.parametrize("year", ["", "abc", 1999, 2100])
def test_create_plan_bad_year(year):
    site = plan_site()
    with pytest.raises(ValidationFailed) as e:
        actions.create_plan(member_of(site.organization), site, year)
    assert e.value.field == "year" and e.value.code == "plans.year_invalid"


def test_reader_and_strangers_cannot_create(county_regulator):
    site = plan_site()
    reader = member_of(site.organization, MembershipRole.READER)
    with pytest.raises(Forbidden):
        actions.create_plan(reader, site, 2026)
    with pytest.raises(Forbidden):
        actions.create_plan(county_regulator, site, 2026)  # sees the site, may not write
    with pytest.raises(NotFound):
        actions.create_plan(member_of(OrganizationFactory()), site, 2026)


def test_add_update_remove_lines_are_audited_on_the_plan():
    user, plan = draft()
    line = actions.add_plan_waste(user, plan, **line_data())
    assert line.storage_facility.code == "TS001" and line.annual_tonnes == Decimal("12.5000")
    line = actions.update_plan_waste(user, line, version=1, annual_tonnes="20", packaging="吨袋")
    assert line.annual_tonnes == Decimal("20.0000") and line.version == 2
    with pytest.raises(Conflict) as e:
        actions.update_plan_waste(user, line, version=1, packaging="x")
    assert e.value.code == "stale_version"
    red = actions.add_plan_reduction(user, plan, measure="更换长效切削液")
    actions.remove_plan_reduction(user, red)
    actions.remove_plan_waste(user, line)
    assert not PlanWaste.objects.filter(plan=plan).exists()
    assert [e.action for e in audit.history(plan)] == [
        "plans.plan.create",
        "plans.waste.add",
        "plans.waste.update",
        "plans.reduction.add",
        "plans.reduction.remove",
        "plans.waste.remove",
    ]
    update = AuditEvent.objects.get(action="plans.waste.update")
    assert update.before["annual_tonnes"] == "12.5000" and update.after["packaging"] == "吨袋"


@pytest.mark.parametrize(
    "over, field, code",
    [
        ({"process": ""}, "process", "plans.required"),
        ({"internal_name": "x" * 101}, "internal_name", "plans.too_long"),
        ({"waste_code": "999-999-99"}, "waste_code", "plans.waste_code_unknown"),
        ({"waste_code": ""}, "waste_code", "plans.waste_code_unknown"),
        ({"form": "plasma"}, "form", "plans.choice_invalid"),
        ({"annual_tonnes": "0"}, "annual_tonnes", "plans.tonnes_invalid"),
        ({"annual_tonnes": "1.23456"}, "annual_tonnes", "plans.tonnes_invalid"),
        ({"annual_tonnes": ""}, "annual_tonnes", "plans.tonnes_required"),
        ({"storage_facility": "NOPE"}, "storage_facility", "plans.facility_unknown"),
        ({"transfer_type": "moon"}, "transfer_type", "plans.choice_invalid"),
        ({"transfer_method": "Q99"}, "transfer_method", "plans.method_unknown"),
        ({"receiver": "91330602000000001X"}, "receiver", "plans.receiver_unknown"),
        ({"colour": "red"}, "colour", "plans.field_not_editable"),
    ],
)
def test_bad_line_input_names_the_field(over, field, code):
    user, plan = draft()
    with pytest.raises(ValidationFailed) as e:
        actions.add_plan_waste(user, plan, **line_data(**over))
    assert (e.value.field, e.value.code) == (field, code)
    assert str(e.value.message)


def test_facility_must_be_of_the_right_kind_and_site():
    user, plan = draft("key")
    FacilityFactory(site=plan.site, code="CZ001", kind=FacilityKind.DISPOSAL)
    FacilityFactory(code="TS999")  # another site's
    with pytest.raises(ValidationFailed) as e:
        actions.add_plan_waste(user, plan, **line_data(storage_facility="CZ001"))
    assert e.value.code == "plans.facility_kind"
    with pytest.raises(ValidationFailed) as e:
        actions.add_plan_waste(user, plan, **line_data(storage_facility="TS999"))
    assert e.value.code == "plans.facility_unknown"
    with pytest.raises(ValidationFailed) as e:
        actions.add_plan_waste(user, plan, **line_data(treatment_facility="TS001"))
    assert e.value.field == "treatment_facility"


def test_duplicate_code_refused():
    user, plan = draft()
    code = WasteCodeFactory()
    actions.add_plan_waste(user, plan, **line_data(waste_code=code))
    with pytest.raises(ValidationFailed) as e:
        actions.add_plan_waste(user, plan, **line_data(waste_code=code, internal_name="另一个"))
    assert e.value.code == "plans.waste_duplicate"


def test_waste_code_by_text_in_current_edition(reference_data):
    user, plan = draft()
    line = actions.add_plan_waste(user, plan, **line_data(waste_code="90024908"))
    assert line.waste_code.code == "900-249-08" and line.waste_code.edition.code == "2021"


def file(user, plan, when=dt.datetime(2026, 3, 2, 10, tzinfo=TZ)):
    with frozen(when):
        return actions.file_plan(user, plan)


def test_registered_plan_files_with_number_and_snapshot():
    user, plan = draft()
    line = actions.add_plan_waste(user, plan, **line_data())
    plan = file(user, plan)
    assert plan.status == PlanStatus.FILED and plan.is_current and not plan.is_late
    assert plan.filing_number == "GF202633060200001"
    assert plan.basic_info["uscc"] == plan.site.organization.uscc
    assert plan.basic_info["technical_lead"] == "李工"
    assert plan.basic_info["facilities"][0]["code"] == "TS001"
    assert len(plan.receipt_digest) == 64 and plan.filed_by == user
    assert queries.planned_waste(plan.site, 2026, line.waste_code) == line
    with pytest.raises(Conflict) as e:
        actions.add_plan_waste(user, plan, **line_data())
    assert e.value.code == "plans.not_draft"
    other, second = draft()  # another producer in the same county: the next serial
    actions.add_plan_waste(other, second, **line_data())
    assert file(other, second).filing_number == "GF202633060200002"


def test_late_filing_is_allowed_and_flagged():
    user, plan = draft()
    actions.add_plan_waste(user, plan, **line_data())
    plan = file(user, plan, dt.datetime(2026, 4, 1, 0, 30, tzinfo=TZ))
    assert plan.status == PlanStatus.FILED and plan.is_late
    event = AuditEvent.objects.get(action="plans.plan.file")
    assert "2026-03-31" in event.reason


def test_filed_on_31_march_local_time_is_on_time():
    user, plan = draft()
    actions.add_plan_waste(user, plan, **line_data())
    plan = file(user, plan, dt.datetime(2026, 3, 31, 23, 50, tzinfo=TZ))
    assert not plan.is_late


def test_incomplete_plan_lists_every_problem_with_fields():
    site = plan_site("simplified", legal_representative="", industry_code="")
    user = member_of(site.organization)
    plan = actions.create_plan(user, site, 2026)
    actions.add_plan_waste(
        user, plan, **line_data(storage_facility="", packaging="", receiver_permit_number="")
    )
    with pytest.raises(ValidationFailed) as e:
        actions.file_plan(user, plan)
    assert e.value.code == "plans.incomplete"
    fields = [p["field"] for p in e.value.details["problems"]]
    assert fields == [
        "legal_representative",
        "industry_code",
        "technical_lead",
        "technical_lead_phone",
        "wastes.1.storage_facility",
        "wastes.1.packaging",
        "wastes.1.receiver_permit_number",
        "reductions",
    ]
    assert e.value.field == "legal_representative"
    assert "Table A.4" in e.value.details["problems"][4]["message"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.filing_number is None


def test_requirements_by_management_class():
    # registered: no A.4 / A.6 needed; an empty plan still needs one waste (A.3)
    user, plan = draft("registered")
    with pytest.raises(ValidationFailed) as e:
        actions.file_plan(user, plan)
    assert e.value.field == "wastes"
    actions.add_plan_waste(user, plan, **line_data(storage_facility="", packaging=""))
    assert actions.completeness(plan) == []
    # key: own treatment (A.5) must be complete; simplified may not have it at all
    user, plan = draft("key")
    FacilityFactory(site=plan.site, code="CZ001", kind=FacilityKind.DISPOSAL)
    actions.add_plan_waste(user, plan, **line_data(transfer_type="", treatment_facility="CZ001"))
    actions.add_plan_reduction(user, plan, measure="源头减量")
    fields = [p.field for p in actions.completeness(plan)]
    assert fields == ["wastes.1.treatment_method", "wastes.1.treatment_tonnes"]
    assert [p.field for p in actions.completeness(plan, "simplified")] == [
        "wastes.1.treatment_facility"
    ]
    line = plan.wastes.get()
    actions.update_plan_waste(
        user, line, treatment_method=TreatmentMethodFactory(), treatment_tonnes="12.5"
    )
    assert actions.completeness(plan) == []
    assert file(user, plan).management_class == "key"


def test_no_management_class_cannot_file():
    site = plan_site("")
    user = member_of(site.organization)
    plan = actions.create_plan(user, site, 2026)
    assert actions.completeness(plan)[0].field == "management_class"


def test_amend_keeps_the_filed_version_until_the_amendment_is_filed():
    user, plan = draft()
    line = actions.add_plan_waste(user, plan, **line_data())
    plan = file(user, plan)
    with pytest.raises(ValidationFailed) as e:
        actions.amend_plan(user, plan, reason=" ")
    assert e.value.field == "reason"
    amendment = actions.amend_plan(user, plan, reason="新增废活性炭")
    assert amendment.revision == 2 and amendment.supersedes == plan
    assert amendment.status == PlanStatus.DRAFT and not amendment.is_current
    assert amendment.wastes.count() == 1
    with pytest.raises(Conflict) as e:
        actions.amend_plan(user, plan, reason="again")
    assert e.value.code == "plans.amendment_open"
    new_code = WasteCodeFactory()
    actions.add_plan_waste(
        user, amendment, **line_data(waste_code=new_code, internal_name="废活性炭")
    )
    # the filed plan is still in force: the new code is not planned yet
    assert queries.planned_waste(plan.site, 2026, new_code) is None
    assert queries.planned_waste(plan.site, 2026, line.waste_code) == line
    assert "version 2" in queries.plan_amend_hint(plan.site, 2026)
    amendment = file(user, amendment, dt.datetime(2026, 6, 1, 10, tzinfo=TZ))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and not plan.is_current
    assert amendment.is_current and amendment.filing_number != plan.filing_number
    assert amendment.is_late  # filed after 31 March: flagged, accepted
    assert queries.planned_waste(plan.site, 2026, new_code).plan == amendment
    assert queries.plan_for(plan.site, 2026) == amendment
    assert ManagementPlan.objects.filter(site=plan.site, year=2026).count() == 2
    assert [e.action for e in audit.history(plan)][-1] == "plans.plan.supersede"
    with pytest.raises(Conflict) as e:
        actions.amend_plan(user, plan, reason="old one")
    assert e.value.code == "plans.not_amendable"


def test_draft_cannot_be_amended_and_filed_cannot_be_refiled():
    user, plan = draft()
    with pytest.raises(Conflict):
        actions.amend_plan(user, plan, reason="x")
    actions.add_plan_waste(user, plan, **line_data())
    plan = file(user, plan)
    with pytest.raises(Conflict):
        actions.file_plan(user, plan)


def test_update_plan_fields_and_stale_version():
    user, plan = draft()
    plan = actions.update_plan(user, plan, version=1, eia_reference="绍市环审〔2024〕12号")
    assert plan.version == 2
    with pytest.raises(Conflict):
        actions.update_plan(user, plan, version=1, eia_reference="x")
    with pytest.raises(ValidationFailed) as e:
        actions.update_plan(user, plan, technical_lead_phone="12")
    assert e.value.field == "technical_lead_phone"
    with pytest.raises(ValidationFailed) as e:
        actions.update_plan(user, plan, year=2020)
    assert e.value.code == "plans.field_not_editable"


def test_receiver_from_registry_brings_its_permit_number():
    from wufei.registry.tests.factories import PermitFactory

    permit = PermitFactory(valid_until=dt.date(2099, 1, 1))
    user, plan = draft()
    line = actions.add_plan_waste(
        user, plan, **line_data(receiver=permit.organization.uscc, receiver_permit_number="")
    )
    assert line.receiver == permit.organization and line.receiver_permit_number == permit.number


def test_factory_line_is_complete_for_registered():
    line = PlanWasteFactory(plan=ManagementPlanFactory(site=plan_site()))
    assert actions.completeness(line.plan) == []
