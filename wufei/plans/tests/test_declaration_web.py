"""Declaration pages, the Excel export and the API."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from wufei.core.models import AuditEvent
from wufei.plans.models import Declaration

from .clock import frozen
from .ledger_world import at, produce, producer

pytestmark = pytest.mark.django_db
API = "/api/v1/declarations/"


@pytest.fixture
def p(db):
    p = producer("key")
    produce(p, at(1, 10), "0.5000")
    return p


def test_generate_detail_confirm_and_excel(client, p):
    client.force_login(p.user)
    with frozen(at(2, 2)):
        r = client.post(
            reverse("plans:declaration_generate"),
            {"site": p.site.pk, "period_kind": "monthly", "period": "2026-03"},
        )
        assert r.status_code == 200 and "field-error" in r.content.decode()  # not ended yet
        r = client.post(
            reverse("plans:declaration_generate"),
            {"site": p.site.pk, "period_kind": "monthly", "period": "2026-01"},
        )
        decl = Declaration.objects.get()
        assert r["Location"] == reverse("plans:declaration_detail", args=[decl.pk])
        page = client.get(r["Location"]).content.decode()
        assert "表C.1 月度申报" in page and "0.5000" in page and 'data-testid="confirm"' in page
        assert (
            "上期末剩余贮存量（吨）" in page and b"style=" not in client.get(r["Location"]).content
        )
        r = client.post(reverse("plans:declaration_confirm", args=[decl.pk]))
        page = client.get(r["Location"]).content.decode()
        assert 'data-testid="confirm"' not in page and "plans.declaration.confirm" in page
        listing = client.get(reverse("plans:declaration_list"), {"period": "2026-01"})
        assert "2026-01" in listing.content.decode()
        r = client.get(reverse("plans:declaration_xlsx", args=[decl.pk]))
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == ["表C.1 月度申报"]
    assert ["单位名称", p.org.name] in rows and ["申报期", "2026-01"] in rows
    assert ["废物名称", "废物类别", "废物代码", "产生量（吨）"] in rows
    assert [
        "废物名称",
        "废物类别",
        "废物代码",
        "省（区、市）",
        "单位名称",
        "许可证编号/豁免单位编号/出口核准通知单编号",
        "接收单位类型",
        "利用/处置方式",
        "委托量（吨）",
    ] in rows
    assert [
        "废物名称",
        "废物类别",
        "废物代码",
        "上期末剩余贮存量（吨）",
        "本期末剩余贮存量（吨）",
    ] in rows
    generation = rows[rows.index(["废物名称", "废物类别", "废物代码", "产生量（吨）"]) + 1]
    assert generation[1:] == ["HW08", p.code.code, 0.5]


def test_overrun_and_overdue_are_flagged_on_the_pages(client, p, county_regulator):
    produce(p, at(2, 3), "2.0000", store=False, package="ibc")
    with frozen(at(3, 2)):
        from wufei.plans.actions import generate_declaration

        decl = generate_declaration(p.user, p.site, "monthly", "2026-02")
    client.force_login(p.user)
    with frozen(at(3, 20)):
        page = client.get(reverse("plans:declaration_detail", args=[decl.pk])).content.decode()
        assert 'data-testid="overruns"' in page and 'data-testid="overdue"' in page
        client.force_login(county_regulator)
        client.cookies["django_language"] = "en"
        page = client.get(reverse("plans:declaration_overdue")).content.decode()
        assert p.site.name in page and "Days overdue" in page
        page = client.get(reverse("plans:declaration_detail", args=[decl.pk])).content.decode()
        assert 'data-testid="confirm"' not in page  # the bureau sees, the producer confirms


def test_other_organisations_get_404(client, p):
    with frozen(at(2, 2)):
        from wufei.plans.actions import generate_declaration

        decl = generate_declaration(p.user, p.site, "monthly", "2026-01")
    other = producer("key")
    client.force_login(other.user)
    assert client.get(reverse("plans:declaration_detail", args=[decl.pk])).status_code == 404
    assert client.get(reverse("plans:declaration_xlsx", args=[decl.pk])).status_code == 404
    r = client.post(reverse("plans:declaration_confirm", args=[decl.pk]))
    assert r.status_code == 404


def test_api_generate_confirm_revise(client, p):
    client.force_login(p.user)
    body = {"site": p.site.pk, "period_kind": "monthly", "period": "2026-01"}
    with frozen(at(2, 2)):
        r = client.post(API, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
        assert r.status_code == 201, r.json()
        data = r.json()
        assert (
            data["period"] == "2026-01" and data["table"] == "C.1" and data["status"] == "generated"
        )
        gen = [x for x in data["lines"] if x["section"] == "generation"]
        assert gen[0]["tonnes"] == "0.5000" and gen[0]["plan_tonnes"] == "12.5000"
        again = client.post(API, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
        assert again.json() == data and again["Idempotent-Replayed"] == "true"
        assert Declaration.objects.count() == 1
        r = client.post(API, {**body, "period": "2026-02"}, content_type="application/json")
        assert r.status_code == 400 and r.json()["code"] == "plans.period_open"
        pk = data["id"]
        r = client.post(f"{API}{pk}/confirm/", HTTP_IF_MATCH='"99"')
        assert r.status_code == 409 and r.json()["code"] == "stale_version"
        r = client.post(f"{API}{pk}/confirm/", HTTP_IF_MATCH=f'"{data["version"]}"')
        assert r.status_code == 200 and r.json()["status"] == "confirmed"
        r = client.post(API, body, content_type="application/json")
        assert r.status_code == 409 and r.json()["code"] == "plans.declaration_confirmed"
        r = client.post(f"{API}{pk}/revise/", {"reason": ""}, content_type="application/json")
        assert r.status_code == 400 and r.json()["field"] == "reason"
        r = client.post(f"{API}{pk}/revise/", {"reason": "补录"}, content_type="application/json")
        assert r.status_code == 201 and r.json()["revision"] == 2
        listing = client.get(API, {"period": "2026-01", "current": "1"}).json()
        assert [x["id"] for x in listing["results"]] == [pk]
    assert AuditEvent.objects.filter(object_type="plans.declaration").count() == 3
    other = producer("key")
    client.force_login(other.user)
    assert client.get(f"{API}{pk}/").status_code == 404
    r = client.post(API, body, content_type="application/json")
    assert r.status_code == 404
