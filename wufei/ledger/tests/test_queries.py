import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from wufei.ledger import actions, excel, queries
from wufei.ledger.models import ScaleReading
from wufei.plans.tests.clock import frozen
from wufei.registry.tests.factories import FacilityFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db

DRUM = {"package_type": "drum", "volume_litres": "200"}


def stored(p, weight="0.2", facility=None):
    return actions.produce_container(
        p.user, p.site, waste_code=p.code, weight_tonnes=weight, facility=facility or p.storage,
        **DRUM,
    ).container  # fmt: skip


def test_inventory_by_code_with_ages(p):
    with frozen(NOW - dt.timedelta(days=40)):
        old = stored(p)
    with frozen(NOW - dt.timedelta(days=3)):
        stored(p, "0.3")
    with frozen(NOW):
        inv = queries.inventory(p.storage)
    assert inv.count == 2 and inv.tonnes == Decimal("0.5000")
    line = inv.lines[0]
    assert line.code == p.code.code and line.oldest_days == 40
    assert [c.age_days for c in line.containers] == [40, 3] and line.containers[0] == old
    assert inv.load_percent == Decimal("5.0") and not inv.over_capacity


def test_storage_age_warnings_near_and_over_one_year(p):
    with frozen(NOW - dt.timedelta(days=60)):
        c = stored(p)
    with frozen(NOW + dt.timedelta(days=239)):
        assert queries.storage_warnings(p.org) == []
    with frozen(NOW + dt.timedelta(days=240)):
        [w] = queries.storage_warnings(p.org)
        assert w.rule == "storage_near_year" and w.severity == "yellow" and w.days == 300
        assert w.container == c
    with frozen(NOW + dt.timedelta(days=305)):
        [w] = queries.storage_warnings(p.storage)
        assert w.rule == "storage_over_year" and w.severity == "red" and "365 days" in w.message


def test_over_capacity_and_weight_mismatch_warnings(p, settings):
    small = FacilityFactory(
        site=p.site, code="TS009", kind="storage", capacity_tonnes=Decimal("0.3")
    )
    stored(p, "0.2", small)
    c = actions.produce_container(
        p.user, p.site, waste_code=p.code, weight_tonnes="0.2", **DRUM
    ).container
    actions.store_in(p.user, c, small, allow_over_capacity=True, reason="周转")
    device, _token = actions.register_scale(p.user, p.org, device_id="SC-7")
    actions.record_scale_reading(device, reading_id="a", container=c.ident_code, weight_kg="200.9")
    rules = [w.rule for w in queries.storage_warnings(small)]
    assert rules == ["over_capacity"]  # 0.9 kg off: within 1 kg / 2 %
    actions.record_scale_reading(device, reading_id="b", container=c.ident_code, weight_kg="210")
    rules = sorted(w.rule for w in queries.storage_warnings(small))
    assert rules == ["over_capacity", "weight_mismatch"]
    assert ScaleReading.objects.filter(outcome="checked").count() == 2
    settings.WUFEI = {**settings.WUFEI, "LEDGER_WEIGHT_TOLERANCE_PERCENT": 10}
    assert [w.rule for w in queries.storage_warnings(small)] == ["over_capacity"]


def test_code_mismatch_warning(p):
    from wufei.ledger.models import Container

    c = stored(p)
    Container.objects.filter(pk=c.pk).update(produced_on=dt.date(2026, 3, 1))
    assert [w.rule for w in queries.storage_warnings(p.storage)] == ["code_mismatch"]


def test_excel_export_has_the_hj1259_tables(p, reference_data):
    c = stored(p)
    out = actions.store_out(p.user, c, destination="委外处置").entry
    actions.reverse_entry(p.user, out, reason="未出库")
    wb = load_workbook(io.BytesIO(excel.export_bytes(queries.entries(p.user))))
    assert wb.sheetnames == [
        "表B.1 产生环节",
        "表B.2 入库环节",
        "表B.3 出库环节",
        "表B.4 自行利用处置环节",
        "表B.5 委外利用处置环节",
    ]
    b1 = [cell.value for cell in wb["表B.1 产生环节"][1]]
    assert b1[:8] == [
        "产生批次编码",
        "产生时间",
        "废物名称（俗称）",
        "名录名称",
        "废物类别",
        "废物代码",
        "产生量",
        "计量单位",
    ]
    assert "容器/包装编码" in b1 and "产生部门经办人" in b1 and b1[-2] == "去向"
    b2 = [cell.value for cell in wb["表B.2 入库环节"][1]]
    assert b2[0] == "入库批次编码" and "贮存设施编码" in b2 and "产生批次编码" in b2
    b5 = [cell.value for cell in wb["表B.5 委外利用处置环节"][1]]
    assert "许可证编码/出口核准通知单编号" in b5 and "接收单位类型" in b5
    row = [cell.value for cell in wb["表B.1 产生环节"][2]]
    assert row[0] == "HWCS20260302001" and row[5] == p.code.code and row[6] == 0.2
    assert row[8] == c.ident_code
    b3 = list(wb["表B.3 出库环节"].values)
    assert [r[0] for r in b3[1:]] == ["HWCK20260302001", "HWCX20260302001"]
    assert b3[2][8] == -0.2 and "冲销 HWCK20260302001：未出库" in b3[2][-1]


def test_declaration_totals_from_the_ledger(p, reference_data):
    from wufei.ledger.totals import totals
    from wufei.plans.declarations import Period

    with frozen(NOW - dt.timedelta(days=40)):  # January: stored before the period
        stored(p, "0.5")
    with frozen(NOW):
        c = stored(p, "0.2")
        kiln = FacilityFactory(site=p.site, code="TD01", kind="disposal")
        actions.self_treat(p.user, c, kiln, "D10")
        wrong = stored(p, "0.1")
        stored_in = wrong.entries.get(kind="stored_in")
        actions.reverse_entry(p.user, stored_in, reason="错误")
    [t] = totals(p.site, dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert t.waste_code == p.code.code
    assert t.generated == Decimal("0.3000") and t.own_treated == Decimal("0.2000")
    assert t.storage_start == Decimal("0.5000") and t.storage_end == Decimal("0.5000")
    quarter = Period("quarterly", 2026, 1)
    [q] = totals(p.site, quarter.start, quarter.end)
    assert q.generated == Decimal("0.8000") and q.storage_start == 0
