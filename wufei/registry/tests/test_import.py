import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wufei.core.models import AuditEvent
from wufei.registry import actions
from wufei.registry.importing import read_rows, template_workbook
from wufei.registry.models import Organization

from .factories import OrganizationFactory, make_uscc, region

pytestmark = pytest.mark.django_db

HEADER = "统一社会信用代码,单位名称,行政区划代码,地址,法定代表人,联系人,联系电话,角色,行业代码,年产生量(吨)\n"


def _csv(lines):
    return io.BytesIO((HEADER + "".join(lines)).encode("utf-8-sig"))


def test_import_good_rows(city_regulator, county):
    rows = [
        {
            "uscc": make_uscc(50000 + i),
            "name": f"导入单位{i}",
            "region": "330602",
            "roles": "producer",
            "annual_hazardous_tonnes": str(i * 30),
        }
        for i in range(5)
    ]
    seen = []
    result = actions.import_organizations(city_regulator, rows, progress=seen.append)
    assert result.ok and result.created == 5 and seen[-1] == 5
    assert Organization.objects.filter(name__startswith="导入单位").count() == 5
    assert Organization.objects.get(name="导入单位4").management_class == "key"
    assert AuditEvent.objects.filter(action="registry.organization.import").count() == 5


def test_bad_row_imports_nothing_and_reports_every_problem(city_regulator):
    OrganizationFactory(uscc=make_uscc(777))
    rows = [
        {"uscc": make_uscc(1001), "name": "好单位", "region": "330602", "roles": "producer"},
        {"uscc": "91330602XXXXXXXX", "name": "坏代码", "region": "330602", "roles": "producer"},
        {"uscc": make_uscc(1002), "name": "", "region": "999999", "roles": "painter"},
        {"uscc": make_uscc(1001), "name": "重复", "region": "330602", "roles": "carrier"},
        {"uscc": make_uscc(777), "name": "已注册", "region": "330602", "roles": "carrier"},
    ]
    result = actions.import_organizations(city_regulator, rows)
    assert not result.ok and result.created == 0
    problems = {(e.row, e.field, e.code) for e in result.errors}
    assert (3, "uscc", "registry.uscc_invalid") in problems
    assert (4, "name", "registry.required") in problems
    assert (4, "region", "registry.region_unknown") in problems
    assert (4, "roles", "registry.role_unknown") in problems
    assert (5, "uscc", "registry.uscc_duplicate") in problems
    assert (6, "uscc", "registry.uscc_duplicate") in problems
    assert not Organization.objects.filter(name="好单位").exists()
    assert not AuditEvent.objects.filter(action="registry.organization.import").exists()


def test_outside_jurisdiction_row(db):
    from .factories import regulator

    hangzhou = regulator("3301")
    region("330602")
    result = actions.import_organizations(
        hangzhou, [{"uscc": make_uscc(3), "name": "a", "region": "330602", "roles": "producer"}]
    )
    assert result.errors[0].code == "registry.region_outside_jurisdiction"


def test_read_csv_with_chinese_and_english_headers(db):
    rows = read_rows(
        _csv(
            [f"{make_uscc(1)},单位甲,330602,地址,张三,李四,13800000000,产废单位、承运人,C26,12.5\n"]
        ),
        "x.csv",
    )
    assert (
        rows[0]["uscc"] == make_uscc(1)
        and rows[0]["roles"] == "产废单位、承运人"
        and rows[0]["_row"] == 2
    )
    english = io.BytesIO(f"uscc,name,region,roles\n{make_uscc(2)},B,330602,carrier\n".encode())
    assert read_rows(english, "y.csv")[0]["name"] == "B"


def test_xlsx_template_round_trip(db):
    buf = io.BytesIO()
    template_workbook().save(buf)
    buf.seek(0)
    assert read_rows(buf, "t.xlsx") == []


def test_command_imports_file(tmp_path, superuser, county):
    path = tmp_path / "orgs.csv"
    path.write_bytes(
        _csv([f"{make_uscc(i)},命令导入{i},330602,,,,,producer,,\n" for i in range(3)]).getvalue()
    )
    out = io.StringIO()
    call_command(
        "import_organizations", str(path), "--user", "root", stdout=out, stderr=io.StringIO()
    )
    assert Organization.objects.filter(name__startswith="命令导入").count() == 3
    assert "3" in out.getvalue()


def test_command_reports_bad_rows_and_imports_nothing(tmp_path, superuser, county):
    path = tmp_path / "orgs.csv"
    report = tmp_path / "report.csv"
    path.write_bytes(
        _csv(
            [f"{make_uscc(1)},好,330602,,,,,producer,,\n", "123,坏,330602,,,,,producer,,\n"]
        ).getvalue()
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_organizations",
            str(path),
            "--user",
            "root",
            "--report",
            str(report),
            stdout=out,
            stderr=io.StringIO(),
        )
    assert not Organization.objects.filter(name__in=["好", "坏"]).exists()
    text = report.read_text(encoding="utf-8-sig")
    assert "3" in text and "统一社会信用代码" in text
    assert "行 3" in out.getvalue() or "row 3" in out.getvalue().lower()
