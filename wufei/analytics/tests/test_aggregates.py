"""The incremental fold of ledger entries and receipts into the aggregates: counts once,
catches up, waits for young rows, follows reversals, and a rebuild gives the same rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wufei.analytics import aggregates
from wufei.analytics.models import DailyFlow, FoldState, MonthlyFlow, ProducerYear
from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.ledger import actions as ledger
from wufei.ledger.models import LedgerEntry
from wufei.ledger.tests.factories import producer_setup
from wufei.manifests import actions as manifests
from wufei.manifests.tests.factories import trip_setup
from wufei.plans.tests.clock import SHANGHAI, frozen
from wufei.registry.tests.factories import FacilityFactory

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
LATER = NOW + dt.timedelta(hours=1)
DRUM = {"package_type": "drum", "volume_litres": "200"}


@pytest.fixture
def clock():
    with frozen(NOW) as now:
        yield now


@pytest.fixture
def p(db, clock, reference_data):  # noqa: F811
    return producer_setup(NOW.year)


def _produce(p, tonnes: str, store: bool = True):
    return ledger.produce_container(
        p.user,
        p.site,
        waste_code=p.code.code,
        weight_tonnes=tonnes,
        facility=p.storage if store else None,
        **DRUM,
    ).container


def _flows(model=DailyFlow) -> dict[tuple[str, str], Decimal]:
    return {(r.flow, r.method): r.tonnes for r in model.objects.all()}


def test_fold_counts_once_waits_for_young_rows_and_catches_up(p):
    c1 = _produce(p, "0.2")
    _produce(p, "0.3")
    assert aggregates.fold(now=NOW) == {"ledger": 0, "receipts": 0}  # younger than the lag
    assert aggregates.fold(now=LATER)["ledger"] == 4  # 2 × (produced, stored_in)
    row = DailyFlow.objects.get(flow="generated")
    assert row.tonnes == Decimal("0.5") and row.entries == 2
    assert row.day == dt.date(2026, 3, 2) and row.county_code == p.site.region.code
    assert (row.city_code, row.province_code) == ("330600", "330000")
    assert row.hazardous and row.waste_code == p.code.code and row.category == "HW08"
    assert MonthlyFlow.objects.get(flow="generated").month == dt.date(2026, 3, 1)

    # a second run adds nothing
    assert aggregates.fold(now=LATER) == {"ledger": 0, "receipts": 0}
    assert _flows() == {("generated", ""): Decimal("0.5")}

    # new entries are caught up, once
    kiln = FacilityFactory(site=p.site, code="TD01", kind="disposal")
    ledger.self_treat(p.user, c1, kiln, "D1")
    assert aggregates.fold(now=LATER + dt.timedelta(hours=1))["ledger"] == 2
    assert aggregates.fold(now=LATER + dt.timedelta(hours=1))["ledger"] == 0
    assert _flows() == {
        ("generated", ""): Decimal("0.5"),
        ("disposed_on_site", "D1"): Decimal("0.2"),
    }
    assert _flows(MonthlyFlow) == _flows()
    assert (
        FoldState.objects.get(name="ledger").last_id == LedgerEntry.objects.order_by("id").last().id
    )

    py = ProducerYear.objects.get(organization=p.org, year=2026)
    assert py.hw_generated_t == Decimal("0.5") and py.registered and py.has_filed_plan
    assert py.hw_shipments == 0 and py.shipments_off_manifest == 0


def test_reversal_subtracts_from_the_day_of_the_entry_it_cancels(p):
    c = _produce(p, "0.4", store=False)
    aggregates.fold(now=LATER)
    produced = c.entries.get(kind="produced")
    with frozen(NOW + dt.timedelta(days=3)):  # reversed three days later
        ledger.reverse_entry(p.user, produced, reason="称重有误")
    aggregates.fold(now=NOW + dt.timedelta(days=4))
    row = DailyFlow.objects.get(flow="generated")
    assert row.day == dt.date(2026, 3, 2) and row.tonnes == 0 and row.entries == 0
    assert ProducerYear.objects.get(organization=p.org).hw_generated_t == 0


def test_utilisation_on_site_and_general_waste(p):
    from wufei.ledger.tests.factories import general_category

    c = _produce(p, "0.25")
    plant = FacilityFactory(site=p.site, code="LY01", kind="utilisation")
    ledger.self_treat(p.user, c, plant, "R9")
    ledger.produce_container(
        p.user,
        p.site,
        general_category=general_category("SW59").code_2021,
        general_class="I",
        internal_name="边角料",
        form="solid",
        weight_tonnes="0.4",
        **DRUM,
    )
    aggregates.fold(now=LATER)
    assert _flows()[("utilised_on_site", "R9")] == Decimal("0.25")
    gw = DailyFlow.objects.get(hazardous=False)
    assert (gw.waste_code, gw.category, gw.flow, gw.tonnes) == (
        "SW59",
        "SW59",
        "generated",
        Decimal("0.4"),
    )
    assert ProducerYear.objects.get(organization=p.org).gw_generated_t == Decimal("0.4")


@pytest.fixture
def trip(db, clock, reference_data):  # noqa: F811
    return trip_setup(receiver_region="330681")  # 诸暨市: another county of the city


def _received(trip):
    m = manifests.create_draft(trip.shipper_user, **trip.draft_data())
    m = manifests.submit(trip.shipper_user, m)
    for c in trip.containers:
        manifests.scan_load(trip.driver_user, m, c.ident_code)
    m = manifests.sign_handover(trip.shipper_user, m)
    m = manifests.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        manifests.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    m.refresh_from_db()
    return manifests.sign_receipt(trip.receiver_user, m)


def test_receipts_fold_to_both_counties_once(trip):
    m = _received(trip)
    out = aggregates.fold(now=LATER)
    assert out["receipts"] == 1
    received = DailyFlow.objects.get(flow="received")
    treated = DailyFlow.objects.get(flow="sent_treated")
    assert received.county_code == "330681" and treated.county_code == m.origin_region.code
    assert received.tonnes == treated.tonnes == Decimal("0.5370")
    assert received.method == "D10" and received.manifests == treated.manifests == 1
    sent = DailyFlow.objects.get(flow="sent_out")  # the shipper's ledger at hand-over
    assert sent.tonnes == Decimal("0.5400") and sent.entries == 3
    py = ProducerYear.objects.get(organization=trip.producer.org)
    assert py.hw_shipments == 3 and py.shipments_off_manifest == 0

    assert aggregates.fold(now=LATER)["receipts"] == 0
    assert DailyFlow.objects.get(flow="received").tonnes == Decimal("0.5370")


def test_rebuild_gives_the_incremental_rows(trip):
    _received(trip)
    aggregates.fold(now=LATER)
    before = sorted(
        DailyFlow.objects.values_list(
            "day", "county_code", "waste_code", "flow", "method", "tonnes"
        )
    )
    producers = list(
        ProducerYear.objects.values_list("organization_id", "hw_generated_t", "hw_shipments")
    )
    aggregates.rebuild(now=LATER)
    after = sorted(
        DailyFlow.objects.values_list(
            "day", "county_code", "waste_code", "flow", "method", "tonnes"
        )
    )
    assert before == after and before
    assert sorted(producers) == sorted(
        ProducerYear.objects.values_list("organization_id", "hw_generated_t", "hw_shipments")
    )


def test_reads_composition_top_producers_and_children(trip):
    _received(trip)
    aggregates.fold(now=LATER)
    comp = aggregates.composition("3306", 2026)
    assert [c["category"] for c in comp] == ["HW08"]
    assert comp[0]["hazardous"] and comp[0]["disposed_t"] == pytest.approx(0.537)
    assert comp[0]["landfilled_t"] == 0
    top = aggregates.top_producers("33", 2026)
    assert top[0]["organization_id"] == trip.producer.org.pk and top[0]["shipments"] == 3
    assert aggregates.top_producers("3301", 2026) == []  # 杭州市: none there
    children = {r["region_code"]: r for r in aggregates.by_child_region("3306", 2026)}
    assert set(children) >= {"330602", "330681"}
    assert children["330681"]["generated_t"] == 0
    assert set(children["330602"]["indicators"]) == {
        "intensity",
        "general_utilisation_rate",
        "hw_landfill_share",
        "full_process_coverage",
        "zero_waste_index",
        "illegal_dumping_rate",
        "rectification_rate",
    }
    assert aggregates.by_child_region("330602", 2026) == []


def test_region_codes():
    assert aggregates.normalise("3306") == "330600"
    assert aggregates.level_of("33") == "province"
    assert aggregates.level_of("330600") == "city"
    assert aggregates.column_for("330603") == "county_code"
    with pytest.raises(ValueError):
        aggregates.normalise("33a")
    assert frozenset({"D1"}) == aggregates.LANDFILL_METHODS
