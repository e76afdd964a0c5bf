"""The year of ledger activity as plain data: deterministic, in the window, consistent with
the producer's waste streams; pinned containers, the overrun unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from wufei.demo import activity, plan
from wufei.demo.industries import waste_streams
from wufei.demo.wastes import DETAILS

from .conftest import SEED


def _anchor() -> activity.Activity:
    spec = plan.producer(SEED, 0)
    return activity.producer_activity(
        SEED,
        spec.uscc,
        spec.industry_code,
        spec.annual_hazardous_tonnes,
        "key",
        pin_over=2,
        pin_near=2,
    )


def test_activity_is_deterministic_and_follows_the_streams():
    a, b = _anchor(), _anchor()
    assert [(x.code, x.produced, x.weight, x.count, x.out) for x in a.lots] == [
        (x.code, x.produced, x.weight, x.count, x.out) for x in b.lots
    ]
    spec = plan.producer(SEED, 0)
    streams = dict(waste_streams(spec.uscc, spec.industry_code, spec.annual_hazardous_tonnes))
    normal = [x for x in a.lots if not x.pinned and not x.general]
    assert {x.code for x in normal} == set(streams)
    for code, tonnes in streams.items():
        made = sum((x.weight for x in normal if x.code == code), Decimal(0))
        assert abs(made - tonnes) <= tonnes * Decimal("0.25") + Decimal("0.1"), code
    for lot in normal:
        assert activity.START <= lot.produced.date() <= activity.END
        assert lot.out is None or lot.produced < lot.out
        assert lot.out is None or lot.out.date() <= activity.END
        # inside the package's plausible range (ledger.rules.DENSITY is far wider)
        per_package = lot.weight * 1000 / lot.count
        assert per_package <= DETAILS[lot.code].kg * Decimal("1.5")
    # recent waste is still in storage; most of the year has left it
    assert any(x.out is None for x in normal)
    assert sum(x.out is not None for x in normal) > len(normal) * 0.8


def test_pinned_containers_stay_over_and_near_one_year():
    lots = _anchor().lots
    today = dt.date(2026, 11, 26)
    over = [x for x in lots if x.pinned == "over_year"]
    near = [x for x in lots if x.pinned == "near_year"]
    assert len(over) == 2 and len(near) == 2
    assert all(x.out is None for x in over + near)
    assert all((today - x.produced.date()).days > 365 for x in over)
    assert all(300 <= (today - x.produced.date()).days < 365 for x in near)


def test_the_overrun_unit_generates_far_above_its_plan_and_pickups_stop():
    spec = plan.producer(SEED, 0)
    args = (SEED, spec.uscc, spec.industry_code, spec.annual_hazardous_tonnes, "key")
    normal = activity.producer_activity(*args)
    overrun = activity.producer_activity(*args, overrun=True)
    assert overrun.tonnes > normal.tonnes * 2
    assert all(x.out is None or x.out.date() <= activity.PICKUPS_STOP for x in overrun.lots)


def test_every_industry_code_has_its_packing_details():
    from wufei.demo.industries import INDUSTRIES

    for industry in INDUSTRIES:
        for code, _ in industry.hazardous:
            assert code in DETAILS, code


def test_lots_fit_on_a_vehicle_and_general_waste_leaves_with_pickups():
    a = _anchor()
    assert all(x.weight <= activity.MAX_LOT for x in a.lots if not x.treat)
    general = [x for x in a.lots if x.general]
    assert general and all(x.code.startswith("SW") for x in general)
    pickups = {x.out for x in a.lots if x.out is not None and not x.general}
    assert all(x.out in pickups and x.produced.date() == x.out.date() for x in general)
    # the lots of one pickup leave at the same moment (one truck visit)
    assert len(pickups) < len([x for x in a.lots if x.out is not None]) / 2


def test_skipped_streams_are_not_produced():
    spec = plan.producer(SEED, 0)
    first = waste_streams(spec.uscc, spec.industry_code, spec.annual_hazardous_tonnes)[-1][0]
    lots = activity.producer_activity(
        SEED,
        spec.uscc,
        spec.industry_code,
        spec.annual_hazardous_tonnes,
        "key",
        skip=frozenset({first}),
    ).lots
    assert lots and first not in {x.code for x in lots}
