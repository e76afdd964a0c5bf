from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from wufei.core.models import AuditEvent
from wufei.ledger import actions
from wufei.ledger.models import Container, LedgerEntry, ScaleReading
from wufei.registry.tests.factories import member_of

from .factories import ContainerFactory

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(p, **kw):
    return {
        "site": p.site.pk,
        "waste_code": p.code.code,
        "package_type": "drum",
        "volume_litres": "200",
        **kw,
    }


def test_full_flow_through_the_api(p):
    client = api(p.user)
    r = client.post("/api/v1/containers/", body(p), format="json")
    assert r.status_code == 201, r.content
    pk = r.data["container"]["id"]
    assert r.data["container"]["status"] == "produced" and r.data["container"]["ident_code"] is None
    r = client.post(f"/api/v1/containers/{pk}/weigh/", {"weight_tonnes": "0.1800"}, format="json")
    assert r.status_code == 200 and r.data["container"]["weight_tonnes"] == "0.1800"
    r = client.post(f"/api/v1/containers/{pk}/code/", {}, format="json")
    code = r.data["container"]["ident_code"]
    assert r.status_code == 200 and len(code) == 37
    assert r.data["container"]["url"] == f"/c/{code}"
    r = client.post(
        f"/api/v1/containers/{code}/store-in/", {"facility": p.storage.pk}, format="json"
    )
    assert r.status_code == 200 and r.data["container"]["status"] == "stored"
    r = client.get(f"/api/v1/containers/{code}/")
    assert r.status_code == 200 and [e["kind"] for e in r.data["entries"]] == [
        "produced",
        "stored_in",
    ]
    assert r["ETag"] == f'"{r.data["version"]}"'
    r = client.post(
        f"/api/v1/containers/{code}/store-out/", {"destination": "委外处置"}, format="json"
    )
    assert r.status_code == 200 and r.data["container"]["status"] == "out"
    r = client.get("/api/v1/ledger-entries/?kind=stored_out")
    assert r.status_code == 200 and len(r.data["results"]) == 1
    entry = r.data["results"][0]
    assert entry["batch_number"] == "HWCK20260302001" and entry["quantity_tonnes"] == "0.1800"
    r = client.post(
        f"/api/v1/ledger-entries/{entry['id']}/reverse/", {"reason": "误操作"}, format="json"
    )
    assert r.status_code == 201 and r.data["kind"] == "reversal"
    assert r.data["reversal_of"] == "HWCK20260302001" and r.data["quantity_tonnes"] == "-0.1800"
    assert Container.objects.get(pk=pk).status == "stored"


def test_create_with_weight_codes_and_stores_in_one_call(p):
    r = api(p.user).post(
        "/api/v1/containers/",
        body(p, weight_tonnes="0.2", facility=p.storage.pk),
        format="json",
        HTTP_IDEMPOTENCY_KEY="phone-1",
    )
    assert r.status_code == 201 and r.data["container"]["status"] == "stored"
    again = api(p.user).post(
        "/api/v1/containers/",
        body(p, weight_tonnes="0.2", facility=p.storage.pk),
        format="json",
        HTTP_IDEMPOTENCY_KEY="phone-1",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Container.objects.count() == 1 and LedgerEntry.objects.count() == 2


def test_errors_have_code_field_and_message(p):
    client = api(p.user)
    r = client.post("/api/v1/containers/", body(p, waste_code="900-041-49"), format="json")
    assert r.status_code == 400 and r.json()["code"] in (
        "ledger.not_in_plan",
        "ledger.waste_code_unknown",
    )
    r = client.post("/api/v1/containers/", body(p, weight_tonnes="5"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "ledger.weight_implausible"
    assert r.json()["field"] == "weight_tonnes"
    c = client.post("/api/v1/containers/", body(p, weight_tonnes="0.2"), format="json").data
    code = c["container"]["ident_code"]
    r = client.post(f"/api/v1/containers/{code}/weigh/", {"weight_tonnes": "0.2"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "ledger.already_weighed"
    r = client.post(f"/api/v1/containers/{code}/store-out/", {"destination": "x"}, format="json")
    assert r.status_code == 409


def test_others_see_nothing_and_regulators_only_read(p, county_regulator):
    c = actions.produce_container(
        p.user, p.site, waste_code=p.code, weight_tonnes="0.2", package_type="drum",
        volume_litres="200",
    ).container  # fmt: skip
    stranger = member_of(ContainerFactory().organization)
    assert api(stranger).get(f"/api/v1/containers/{c.ident_code}/").status_code == 404
    reg = api(county_regulator)
    assert reg.get(f"/api/v1/containers/{c.ident_code}/").status_code == 200
    r = reg.post(
        f"/api/v1/containers/{c.ident_code}/store-in/", {"facility": p.storage.pk}, format="json"
    )
    assert r.status_code == 404
    assert api(None).get("/api/v1/containers/").status_code in (401, 403)


def _scale(p, facility=None):
    device, token = actions.register_scale(p.user, p.org, device_id="SC-01", facility=facility)
    client = APIClient()
    client.credentials(HTTP_X_SCALE_TOKEN=token)
    return device, client


def test_scale_reading_weighs_and_is_idempotent(p):
    c = actions.record_generation(
        p.user, p.site, waste_code=p.code, package_type="drum", volume_litres="200"
    )
    device, client = _scale(p)
    reading = {
        "device_id": "SC-01",
        "reading_id": "R-1",
        "container": str(c.pk),
        "weight_kg": "182.4",
    }
    r = client.post("/api/v1/scale-readings/", reading, format="json")
    assert r.status_code == 201, r.content
    assert r.data["outcome"] == "applied" and r.data["weight_tonnes"] == "0.1824"
    c.refresh_from_db()
    assert c.status == "weighed" and c.weighed_by == "scale" and c.scale_device == device
    assert (
        AuditEvent.objects.filter(action="ledger.container.weigh").get().actor_repr == "scale:SC-01"
    )
    r = client.post("/api/v1/scale-readings/", reading, format="json")
    assert r.status_code == 200 and r["Idempotent-Replayed"] == "true"
    assert ScaleReading.objects.count() == 1 and c.entries.count() == 1
    r = client.post("/api/v1/scale-readings/", {**reading, "weight_kg": "190"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "ledger.reading_reused"
    c = actions.assign_code(p.user, c)
    check = {**reading, "reading_id": "R-2", "container": c.ident_code, "weight_kg": "170"}
    r = client.post("/api/v1/scale-readings/", check, format="json")
    assert r.status_code == 201 and r.data["outcome"] == "checked"
    assert Decimal(r.data["deviation_tonnes"]) == Decimal("-0.0124")
    c.refresh_from_db()
    assert c.weight_tonnes == Decimal("0.1824")  # the label weight stays


def test_scale_refuses_bad_tokens_and_implausible_weights(p):
    c = actions.record_generation(
        p.user, p.site, waste_code=p.code, package_type="drum", volume_litres="200"
    )
    device, client = _scale(p)
    reading = {
        "device_id": "SC-01",
        "reading_id": "R-9",
        "container": str(c.pk),
        "weight_kg": "900",
    }
    r = client.post("/api/v1/scale-readings/", reading, format="json")
    assert r.status_code == 400 and r.json()["code"] == "ledger.weight_implausible"
    assert not ScaleReading.objects.exists() and not c.entries.exists()
    r = client.post(
        "/api/v1/scale-readings/",
        {**reading, "device_id": "OTHER", "weight_kg": "100"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "ledger.device_mismatch"
    bad = APIClient()
    bad.credentials(HTTP_X_SCALE_TOKEN="wrong")
    assert bad.post("/api/v1/scale-readings/", reading, format="json").status_code == 401
    assert APIClient().post("/api/v1/scale-readings/", reading, format="json").status_code == 401
    other = ContainerFactory()
    r = client.post(
        "/api/v1/scale-readings/",
        {**reading, "container": str(other.pk), "weight_kg": "100"},
        format="json",
    )
    assert r.status_code == 404
    _device, token = actions.rotate_scale_token(p.user, device)
    assert (
        client.post(
            "/api/v1/scale-readings/", {**reading, "weight_kg": "100"}, format="json"
        ).status_code
        == 401
    )


def test_general_waste_through_the_api(p, reference_data):
    from .factories import general_category

    general_category("SW59")
    client = api(p.user)
    r = client.post(
        "/api/v1/containers/",
        {
            "site": p.site.pk,
            "general_category": "SW59",
            "general_class": "II",
            "internal_name": "废边角料",
            "form": "solid",
            "package_type": "bulk_bag",
            "volume_litres": "1000",
            "weight_tonnes": "0.5",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    lot = r.data["container"]
    assert (
        lot["kind"] == "general" and lot["general_category"] == "SW59" and lot["status"] == "coded"
    )
    r = client.post(
        f"/api/v1/containers/{lot['ident_code']}/ship-out/",
        {"receiver_name": "某建材公司", "method": "R15"},
        format="json",
    )
    assert r.status_code == 200 and r.data["container"]["status"] == "shipped"
    assert r.data["container"]["entries"][-1]["batch_number"] == "CC20260302001"


def test_scale_devices_are_registered_by_admins_and_the_token_works(p):
    client = api(p.user)
    r = client.post(
        "/api/v1/scale-devices/",
        {"organization": p.org.uscc, "device_id": "GW-1", "facility": p.storage.pk},
        format="json",
    )
    assert r.status_code == 201 and r.data["token"] and r.data["facility"] == p.storage.pk
    token = r.data["token"]
    assert "token" not in client.get(f"/api/v1/scale-devices/{r.data['id']}/").data
    member = member_of(p.org, role="member")
    r2 = api(member).post(
        "/api/v1/scale-devices/", {"organization": p.org.uscc, "device_id": "GW-2"}, format="json"
    )
    assert r2.status_code == 403 and r2.json()["code"] == "ledger.add_not_allowed"
    c = actions.record_generation(
        p.user, p.site, waste_code=p.code, package_type="drum", volume_litres="200"
    )
    scale = APIClient()
    scale.credentials(HTTP_X_SCALE_TOKEN=token)
    reading = {"device_id": "GW-1", "reading_id": "1", "container": str(c.pk), "weight_kg": "150"}
    assert scale.post("/api/v1/scale-readings/", reading, format="json").status_code == 201
    r = client.post(f"/api/v1/scale-devices/{r.data['id']}/rotate-token/")
    assert r.status_code == 200 and r.data["token"] != token
    reading["reading_id"] = "2"
    assert scale.post("/api/v1/scale-readings/", reading, format="json").status_code == 401
