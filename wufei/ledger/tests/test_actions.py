from decimal import Decimal

import pytest

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.labels.ident import parse_ident_code
from wufei.ledger import actions
from wufei.ledger.models import Container, LedgerEntry
from wufei.plans.tests.factories import FiledPlanFactory
from wufei.registry.tests.factories import FacilityFactory, member_of

from .factories import general_category

pytestmark = pytest.mark.django_db

DRUM = {"package_type": "drum", "volume_litres": "200"}


def produce(p, **kw):
    fields = {"waste_code": p.code.code, **DRUM, **kw}
    return actions.record_generation(p.user, p.site, **fields)


def test_generation_takes_the_plan_line_and_waits_for_the_weight(p):
    c = produce(p)
    assert c.status == "produced" and c.plan_waste == p.line
    assert c.internal_name == "废机油" and c.process == "设备维修" and c.form == "liquid"
    assert c.hazardous_components == "矿物油" and c.produced_on.isoformat() == "2026-03-02"
    assert not c.entries.exists()  # the 产生 entry is written with the weight
    assert AuditEvent.objects.filter(action="ledger.container.produce").count() == 1


def test_waste_not_in_the_plan_is_refused_with_the_way_to_amend(p, reference_data):
    with pytest.raises(ValidationFailed) as e:
        produce(p, waste_code="900-041-49")
    assert e.value.code == "ledger.not_in_plan" and e.value.field == "waste_code"
    assert "Amend" in str(e.value.message) and p.plan.filing_number in str(e.value.message)
    assert not Container.objects.exists()


def test_no_filed_plan_for_the_year_says_so(p):
    p.plan.year = 2025
    p.plan.save()
    with pytest.raises(ValidationFailed) as e:
        produce(p)
    assert "no filed management plan for 2026" in str(e.value.message)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("package_type", "crate", "ledger.choice_invalid"),
        ("volume_litres", "0", "ledger.volume_invalid"),
        ("volume_litres", "abc", "ledger.volume_invalid"),
        ("count", "0", "ledger.count_invalid"),
        ("waste_code", "123", "ledger.waste_code_unknown"),
        ("produced_on", "2026-03-09", "ledger.date_invalid"),
        ("weight_tonnes", "-1", "ledger.tonnes_invalid"),
        ("weight_tonnes", "0.00001", "ledger.tonnes_invalid"),
    ],
)
def test_bad_input_writes_nothing(p, field, value, code):
    with pytest.raises(ValidationFailed) as e:
        produce(p, **{field: value})
    assert e.value.code == code and e.value.field == field
    assert not Container.objects.exists() and not AuditEvent.objects.exists()


def test_weigh_writes_the_generation_entry_and_refuses_twice(p):
    c = produce(p)
    c = actions.record_weight(p.user, c, "0.1800")
    assert c.status == "weighed" and c.weight_tonnes == Decimal("0.1800")
    entry = c.entries.get()
    assert entry.kind == "produced" and entry.batch_number == "HWCS20260302001"
    assert entry.quantity_tonnes == Decimal("0.1800") and entry.operator == str(p.user)
    with pytest.raises(Conflict) as e:
        actions.record_weight(p.user, c, "0.1700")
    assert e.value.code == "ledger.already_weighed"
    assert c.entries.count() == 1


def test_implausible_weight_is_refused(p):
    c = produce(p)
    with pytest.raises(ValidationFailed) as e:
        actions.record_weight(p.user, c, "0.9000")  # 900 kg in a 200 L drum
    assert e.value.code == "ledger.weight_implausible" and "500" in str(e.value.message)
    with pytest.raises(ValidationFailed):
        actions.record_weight(p.user, c, "0.0010")  # 1 kg: below 2 kg
    c.refresh_from_db()
    assert c.status == "produced" and c.weight_tonnes is None and not c.entries.exists()


def test_code_is_hj1276_and_idempotent(p):
    c = produce(p, weight_tonnes="0.18")
    with pytest.raises(Conflict):
        actions.assign_code(p.user, produce(p))  # not weighed yet
    c = actions.assign_code(p.user, c)
    parts = parse_ident_code(c.ident_code)
    assert len(c.ident_code) == 37 and parts.uscc == p.org.uscc
    assert parts.waste_code == p.code.code and parts.sequence == 1
    assert parts.produced_on.isoformat() == "2026-03-02"
    again = actions.assign_code(p.user, c)
    assert again.ident_code == c.ident_code
    assert AuditEvent.objects.filter(action="ledger.container.code").count() == 1
    second = actions.assign_code(p.user, produce(p, weight_tonnes="0.1"))
    assert parse_ident_code(second.ident_code).sequence == 2


def test_one_step_produces_weighs_codes_and_stores(p):
    r = actions.produce_container(
        p.user, p.site, waste_code=p.code.code, weight_tonnes="0.2", facility=p.storage, **DRUM
    )
    c = r.container
    assert c.status == "stored" and c.facility == p.storage and c.ident_code
    kinds = [e.kind for e in c.entries.order_by("pk")]
    assert kinds == ["produced", "stored_in"]
    stored = c.entries.get(kind="stored_in")
    assert stored.batch_number == "HWRK20260302001"
    assert stored.production_batch == "HWCS20260302001"
    assert r.warnings == []


def test_one_step_is_all_or_nothing(p):
    other = FacilityFactory(kind="storage")  # another organisation's store
    with pytest.raises(NotFound):
        actions.produce_container(
            p.user, p.site, waste_code=p.code.code, weight_tonnes="0.2", facility=other, **DRUM
        )
    assert not Container.objects.exists() and not LedgerEntry.objects.exists()
    assert not AuditEvent.objects.exists()


def test_store_in_checks_kind_owner_state_and_capacity(p):
    c = actions.assign_code(p.user, produce(p, weight_tonnes="0.4"))
    treat = FacilityFactory(site=p.site, code="TD01", kind="disposal")
    with pytest.raises(ValidationFailed) as e:
        actions.store_in(p.user, c, treat)
    assert e.value.code == "ledger.facility_kind"
    small = FacilityFactory(site=p.site, code="TS002", kind="storage", capacity_tonnes="0.5")
    actions.store_in(p.user, c, small)
    d = actions.assign_code(p.user, produce(p, weight_tonnes="0.2"))
    with pytest.raises(Conflict) as e:
        actions.store_in(p.user, d, small)
    assert e.value.code == "ledger.over_capacity"
    with pytest.raises(ValidationFailed) as e:
        actions.store_in(p.user, d, small, allow_over_capacity=True)
    assert e.value.code == "ledger.reason_required"
    r = actions.store_in(p.user, d, small, allow_over_capacity=True, reason="临时周转")
    assert r.container.status == "stored" and "over its capacity" in r.warnings[0]
    with pytest.raises(Conflict) as e:  # a double click
        actions.store_in(p.user, d, small)
    assert e.value.code == "ledger.not_storable"
    assert LedgerEntry.objects.filter(kind="stored_in").count() == 2


def test_store_out_and_self_treat(p, reference_data):
    r = actions.produce_container(
        p.user, p.site, waste_code=p.code.code, weight_tonnes="0.2", facility=p.storage, **DRUM
    )
    c = actions.store_out(p.user, r.container, destination="委外处置").container
    assert c.status == "out" and c.facility is None and c.stored_since is None
    out = c.entries.get(kind="stored_out")
    assert out.batch_number == "HWCK20260302001" and out.storage_batch == "HWRK20260302001"
    with pytest.raises(Conflict):
        actions.store_out(p.user, c, destination="x")
    kiln = FacilityFactory(site=p.site, code="TD01", kind="disposal")
    t = actions.self_treat(p.user, c, kiln, "D10")
    assert t.container.status == "self_treated"
    assert t.entry.batch_number == "HWZXCZ20260302001" and t.entry.method.code == "D10"
    assert t.entry.storage_batch == out.batch_number


def test_self_treat_from_storage_writes_the_store_out_too(p, reference_data):
    r = actions.produce_container(
        p.user, p.site, waste_code=p.code.code, weight_tonnes="0.2", facility=p.storage, **DRUM
    )
    plant = FacilityFactory(site=p.site, code="TU01", kind="utilisation")
    with pytest.raises(ValidationFailed) as e:
        actions.self_treat(p.user, r.container, plant, "ZZ")
    assert e.value.code == "ledger.method_unknown"
    t = actions.self_treat(p.user, r.container, plant, "R9")
    assert [e.kind for e in t.entries] == ["stored_out", "self_treated"]
    assert t.entry.batch_number.startswith("HWZXLY")


def test_reversal_undoes_the_latest_step_only(p):
    r = actions.produce_container(
        p.user, p.site, waste_code=p.code.code, weight_tonnes="0.2", facility=p.storage, **DRUM
    )
    produced = r.container.entries.get(kind="produced")
    stored = r.container.entries.get(kind="stored_in")
    with pytest.raises(Conflict) as e:
        actions.reverse_entry(p.user, produced, reason="称错")
    assert e.value.code == "ledger.not_latest"
    with pytest.raises(ValidationFailed):
        actions.reverse_entry(p.user, stored, reason=" ")
    rev = actions.reverse_entry(p.user, stored, reason="扫错仓库")
    assert rev.container.status == "coded" and rev.container.facility is None
    assert rev.entry.kind == "reversal" and rev.entry.quantity_tonnes == Decimal("-0.2000")
    assert rev.entry.batch_number == "HWCX20260302001" and rev.entry.reason == "扫错仓库"
    with pytest.raises(Conflict) as e:
        actions.reverse_entry(p.user, stored, reason="again")
    assert e.value.code == "ledger.already_reversed"
    with pytest.raises(Conflict):
        actions.reverse_entry(p.user, rev.entry, reason="x")
    gone = actions.reverse_entry(p.user, produced, reason="称错，重新登记")
    assert gone.container.status == "reversed"
    assert LedgerEntry.objects.count() == 4  # nothing was changed or deleted
    event = AuditEvent.objects.filter(action="ledger.entry.reverse").last()
    assert event.reason == "称错，重新登记"


def test_reversing_store_out_puts_the_container_back(p, clock):
    r = actions.produce_container(
        p.user, p.site, waste_code=p.code.code, weight_tonnes="0.2", facility=p.storage, **DRUM
    )
    since = r.container.stored_since
    out = actions.store_out(p.user, r.container, destination="委外").entry
    c = actions.reverse_entry(p.user, out, reason="未出库").container
    assert c.status == "stored" and c.facility == p.storage and c.stored_since == since


def test_entries_are_append_only(p):
    c = produce(p, weight_tonnes="0.2")
    entry = c.entries.get()
    entry.quantity_tonnes = Decimal("1")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(quantity_tonnes=Decimal("1"))
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()


def test_reader_and_strangers_cannot_write(p):
    reader = member_of(p.org, role="reader")
    with pytest.raises(Forbidden):
        actions.record_generation(reader, p.site, waste_code=p.code.code, **DRUM)
    c = produce(p)
    stranger = member_of(FiledPlanFactory().site.organization)
    with pytest.raises(NotFound):
        actions.record_weight(stranger, c, "0.1")
    with pytest.raises(NotFound):
        actions.record_weight(reader, c, "0.1")


def test_general_waste_on_the_same_mechanism(p, reference_data):
    sw = general_category("SW59")
    r = actions.produce_container(
        p.user,
        p.site,
        general_category="SW59",
        general_class="II",
        internal_name="废包装材料",
        form="solid",
        package_type="bulk_bag",
        volume_litres="1000",
        weight_tonnes="0.3",
        facility=p.storage,
    )
    c = r.container
    assert c.kind == "general" and c.general_category == sw and c.plan_waste is None
    assert c.ident_code.startswith(p.org.uscc + "SW5920260302") and len(c.ident_code) == 33
    assert [e.batch_number for e in c.entries.order_by("pk")] == ["CS20260302001", "JS20260302001"]
    with pytest.raises(ValidationFailed) as e:
        actions.record_generation(
            p.user, p.site, general_category="SW59", internal_name="x", form="solid", **DRUM
        )
    assert e.value.field == "general_class"


def test_batch_numbers_count_per_org_kind_and_day(p, clock):
    from wufei.plans.tests.clock import frozen

    for _ in range(3):
        produce(p, weight_tonnes="0.1")
    numbers = sorted(LedgerEntry.objects.values_list("batch_number", flat=True))
    assert numbers == ["HWCS20260302001", "HWCS20260302002", "HWCS20260302003"]
    with frozen(clock.replace(day=3)):
        c = produce(p, weight_tonnes="0.1")
    assert c.entries.get().batch_number == "HWCS20260303001"


def test_transfer_out_general_directly_hazardous_needs_a_manifest(p, reference_data):
    general_category("SW59")
    lot = actions.produce_container(
        p.user, p.site, general_category="SW59", general_class="I", internal_name="废边角料",
        form="solid", package_type="bulk_bag", volume_litres="1000", weight_tonnes="0.4",
        facility=p.storage,
    ).container  # fmt: skip
    r = actions.ship_out(
        p.user, lot, receiver_name="某建材公司", method="R15", receiver_permit_number="备案001"
    )
    assert r.container.status == "shipped"
    assert [e.batch_number for e in r.entries] == ["YC20260302001", "CC20260302001"]
    assert r.entry.storage_batch == "YC20260302001" and r.entry.receiver_name == "某建材公司"
    with pytest.raises(Conflict):
        actions.ship_out(p.user, lot, receiver_name="x", method="R15")
    drum = actions.produce_container(
        p.user, p.site, waste_code=p.code, weight_tonnes="0.2", **DRUM
    ).container
    with pytest.raises(Conflict) as e:
        actions.ship_out(p.user, drum, receiver_name="某处置公司", method="D10")
    assert e.value.code == "ledger.manifest_required"
    shipped = actions.ship_out(
        p.user, drum, receiver_name="某处置公司", method="D10", manifest_number="20263306000001",
        receiver_type="licensed",
    )  # fmt: skip
    assert shipped.entry.batch_number == "HWWWCZ20260302001"
    back = actions.reverse_entry(p.user, shipped.entry, reason="联单作废")
    assert back.container.status == "coded"
