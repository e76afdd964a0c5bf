import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from wufei.ledger import actions
from wufei.ledger.models import Container
from wufei.registry.tests.factories import member_of

from .factories import ContainerFactory

pytestmark = pytest.mark.django_db

DRUM = {"package_type": "drum", "volume_litres": "200"}


def coded(p, facility=None):
    return actions.produce_container(
        p.user, p.site, waste_code=p.code, weight_tonnes="0.2", facility=facility, **DRUM
    ).container


def test_one_step_form_records_a_stored_container(client, p):
    client.force_login(p.user)
    r = client.get("/ledger/")
    assert r.status_code == 200 and "one-step-form" in r.content.decode()
    r = client.post(
        "/ledger/",
        {
            "site": p.site.pk,
            "waste": f"plan:{p.line.pk}",
            "package_type": "drum",
            "volume_litres": "200",
            "count": "1",
            "weight_kg": "185.5",
            "facility": p.storage.pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Container.objects.get()
    assert c.status == "stored" and str(c.weight_tonnes) == "0.1855"
    page = client.get("/ledger/").content.decode()
    assert c.ident_code in page and "print-today" in page


def test_one_step_form_shows_the_error_beside_the_field(client, p):
    client.force_login(p.user)
    r = client.post(
        "/ledger/",
        {
            "site": p.site.pk,
            "waste": f"plan:{p.line.pk}",
            "package_type": "drum",
            "volume_litres": "200",
            "count": "1",
            "weight_kg": "900",
        },
    )
    assert r.status_code == 200 and "field-error" in r.content.decode()
    assert not Container.objects.exists()


def test_container_page_steps_for_the_producer(client, p):
    c = coded(p)
    client.force_login(p.user)
    r = client.get(f"/c/{c.ident_code}")
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="steps"' in html and "HWCS20260302001" in html
    r = client.post(
        f"/ledger/containers/{c.pk}/step/", {"step": "store_in", "facility": p.storage.pk}
    )
    assert r.status_code == 302 and r["Location"] == f"/c/{c.ident_code}"
    c.refresh_from_db()
    assert c.status == "stored"
    # a replayed form (double click) is refused cleanly
    r = client.post(
        f"/ledger/containers/{c.pk}/step/", {"step": "store_in", "facility": p.storage.pk}
    )
    assert (
        r.status_code == 200
        and "field-error" in r.content.decode()
        or "form-error" in r.content.decode()
    )
    entry = c.entries.get(kind="stored_in")
    r = client.post(
        f"/ledger/containers/{c.pk}/step/", {"step": "reverse", "entry": entry.pk, "reason": "放错"}
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "coded"


def test_regulator_scanning_sees_history_read_only(client, p, county_regulator):
    c = coded(p, p.storage)
    client.force_login(county_regulator)
    r = client.get(f"/c/{c.ident_code}")
    html = r.content.decode()
    assert r.status_code == 200 and "HWRK20260302001" in html and 'data-testid="steps"' not in html
    r = client.post(f"/ledger/containers/{c.pk}/step/", {"step": "store_out", "destination": "x"})
    assert r.status_code == 404
    stranger = member_of(ContainerFactory().organization)
    client.force_login(stranger)
    assert client.get(f"/c/{c.ident_code}").status_code == 404


def test_labels_one_and_batch_as_one_pdf(client, p):
    a, b = coded(p), coded(p)
    client.force_login(p.user)
    r = client.get(f"/ledger/containers/{a.pk}/label.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    r = client.get(f"/ledger/labels.pdf?ids={a.pk}&ids={b.pk}")
    assert (
        r.status_code == 200
        and r.content.count(b"/Type /Page\n") + r.content.count(b"/Type /Page ") >= 1
    )
    assert client.get("/ledger/labels.pdf?today=1").content.startswith(b"%PDF")
    unweighed = actions.record_generation(p.user, p.site, waste_code=p.code, **DRUM)
    assert client.get(f"/ledger/containers/{unweighed.pk}/label.pdf").status_code == 404


def test_inventory_and_entries_pages(client, p):
    c = coded(p, p.storage)
    client.force_login(p.user)
    html = client.get("/ledger/inventory/").content.decode()
    assert c.ident_code in html and "TS001" in html
    html = client.get("/ledger/entries/?kind=stored_in").content.decode()
    assert "HWRK20260302001" in html and "HWCS20260302001" not in html
    r = client.get("/ledger/entries/?export=xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == "表B.1 产生环节"
    assert list(wb["表B.2 入库环节"].values)[1][0] == "HWRK20260302001"


def test_templates_have_no_inline_script_or_style():
    for path in Path(__file__).parents[1].joinpath("templates").rglob("*.html"):
        text = path.read_text()
        assert "<script" not in text and "style=" not in text and "<style" not in text, path


def test_label_data_of_a_container(p):
    from wufei.ledger.printing import container_label_data

    p.org.contact_name, p.org.contact_phone = "王工", "0575-88001234"
    c = coded(p)
    label = container_label_data(c, base="https://wufei.example.cn")
    assert label.ident_code == c.ident_code and label.waste_code == p.code.code
    assert label.waste_category == "HW08" and label.waste_form == "液态"
    assert label.hazards == ("T", "I") and str(label.weight_kg) == "200.0"
    assert label.qr_payload == f"https://wufei.example.cn/c/{c.ident_code}"
    assert label.producer_name == p.org.name and label.size.side_mm == 150


def test_general_lot_transfer_out_on_its_page(client, p, reference_data):
    from .factories import general_category

    general_category("SW59")
    lot = actions.produce_container(
        p.user, p.site, general_category="SW59", general_class="I", internal_name="废边角料",
        form="solid", package_type="bulk_bag", volume_litres="1000", weight_tonnes="0.4",
    ).container  # fmt: skip
    client.force_login(p.user)
    html = client.get(f"/c/{lot.ident_code}").content.decode()
    assert 'value="ship_out"' in html and "print-label" not in html
    r = client.post(
        f"/ledger/containers/{lot.pk}/step/",
        {"step": "ship_out", "receiver_name": "某建材公司", "method": "R15"},
    )
    assert r.status_code == 302
    lot.refresh_from_db()
    assert lot.status == "shipped"


def test_inventory_page_shows_age_warnings(client, p):
    import datetime as dt

    from wufei.plans.tests.clock import frozen

    from .conftest import NOW

    c = coded(p, p.storage)
    with frozen(NOW + dt.timedelta(days=310)):
        client.force_login(p.user)  # a session of "today" (the sessions last 8 hours)
        html = client.get("/ledger/inventory/").content.decode()
        detail = client.get(f"/c/{c.ident_code}").content.decode()
    assert "贮存接近一年" in html and "已贮存 310 天" in html  # pages speak Chinese by default
    assert "贮存接近一年" in detail
