"""The seven indicators: each formula on hand-made facts (full, partial and empty data), the
traffic light, the statistics overriding the platform, and the values computed from the
database (aggregates, producers, warnings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from wufei.analytics import indicators
from wufei.analytics.indicators import DEFINITIONS, Facts, evaluate, status_of
from wufei.analytics.models import MonthlyFlow, ProducerYear, RegionStatistics
from wufei.catalog.testing import reference_data  # noqa: F401

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _totals(**kw: float) -> dict[str, float]:
    base = dict.fromkeys(
        (
            "generated_t",
            "utilised_t",
            "disposed_t",
            "landfilled_t",
            "sent_out_t",
            "received_t",
            "transfers",
        ),
        0.0,
    )
    base.update(kw)
    base["rows"] = 1 if any(kw.values()) else 0
    return base


def _by_code(values):
    return {v.code: v for v in values}


def _stats(**kw) -> RegionStatistics:
    return RegionStatistics(year=2025, **{k: Decimal(str(v)) for k, v in kw.items()})


def test_no_data_at_all_gives_none_everywhere():
    values = evaluate(Facts(region_code="330602", year=2025, hw=_totals(), gw=_totals()))
    assert [v.code for v in values] == list(indicators.CODES)
    for v in values:
        assert v.value is None and v.status == "none" and v.sources == "no data", v.code
        assert v.target_2027 == DEFINITIONS[v.code].target_2027


def test_intensity_needs_value_added_and_uses_official_totals_first():
    f = Facts("330602", 2025, hw=_totals(generated_t=150), gw=_totals(generated_t=50))
    assert _by_code(evaluate(f))["intensity"].value is None  # no value added: no intensity
    f.stats = _stats(industrial_value_added=1000)
    v = _by_code(evaluate(f))["intensity"]
    assert (v.value, v.status) == (0.2, "green")
    assert "platform: general generation" in v.sources and "value added" in v.sources
    f.stats = _stats(industrial_value_added=1000, general_generated_t=60)  # official overrides
    v = _by_code(evaluate(f))["intensity"]
    assert (v.value, v.status) == (0.21, "amber")
    assert "official statistics: general generation" in v.sources
    assert "platform: hazardous generation" in v.sources  # complemented by the platform
    f.stats = _stats(industrial_value_added=1000, general_generated_t=100)
    assert _by_code(evaluate(f))["intensity"].status == "red"  # 0.25 > 0.22


def test_intensity_of_a_month_uses_a_twelfth_of_the_value_added():
    f = Facts("330602", 2025, month=3, hw=_totals(generated_t=20), gw=_totals())
    f.stats = _stats(industrial_value_added=1200, hazardous_generated_t=999)  # annual: ignored
    v = _by_code(evaluate(f))["intensity"]
    assert v.value == 0.2 and v.detail["generated_t"] == 20


def test_general_utilisation_rate():
    f = Facts("330602", 2025, hw=_totals(), gw=_totals(generated_t=200, utilised_t=197))
    v = _by_code(evaluate(f))["general_utilisation_rate"]
    assert (v.value, v.status) == (98.5, "green")
    f.gw = _totals(generated_t=200, utilised_t=196)  # exactly 98 %: the target is "> 98 %"
    assert _by_code(evaluate(f))["general_utilisation_rate"].status == "amber"
    f.gw = _totals(generated_t=200, utilised_t=150)
    assert _by_code(evaluate(f))["general_utilisation_rate"].status == "red"
    f.stats = _stats(general_generated_t=1000, general_utilised_t=996)
    v = _by_code(evaluate(f))["general_utilisation_rate"]
    assert v.value == 99.6 and "official statistics" in v.sources
    f.stats = _stats(general_generated_t=1000)  # partial statistics: the platform's figure
    assert _by_code(evaluate(f))["general_utilisation_rate"].value == 75.0
    f.gw = _totals(utilised_t=5)  # utilisation without generation
    f.stats = None
    assert _by_code(evaluate(f))["general_utilisation_rate"].value is None


def test_hazardous_landfill_share():
    f = Facts(
        "330602", 2025, hw=_totals(utilised_t=60, disposed_t=40, landfilled_t=4), gw=_totals()
    )
    v = _by_code(evaluate(f))["hw_landfill_share"]
    assert (v.value, v.status) == (4.0, "green") and v.detail["treated_t"] == 100
    f.hw = _totals(utilised_t=60, disposed_t=40, landfilled_t=8)
    assert _by_code(evaluate(f))["hw_landfill_share"].status == "amber"
    f.hw = _totals(utilised_t=60, disposed_t=40, landfilled_t=30)
    assert _by_code(evaluate(f))["hw_landfill_share"].status == "red"
    f.stats = _stats(hazardous_landfilled_t=5, hazardous_utilised_t=150, hazardous_disposed_t=50)
    assert _by_code(evaluate(f))["hw_landfill_share"].value == 2.5
    f.hw, f.stats = _totals(generated_t=10), None  # generated but nothing treated yet
    assert _by_code(evaluate(f))["hw_landfill_share"].value is None


def test_full_process_coverage():
    f = Facts("330602", 2025, hw=_totals(), gw=_totals(), producers_registered=4)
    f.producers_covered = 3
    v = _by_code(evaluate(f))["full_process_coverage"]
    assert (v.value, v.status) == (75.0, "red")
    f.producers_covered = 4
    assert _by_code(evaluate(f))["full_process_coverage"].status == "green"
    f.producers_registered = f.producers_covered = 0
    assert _by_code(evaluate(f))["full_process_coverage"].value is None


def test_illegal_dumping_rate():
    f = Facts("330602", 2025, hw=_totals(), gw=_totals(), transfers=200, dumping_confirmed=3)
    v = _by_code(evaluate(f))["illegal_dumping_rate"]
    assert (v.value, v.status) == (1.5, "green")
    f.dumping_confirmed = 10  # 5 %: the target is "< 5 %"
    assert _by_code(evaluate(f))["illegal_dumping_rate"].status == "amber"
    f.transfers = 0
    assert _by_code(evaluate(f))["illegal_dumping_rate"].value is None


def test_rectification_rate():
    f = Facts("330602", 2025, hw=_totals(), gw=_totals(), warnings_closed=99, warnings_overdue=1)
    v = _by_code(evaluate(f))["rectification_rate"]
    assert (v.value, v.status) == (99.0, "green")
    f.warnings_closed, f.warnings_overdue = 49, 1  # 98 %: not above 98 %
    assert _by_code(evaluate(f))["rectification_rate"].status == "amber"
    f.warnings_closed, f.warnings_overdue = 0, 3
    assert _by_code(evaluate(f))["rectification_rate"].value == 0.0
    f.warnings_overdue = 0
    assert _by_code(evaluate(f))["rectification_rate"].value is None


def test_zero_waste_index_weights_and_partial_components():
    f = Facts(
        "330602",
        2025,
        hw=_totals(utilised_t=60, disposed_t=40, landfilled_t=10),  # 10 % → score 50
        gw=_totals(generated_t=100, utilised_t=99),  # 99 % → score 100
        producers_registered=2,
        producers_covered=2,  # 100 → 100
    )
    v = _by_code(evaluate(f))["zero_waste_index"]
    # weights: utilisation 20, landfill 15, coverage 15 → (20×100 + 15×50 + 15×100) / 50
    assert v.value == 85.0 and v.detail["weight_available"] == 50
    assert v.status == "amber"  # below 88 (2027), above 80
    assert v.detail["components"]["intensity"]["score"] is None
    f.producers_registered = 0  # only 35 of 100 points of weight: no index
    assert _by_code(evaluate(f))["zero_waste_index"].value is None
    assert sum(d.weight for d in DEFINITIONS.values()) == 100


def test_status_uses_the_2030_target_after_2027():
    d = DEFINITIONS["zero_waste_index"]
    assert status_of(d, 89.0, 2027) == "green" and status_of(d, 89.0, 2030) == "amber"
    assert status_of(d, None, 2027) == "none"
    assert status_of(DEFINITIONS["intensity"], 0.2, 2025) == "green"  # "≤ 0.2"


# --- from the database -----------------------------------------------------------------------


def _flow(county: str, month: int, flow: str, tonnes: str, *, hazardous=True, method="", n=0):
    MonthlyFlow.objects.create(
        month=dt.date(2025, month, 1),
        county_code=county,
        city_code=county[:4] + "00",
        province_code=county[:2] + "0000",
        hazardous=hazardous,
        category="HW08" if hazardous else "SW59",
        waste_code="900-249-08" if hazardous else "SW59",
        flow=flow,
        method=method,
        tonnes=Decimal(tonnes),
        manifests=n,
    )


def _warning(region, status: str, *, rule="storage.over_year", n: int, **times):
    from wufei.supervision.models import Warning

    Warning.objects.create(
        rule=rule,
        fact_key=f"fact:{n}",
        severity="red",
        status=status,
        title="预警",
        region=region,
        raised_at=dt.datetime(2025, 3, 1, tzinfo=SHANGHAI),
        **times,
    )


def test_compute_from_aggregates_producers_and_warnings(db, reference_data):  # noqa: F811
    from wufei.catalog.models import Region
    from wufei.registry.tests.factories import OrganizationFactory

    yuecheng, zhuji = Region.objects.get(code="330602"), Region.objects.get(code="330681")
    _flow("330602", 3, "generated", "100")
    _flow("330602", 3, "sent_treated", "60", method="R4", n=40)
    _flow("330602", 4, "sent_treated", "30", method="D1", n=10)
    _flow("330602", 4, "disposed_on_site", "10", method="D10")
    _flow("330681", 3, "generated", "50", hazardous=False)
    _flow("330681", 3, "utilised_on_site", "49.5", hazardous=False, method="R5")
    for covered in (True, True, True, False):
        ProducerYear.objects.create(
            organization=OrganizationFactory(),
            year=2025,
            county_code="330602",
            city_code="330600",
            province_code="330000",
            registered=True,
            has_filed_plan=True,
            hw_entries=5,
            shipments_off_manifest=0 if covered else 1,
        )
    closed_at = dt.datetime(2025, 5, 1, tzinfo=SHANGHAI)
    for n in range(9):
        _warning(yuecheng, "closed", n=n, closed_at=closed_at)
    _warning(zhuji, "closed", n=20, closed_at=closed_at)
    _warning(yuecheng, "rectifying", n=30, stage_due_at=dt.datetime(2025, 4, 1, tzinfo=SHANGHAI))
    _warning(yuecheng, "verifying", n=31, stage_due_at=timezone.now() + dt.timedelta(days=3))
    _warning(yuecheng, "closed", rule="track.long_stop", n=40, closed_at=closed_at)
    _warning(yuecheng, "dismissed", rule="track.long_stop", n=41, closed_at=closed_at)

    county = _by_code(indicators.compute("330602", 2025))
    assert county["hw_landfill_share"].value == 30.0  # 30 t D1 of 100 t treated
    assert county["full_process_coverage"].value == 75.0
    assert county["illegal_dumping_rate"].value == 2.0  # 1 confirmed / 50 received manifests
    assert county["rectification_rate"].value == pytest.approx(90.9)  # 10 closed, 1 overdue
    assert county["intensity"].value is None  # no value added imported
    assert county["general_utilisation_rate"].value is None  # no general waste there

    city = _by_code(indicators.compute("3306", 2025))
    assert city["general_utilisation_rate"].value == 99.0
    assert city["rectification_rate"].value == pytest.approx(91.7)  # 11 closed, 1 overdue
    RegionStatistics.objects.create(
        region=Region.objects.get(code="330600"), year=2025, industrial_value_added=750
    )
    assert _by_code(indicators.compute("330600", 2025))["intensity"].value == 0.2

    march = _by_code(indicators.compute("330602", 2025, month=3))
    assert march["hw_landfill_share"].value == 0.0 and march["illegal_dumping_rate"].value == 2.5
    trend = indicators.trend("330602", "hw_landfill_share", 2025)
    assert trend[2] == (3, 0.0) and trend[3] == (4, 75.0) and trend[0] == (1, None)
    with pytest.raises(ValueError):
        indicators.trend("330602", "nope", 2025)
    assert all(v.value is None for v in indicators.compute("330100", 2025))  # 杭州市: nothing
