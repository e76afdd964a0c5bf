"""Ledger import through the API (POST /api/v1/ledger-imports/) and the page (ledger:import)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from wufei.core.models import IdempotencyRecord
from wufei.ledger.excel import TABLES
from wufei.ledger.models import Container, LedgerEntry
from wufei.registry.tests.factories import member_of

from .test_import import counts, good_csv

pytestmark = pytest.mark.django_db
URL = "/api/v1/ledger-imports/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows(p, **last):
    return [
        {"stage": "produced", "time": "2026-02-01 09:00", "waste_code": p.code.code,
         "quantity": "0.18", "package_type": "drum", "container_code": "J1", "operator": "张三"},
        {"stage": "stored_in", "time": "2026-02-01 10:00", "container_code": "J1",
         "facility": "TS001", **last},
    ]  # fmt: skip


def test_api_json_rows_import(p):
    r = api(p.user).post(URL, {"site": p.site.pk, "rows": rows(p)}, format="json")
    assert r.status_code == 201, r.content
    assert (r.data["rows"], r.data["containers"], r.data["entries"]) == (2, 1, 2)
    assert r.data["import_id"] and r.data["warnings"] == []
    assert Container.objects.get().status == "stored"


def test_api_bad_row_is_400_with_every_row_error_and_nothing_written(p):
    before = counts()
    body = {"site": p.site.pk, "rows": [*rows(p, facility="NOPE"), {"stage": "x", "time": "1"}]}
    r = api(p.user).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert r.status_code == 400
    assert r.data["code"] == "ledger.import_invalid" and r.data["field"] == "rows"
    details = r.data["details"]
    assert details["rows"] == 3 and details["error_count"] == 2
    assert [(e["row"], e["column"], e["code"]) for e in details["errors"]] == [
        (2, "facility", "ledger.facility_unknown"),
        (3, "环节", "ledger.import_stage"),
    ]
    assert all(e["message"] for e in details["errors"])
    assert counts() == before and not IdempotencyRecord.objects.exists()


def test_api_idempotency_key_replay_writes_nothing(p):
    body = {"site": p.site.pk, "rows": rows(p)}
    first = api(p.user).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="imp-1")
    assert first.status_code == 201
    before = counts()
    again = api(p.user).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="imp-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.data == first.data and counts() == before


def test_api_file_upload_and_permissions(p, reference_data):
    upload = SimpleUploadedFile("ledger.csv", good_csv(p).encode(), content_type="text/csv")
    r = api(p.user).post(URL, {"site": p.site.pk, "file": upload}, format="multipart")
    assert r.status_code == 201, r.content
    assert (r.data["containers"], r.data["entries"]) == (2, 5)
    reader = member_of(p.org, role="reader")
    r = api(reader).post(URL, {"site": p.site.pk, "rows": rows(p)}, format="json")
    assert r.status_code == 403 and r.data["code"] == "ledger.add_not_allowed"
    stranger = member_of(producer_org())
    r = api(stranger).post(URL, {"site": p.site.pk, "rows": rows(p)}, format="json")
    assert r.status_code == 404
    bad = SimpleUploadedFile("ledger.pdf", b"%PDF", content_type="application/pdf")
    r = api(p.user).post(URL, {"site": p.site.pk, "file": bad}, format="multipart")
    assert r.status_code == 400 and r.data["code"] == "ledger.import_type"
    r = api(p.user).post(URL, {"site": p.site.pk, "rows": []}, format="json")
    assert r.status_code == 400 and r.data["field"] == "rows"


def producer_org():
    from wufei.registry.tests.factories import OrganizationFactory

    return OrganizationFactory()


def upload(name, text):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_page_imports_a_good_file_with_counts(client, p):
    client.force_login(p.user)
    client.cookies["django_language"] = "en"
    r = client.get(reverse("ledger:import"))
    assert r.status_code == 200 and "import-form" in r.content.decode()
    assert "<script>" not in r.content.decode() and "style=" not in r.content.decode()
    r = client.post(
        reverse("ledger:import"),
        {"site": p.site.pk, "file": upload("a.csv", good_csv(p))},
        follow=True,
    )
    html = r.content.decode()
    assert "5 rows, 2 containers, 5 entries" in html, html[:3000]
    assert LedgerEntry.objects.count() == 5


def test_page_bad_file_shows_the_report_in_chinese_and_writes_nothing(client, p):
    client.force_login(p.user)
    before = counts()
    text = good_csv(p) + "\n入库,2026-02-01 12:00,,,,D2,,,NOPE,,,"
    r = client.post(reverse("ledger:import"), {"site": p.site.pk, "file": upload("b.csv", text)})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="import-report"' in html
    assert "未导入任何数据" in html or "没有导入" in html, html
    assert "<td>7</td><td>facility</td>" in html and "NOPE" in html
    assert "不是" in html  # "NOPE 不是 … 的在用设施"
    assert counts() == before


def test_template_download_and_link_from_entries(client, p):
    client.force_login(p.user)
    r = client.get(reverse("ledger:import_template"))
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [t[0] for t in TABLES[:4]]
    assert [c.value for c in wb.worksheets[0][1]] == TABLES[0][2] and wb.worksheets[0].max_row == 1
    assert reverse("ledger:import") in client.get("/ledger/entries/").content.decode()
    reader = member_of(p.org, role="reader")
    client.force_login(reader)
    assert reverse("ledger:import") not in client.get("/ledger/entries/").content.decode()
    assert client.get(reverse("ledger:import")).status_code == 404


def test_chinese_is_the_default(client, p):
    client.force_login(p.user)
    html = client.get(reverse("ledger:import")).content.decode()
    assert "导入台账" in html and "下载模板" in html
    r = api(p.user).post(URL, {"site": p.site.pk, "rows": rows(p, facility="NOPE")}, format="json")
    assert "未导入" in r.data["message"] and "不是" in r.data["details"]["errors"][0]["message"]
