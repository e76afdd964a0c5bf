"""The statistics import: the template, per-cell errors naming row and column (Chinese),
all or nothing, jurisdiction, re-import, audit; and the 2024 provincial figures of the plan
reproduced from the statistics fixture."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from wufei.analytics import indicators, statistics
from wufei.analytics.models import RegionStatistics, StatisticsImport
from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.core.errors import ValidationFailed
from wufei.core.models import AuditEvent
from wufei.registry.tests.factories import UserFactory, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English; the Chinese ones are checked under an explicit override."""
    with translation.override("en"):
        yield


@pytest.fixture
def root(reference_data):  # noqa: F811
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _xlsx(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([h for _f, h, _k in statistics.COLUMNS])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = ["330600", 2025, 35000000, 9000000, 8900000, 50000, 1200000, None, None, None, None, None]


def test_template_has_the_header_and_its_example_imports(root):
    data = statistics.template()
    rows = statistics.read_xlsx(data)
    assert rows[0] == [h for _f, h, _k in statistics.COLUMNS]
    batch = statistics.import_statistics(root, data, file_name="模板.xlsx", source="统计年鉴")
    s = RegionStatistics.objects.get(region__code="330600", year=2025)
    assert s.industrial_value_added == Decimal("35000000") and s.hazardous_utilised_t is None
    assert s.batch == batch and batch.rows == 1 and batch.region_prefix == "3306"
    assert len(batch.sha256) == 64 and s.source == "示例"


def test_bad_cells_are_all_named_in_chinese_and_nothing_is_written(root):
    data = _xlsx(
        GOOD + ["好"],
        ["330600", 2025, -5, "abc", None, None, None, None, None, None, None, 2000, ""],
        ["330603", "二〇二五", 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ""],
        ["999999", 2025, 1.00001, None, None, None, None, None, None, None, None, None, ""],
    )
    events = AuditEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        statistics.import_statistics(root, data, file_name="坏.xlsx")
    errors = exc.value.details["errors"]
    where = {(e["row"], e["column"]) for e in errors}
    assert where == {(3, "A"), (3, "C"), (3, "D"), (3, "L"), (4, "B"), (5, "A"), (5, "C")}
    messages = {(e["row"], e["column"]): e["message"] for e in errors}
    assert messages[(3, "C")] == "第 3 行 C 列（工业增加值（万元））：不能为负数"
    assert "同一行政区划和年份" in messages[(3, "A")]
    assert "未知的行政区划代码 999999" in messages[(5, "A")]
    assert "没有导入任何数据" in str(exc.value.message)
    assert RegionStatistics.objects.count() == 0 and StatisticsImport.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_header_and_file_type_are_checked(root):
    wb = Workbook()
    wb.active.append(["地区", "年份"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationFailed) as exc:
        statistics.import_statistics(root, buf.getvalue(), file_name="x.xlsx")
    assert exc.value.code == "analytics.bad_header"
    with pytest.raises(ValidationFailed) as exc:
        statistics.import_statistics(root, b"not a workbook", file_name="x.xlsx")
    assert exc.value.code == "analytics.not_xlsx"
    with pytest.raises(ValidationFailed) as exc:
        statistics.import_statistics(root, _xlsx(), file_name="empty.xlsx")
    assert exc.value.details["errors"][0]["row"] == 2


def test_a_bureau_imports_only_inside_its_jurisdiction(reference_data):  # noqa: F811
    city = regulator("3306")
    data = _xlsx(GOOD, ["330100", 2025, 1, None, None, None, None, None, None, None, None, None])
    with pytest.raises(ValidationFailed) as exc:
        statistics.import_statistics(city, data, file_name="x.xlsx")
    assert [(e["row"], e["column"]) for e in exc.value.details["errors"]] == [(3, "A")]
    assert RegionStatistics.objects.count() == 0
    statistics.import_statistics(city, _xlsx(GOOD), file_name="x.xlsx")
    assert RegionStatistics.objects.get().region.code == "330600"


def test_reimport_replaces_the_values_and_is_audited(root):
    statistics.import_statistics(root, _xlsx(GOOD), file_name="a.xlsx")
    changed = list(GOOD)
    changed[2] = 36000000
    statistics.import_statistics(root, _xlsx(changed), file_name="b.xlsx")
    s = RegionStatistics.objects.get()
    assert s.industrial_value_added == 36000000 and s.version == 2
    assert s.batch.file_name == "b.xlsx" and StatisticsImport.objects.count() == 2
    events = AuditEvent.objects.filter(action="analytics.statistics.import").order_by("seq")
    assert events.count() == 2
    assert events.last().before["industrial_value_added"] == "35000000.0000"
    assert AuditEvent.objects.filter(action="analytics.statisticsimport.create").count() == 2


def test_the_command_imports_and_refuses(root, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx(GOOD))
    out = io.StringIO()
    call_command("analytics", "import-statistics", str(good), "--source", "年鉴", stdout=out)
    assert "imported 1 row(s)" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx(["330100", 1999]))
    with pytest.raises(CommandError):
        call_command("analytics", "import-statistics", str(bad), stdout=io.StringIO())
    assert RegionStatistics.objects.count() == 1
    template = tmp_path / "t.xlsx"
    call_command("analytics", "template", str(template), stdout=io.StringIO())
    assert statistics.read_xlsx(template.read_bytes())[0][0] == "行政区划代码"


# --- the plan's 2024 provincial figures ------------------------------------------------------


def test_2024_provincial_figures_are_reproduced(root):
    """5939.66 万吨 general + 789.6 万吨 hazardous over 31,010 亿元 of industrial value added
    = 0.217 t/万元; utilisation 99.6 %; facility load 47.8 % (docs/indicators.md)."""
    statistics.load_zhejiang_2024(root)
    s = RegionStatistics.objects.get(region__code="330000", year=2024)
    assert s.general_generated_t == Decimal("59396600") and s.hazardous_generated_t == 7896000
    values = {v.code: v for v in indicators.compute("33", 2024)}
    intensity = values["intensity"]
    assert intensity.value == 0.217
    assert intensity.detail["generated_t"] == 67_292_600  # 6,729.26 万吨
    assert intensity.detail["industrial_value_added"] == 310_100_000  # 万元 = 31,010 亿元
    assert "official statistics" in intensity.sources and "platform" not in intensity.sources
    assert values["general_utilisation_rate"].value == 99.6
    assert values["general_utilisation_rate"].status == "green"
    assert values["zero_waste_index"].detail["facility_load_rate"] == 47.8
    assert values["intensity"].status == "amber"  # 0.217: above 0.2, within the amber band


def test_cli_indicators_json_table_csv(root):
    import csv
    import json

    statistics.load_zhejiang_2024(root)
    out = io.StringIO()
    call_command(
        "analytics",
        "indicators",
        "--region",
        "33",
        "--year",
        "2024",
        "--format",
        "json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert payload["region"] == "330000" and len(payload["indicators"]) == 7
    first = payload["indicators"][0]
    assert (first["code"], first["value"], first["status"]) == ("intensity", 0.217, "amber")
    assert first["detail"]["generated_t"] == 67292600

    out = io.StringIO()
    call_command(
        "analytics",
        "indicators",
        "--region",
        "330000",
        "--year",
        "2024",
        "--format",
        "csv",
        stdout=out,
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["code"] for r in rows] == list(indicators.CODES)
    assert rows[1]["value"] == "99.6" and rows[2]["value"] == "" and rows[2]["status"] == "none"

    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command(
            "analytics",
            "indicators",
            "--region",
            "3306",
            "--year",
            "2025",
            "--month",
            "3",
            stdout=out,
        )
    text = out.getvalue()
    assert len(text.strip().splitlines()) == 7 and "—" in text and "产生强度" in text
    with pytest.raises(CommandError):
        call_command("analytics", "indicators", "--region", "33x", "--year", "2024")
