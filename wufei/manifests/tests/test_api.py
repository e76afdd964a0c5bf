"""The manifests API: a lifecycle through every endpoint, bad input, visibility, idempotency
and optimistic concurrency (ETag / If-Match)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rest_framework.test import APIClient

from wufei.core.models import IdempotencyRecord
from wufei.manifests import actions, signing
from wufei.manifests.models import Manifest, ManifestStatus, Signature
from wufei.registry.tests.factories import (
    DriverFactory,
    OrganizationFactory,
    VehicleFactory,
    member_of,
)

from .factories import stored_container

pytestmark = pytest.mark.django_db
BASE = "/api/v1/manifests/"


def api(user: Any, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def draft_body(trip: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "shipper_site": trip.producer.site.pk,
        "receiver": trip.receiver.uscc,
        "carrier": trip.carrier.uscc,
        "vehicle": trip.vehicle.pk,
        "driver": trip.driver.pk,
        "planned_pickup_on": "2026-03-02",
        "containers": [c.ident_code for c in trip.containers],
        "methods": "D10",
    }
    body.update(overrides)
    return body


def post(client: APIClient, path: str, body: Any = None, **headers: Any):
    return client.post(path, body or {}, format="json", **headers)


def created(trip: Any) -> dict[str, Any]:
    r = post(api(trip.shipper_user), BASE, draft_body(trip))
    assert r.status_code == 201, r.content
    return r.data


def submitted(trip: Any) -> dict[str, Any]:
    m = created(trip)
    r = post(api(trip.shipper_user), f"{BASE}{m['id']}/submit/")
    assert r.status_code == 200, r.content
    return r.data


def in_transit(trip: Any) -> dict[str, Any]:
    m = submitted(trip)
    driver = api(trip.driver_user)
    for c in trip.containers:
        assert (
            post(driver, f"{BASE}{m['id']}/scan-load/", {"code": c.ident_code}).status_code == 200
        )
    assert post(api(trip.shipper_user), f"{BASE}{m['id']}/sign-handover/").status_code == 200
    r = post(driver, f"{BASE}{m['id']}/sign-pickup/")
    assert r.status_code == 200, r.content
    return r.data


def arrived(trip: Any) -> dict[str, Any]:
    m = in_transit(trip)
    receiver = api(trip.receiver_user)
    for c in trip.containers:
        r = post(
            receiver,
            f"{BASE}{m['id']}/scan-arrival/",
            {"code": c.ident_code, "weight_tonnes": "0.1790"},
        )
        assert r.status_code == 200, r.content
    return r.data


def test_lifecycle_through_every_endpoint(trip):
    shipper, driver, receiver = (
        api(trip.shipper_user),
        api(trip.driver_user),
        api(trip.receiver_user),
    )
    r = post(shipper, BASE, draft_body(trip, route_note="G92"))
    assert r.status_code == 201, r.content
    m = r.data
    pk = m["id"]
    assert m["status"] == "draft" and m["number"] is None and r["ETag"] == '"1"'
    assert m["receiver"]["uscc"] == trip.receiver.uscc and m["route_note"] == "G92"
    assert [x["quantity_tonnes"] for x in m["lines"]] == ["0.5400"]
    assert len(m["items"]) == 3 and m["legs"][0]["sequence"] == 1

    r = shipper.patch(f"{BASE}{pk}/", {"route_note": "G60"}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200, r.content
    assert r.data["route_note"] == "G60" and r.data["version"] == 2 and r["ETag"] == '"2"'
    assert len(r.data["items"]) == 3  # untouched fields kept
    r = shipper.put(f"{BASE}{pk}/", draft_body(trip), format="json", HTTP_IF_MATCH='"2"')
    assert r.status_code == 200 and r.data["route_note"] == "" and r.data["version"] == 3

    r = post(shipper, f"{BASE}{pk}/submit/", HTTP_IF_MATCH='"3"')
    assert r.status_code == 200, r.content
    assert r.data["status"] == "submitted" and r.data["number"].startswith("20263306")
    for n, c in enumerate(trip.containers):
        r = post(
            driver,
            f"{BASE}{pk}/scan-load/",
            {"code": f"https://wufei.example/c/{c.ident_code}", "label_weight": "0.1800"},
        )
        assert r.status_code == 200, r.content
        assert r.data["remaining"] == 2 - n and not r.data["already"]
        assert r.data["item"]["status"] == "loaded"
    r = post(shipper, f"{BASE}{pk}/sign-handover/")
    assert r.status_code == 200, r.content
    r = post(driver, f"{BASE}{pk}/sign-pickup/", HTTP_IF_MATCH=r["ETag"])
    assert r.status_code == 200 and r.data["status"] == "in_transit"

    # 联运: a second carrier takes over on the way.
    carrier2 = OrganizationFactory(is_producer=False, is_carrier=True)
    vehicle2 = VehicleFactory(organization=carrier2)
    user2 = member_of(carrier2, role="driver")
    driver2 = DriverFactory(organization=carrier2, user=user2)
    r = post(
        driver,
        f"{BASE}{pk}/legs/",
        {
            "carrier": carrier2.uscc,
            "vehicle": vehicle2.pk,
            "driver": driver2.pk,
            "handover_place": "嘉兴服务区",
        },
    )
    assert r.status_code == 201, r.content
    assert [leg["sequence"] for leg in r.data["legs"]] == [1, 2]
    second = api(user2)
    r = post(second, f"{BASE}{pk}/sign-leg/")
    assert r.status_code == 409 and r.data["code"] == "manifests.scan_missing"
    assert len(r.data["details"]["missing"]) == 3
    for c in trip.containers:
        r = post(second, f"{BASE}{pk}/scan-leg/", {"code": c.ident_code})
        assert r.status_code == 200, r.content
    r = post(second, f"{BASE}{pk}/sign-leg/")
    assert r.status_code == 200 and r.data["current_leg"] == 2

    for c in trip.containers:
        r = post(
            receiver,
            f"{BASE}{pk}/scan-arrival/",
            {"code": c.ident_code, "weight_tonnes": "0.1790"},
        )
        assert r.status_code == 200, r.content
    assert r.data["status"] == "arrived" and r.data["remaining"] == 0
    r = post(
        receiver,
        f"{BASE}{pk}/sign-receipt/",
        {"lines": [{"position": 1, "method": "D10", "note": "ok"}]},
    )
    assert r.status_code == 200, r.content
    assert r.data["status"] == "received" and r.data["outcome"] == "accepted"
    assert r.data["lines"][0]["received_tonnes"] == "0.5370"
    r = post(receiver, f"{BASE}{pk}/treatment/", {"codes": [trip.containers[0].ident_code]})
    assert r.status_code == 200 and r.data["status"] == "received"
    r = post(receiver, f"{BASE}{pk}/treatment/", {})
    assert r.status_code == 200 and r.data["status"] == "closed"

    r = shipper.get(f"{BASE}{pk}/")
    assert r.status_code == 200 and r["ETag"] == f'"{r.data["version"]}"'
    steps = [x["step"] for x in r.data["signatures"]]
    assert steps == ["submit", "handover", "pickup", "leg_handover", "receipt", "treatment"]
    for data, sig in zip(
        r.data["signatures"], Signature.objects.filter(manifest_id=pk), strict=True
    ):
        assert data["content_sha256"] == sig.content_sha256 and len(data["content_sha256"]) == 64
        assert data["key_id"] == signing.key_id()
        assert data["platform_signature"] == sig.platform_signature and signing.verify(sig)
    assert {i["status"] for i in r.data["items"]} == {"treated"}


def test_cancel(trip):
    m = submitted(trip)
    r = post(api(trip.shipper_user), f"{BASE}{m['id']}/cancel/", {"reason": ""})
    assert r.status_code == 400 and r.data["field"] == "reason"
    r = post(api(trip.shipper_user), f"{BASE}{m['id']}/cancel/", {"reason": "车辆故障"})
    assert r.status_code == 200 and r.data["status"] == "cancelled"
    assert r.data["cancel_reason"] == "车辆故障"
    assert [x["step"] for x in r.data["signatures"]] == ["submit", "cancel"]


def test_refusal_at_receipt(trip):
    m = arrived(trip)
    code = trip.containers[0].ident_code
    receiver = api(trip.receiver_user)
    pk = Manifest.objects.get().pk
    assert m["status"] == "arrived"
    r = post(receiver, f"{BASE}{pk}/sign-receipt/", {"refused": {code: "包装破损"}})
    assert r.status_code == 400 and r.data["field"] == "reason"
    r = post(
        receiver,
        f"{BASE}{pk}/sign-receipt/",
        {"refused": {code: "包装破损"}, "reason": "破损", "refusal_route": "return"},
    )
    assert r.status_code == 200, r.content
    assert r.data["outcome"] == "partly_refused" and r.data["refusal_route"] == "return"


def test_list_filters(trip):
    m = submitted(trip)
    shipper = api(trip.shipper_user)
    number = m["number"]

    def ids(query: str) -> list[int]:
        r = shipper.get(f"{BASE}?{query}")
        assert r.status_code == 200, r.content
        return [x["id"] for x in r.data["results"]]

    assert ids("") == [m["id"]]
    assert ids("status=submitted") == [m["id"]] and ids("status=draft,closed") == []
    assert ids("kind=hazardous") == [m["id"]] and ids("kind=general") == []
    assert ids(f"number={number[:8]}") == [m["id"]] and ids("number=2025") == []
    assert ids(f"party={trip.receiver.uscc}") == [m["id"]]
    assert ids(f"party={trip.carrier.uscc.lower()}") == [m["id"]]
    assert ids("party=91330000000000000X") == []
    assert ids(f"waste_code={trip.producer.code.code}") == [m["id"]]
    assert ids("waste_code=900-000-00") == []
    assert ids(f"plate={trip.vehicle.plate}") == [m["id"]] and ids("plate=浙X00000") == []
    assert ids("date=2026-03-02") == [m["id"]] and ids("date=2026-03-03") == []
    assert ids("date_from=2026-03-01&date_to=2026-03-02") == [m["id"]]
    assert ids("date_from=2026-03-03") == []
    r = shipper.get(f"{BASE}?date=yesterday")
    assert r.status_code == 400 and r.data["field"] == "date"
    r = shipper.get(f"{BASE}?status=nonsense")
    assert r.status_code == 400 and r.data["field"] == "status"
    r = shipper.get(f"{BASE}?page_size=1")
    assert "next" in r.data and "lines" not in r.data["results"][0]


def test_bad_input_names_the_field_in_chinese(trip):
    zh = api(trip.shipper_user, "zh-hans")
    r = post(zh, BASE, draft_body(trip, planned_pickup_on="soon"))
    assert r.status_code == 400 and r.data["field"] == "planned_pickup_on"
    assert r.data["code"] == "validation.invalid" and "日期" in r.data["message"]
    r = post(zh, BASE, draft_body(trip, containers=[]))
    assert r.status_code == 400 and r.data["field"] == "containers"
    body = draft_body(trip)
    del body["vehicle"]
    r = post(zh, BASE, body)
    assert r.status_code == 400 and r.data["field"] == "vehicle"
    assert r.data["message"] == "该字段是必填项。"
    r = post(zh, BASE, draft_body(trip, receiver="91330000000000000X"))
    assert r.status_code == 400 and r.data["field"] == "receiver"
    assert r.data["code"] == "manifests.organization_unknown"
    assert "统一社会信用代码" in r.data["message"], r.data["message"]
    r = post(zh, BASE, draft_body(trip, methods=["D10"]))
    assert r.status_code == 400 and r.data["field"] == "methods"
    assert "处置" in r.data["message"], r.data["message"]
    r = post(zh, BASE, draft_body(trip, vehicle=999999))  # the action's own check
    assert r.status_code == 400 and r.data["field"] == "vehicle"
    assert r.data["code"] == "manifests.vehicle_required" and "车辆" in r.data["message"]
    assert not Manifest.objects.exists()

    m = submitted(trip)
    driver = api(trip.driver_user, "zh-hans")
    r = post(driver, f"{BASE}{m['id']}/scan-load/", {"code": "X" * 37})
    assert r.status_code == 409 and r.data["code"] == "manifests.scan_not_on_manifest"
    assert r.data["field"] == "code" and "不在联单" in r.data["message"], r.data["message"]
    r = post(driver, f"{BASE}{m['id']}/scan-load/", {})
    assert r.status_code == 400 and r.data["field"] == "code"
    r = post(driver, f"{BASE}{m['id']}/sign-pickup/")
    assert r.status_code == 409 and r.data["code"] == "manifests.handover_missing"
    r = post(api(trip.receiver_user), f"{BASE}{m['id']}/sign-handover/")
    assert r.status_code == 403 and r.data["code"] == "manifests.wrong_party"


def test_arrival_weight_is_required(trip):
    m = in_transit(trip)
    r = post(
        api(trip.receiver_user, "zh-hans"),
        f"{BASE}{m['id']}/scan-arrival/",
        {"code": trip.containers[0].ident_code},
    )
    assert r.status_code == 400 and r.data["field"] == "weight_tonnes"
    r = post(
        api(trip.receiver_user),
        f"{BASE}{m['id']}/scan-arrival/",
        {"code": trip.containers[0].ident_code, "weight_tonnes": "-1"},
    )
    assert r.status_code == 400 and r.data["field"] == "weight_tonnes"


def test_non_parties_get_404(trip):
    m = created(trip)
    stranger_org = OrganizationFactory()
    stranger = api(member_of(stranger_org))
    assert stranger.get(f"{BASE}{m['id']}/").status_code == 404
    assert stranger.get(BASE).data["results"] == []
    r = stranger.patch(f"{BASE}{m['id']}/", {"route_note": "x"}, format="json")
    assert r.status_code == 404 and r.data["code"] == "not_found"
    for verb in ("submit", "cancel", "scan-load", "sign-handover", "sign-receipt", "treatment"):
        r = post(stranger, f"{BASE}{m['id']}/{verb}/", {"reason": "x", "code": "x"})
        assert r.status_code == 404, (verb, r.content)
    assert stranger.get(f"{BASE}999999/").status_code == 404
    assert stranger.get(f"{BASE}abc/").status_code == 404
    assert api(trip.receiver_user).get(f"{BASE}{m['id']}/").status_code == 200


def test_idempotency_replay_returns_the_same_response(trip):
    shipper = api(trip.shipper_user)
    r1 = post(shipper, BASE, draft_body(trip), HTTP_IDEMPOTENCY_KEY="draft-1")
    r2 = post(shipper, BASE, draft_body(trip), HTTP_IDEMPOTENCY_KEY="draft-1")
    assert r1.status_code == r2.status_code == 201
    assert r2["Idempotent-Replayed"] == "true" and r2.data == r1.json()
    assert Manifest.objects.count() == 1
    pk = r1.data["id"]
    s1 = post(shipper, f"{BASE}{pk}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    s2 = post(shipper, f"{BASE}{pk}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert s1.status_code == s2.status_code == 200 and s2.data == s1.json()
    assert Signature.objects.filter(manifest_id=pk).count() == 1
    # Without the key, the same step again is a conflict, not a second signature.
    s3 = post(shipper, f"{BASE}{pk}/submit/")
    assert s3.status_code == 409 and s3.data["code"] == "manifests.not_draft"
    r = post(shipper, f"{BASE}{pk}/cancel/", {"reason": "x"}, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert r.status_code == 409 and r.data["code"] == "idempotency.key_reused"
    # A failed request stores nothing: the key can be used again.
    driver = api(trip.driver_user)
    bad = post(driver, f"{BASE}{pk}/scan-load/", {"code": "nope"}, HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 409
    assert not IdempotencyRecord.objects.filter(key="k").exists()
    code = trip.containers[0].ident_code
    ok = post(driver, f"{BASE}{pk}/scan-load/", {"code": code}, HTTP_IDEMPOTENCY_KEY="k2")
    again = post(driver, f"{BASE}{pk}/scan-load/", {"code": code}, HTTP_IDEMPOTENCY_KEY="k2")
    assert ok.status_code == again.status_code == 200 and again.data == ok.json()
    assert not again.data["already"]  # the stored first answer, not a second scan


def test_etag_and_if_match(trip):
    shipper = api(trip.shipper_user)
    m = created(trip)
    pk = m["id"]
    r = shipper.get(f"{BASE}{pk}/")
    assert r["ETag"] == '"1"'
    r = shipper.patch(f"{BASE}{pk}/", {"route_note": "A"}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r["ETag"] == '"2"'
    stale = shipper.patch(f"{BASE}{pk}/", {"route_note": "B"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409 and stale.data["code"] == "stale_version"
    assert stale.data["details"]["current_version"] == 2
    assert Manifest.objects.get(pk=pk).route_note == "A"
    r = shipper.patch(f"{BASE}{pk}/", {"route_note": "B"}, format="json", HTTP_IF_MATCH="abc")
    assert r.status_code == 400 and r.data["field"] == "If-Match"
    r = post(shipper, f"{BASE}{pk}/submit/", HTTP_IF_MATCH='"1"')
    assert r.status_code == 409 and r.data["code"] == "stale_version"
    assert Manifest.objects.get(pk=pk).status == ManifestStatus.DRAFT
    r = post(shipper, f"{BASE}{pk}/submit/", HTTP_IF_MATCH='W/"2"')
    assert r.status_code == 200 and r["ETag"] == '"3"'
    # Scans check If-Match too (under the manifest's lock).
    code = trip.containers[0].ident_code
    driver = api(trip.driver_user)
    r = post(driver, f"{BASE}{pk}/scan-load/", {"code": code}, HTTP_IF_MATCH='"2"')
    assert r.status_code == 409 and r.data["code"] == "stale_version"
    r = post(driver, f"{BASE}{pk}/scan-load/", {"code": code}, HTTP_IF_MATCH='"3"')
    assert r.status_code == 200 and r["ETag"] == '"3"'


def test_draft_cannot_change_after_submit(trip):
    m = submitted(trip)
    r = api(trip.shipper_user).patch(f"{BASE}{m['id']}/", {"route_note": "x"}, format="json")
    assert r.status_code == 409 and r.data["code"] == "manifests.not_draft"


def test_replayed_signatures_answer_409(trip):
    m = in_transit(trip)
    pk = m["id"]
    r = post(api(trip.driver_user), f"{BASE}{pk}/sign-pickup/")
    assert r.status_code == 409 and r.data["code"] == "manifests.not_loadable"
    r = post(api(trip.shipper_user), f"{BASE}{pk}/sign-handover/")
    assert r.status_code == 409 and r.data["code"] == "manifests.not_loadable", r.content
    assert Signature.objects.filter(manifest_id=pk, step="pickup").count() == 1
    arrived(dataclasses.replace(trip, containers=[stored_container(trip.producer, 50)]))
    pk = Manifest.objects.order_by("-pk").first().pk
    receiver = api(trip.receiver_user)
    assert post(receiver, f"{BASE}{pk}/sign-receipt/").status_code == 200
    r = post(receiver, f"{BASE}{pk}/sign-receipt/")
    assert r.status_code == 409 and r.data["code"] == "manifests.not_arrived"
    assert Signature.objects.filter(manifest_id=pk, step="receipt").count() == 1


def test_replayed_handover_before_pickup_answers_409(trip):
    m = submitted(trip)
    pk = m["id"]
    for c in trip.containers:
        post(api(trip.driver_user), f"{BASE}{pk}/scan-load/", {"code": c.ident_code})
    shipper = api(trip.shipper_user)
    assert post(shipper, f"{BASE}{pk}/sign-handover/").status_code == 200
    r = post(shipper, f"{BASE}{pk}/sign-handover/")
    assert r.status_code == 409, r.content
    assert Signature.objects.filter(manifest_id=pk, step="handover").count() == 1


def test_openapi_schema_lists_every_step(admin_client):
    r = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    text = r.content.decode()
    for verb in (
        "submit",
        "cancel",
        "scan-load",
        "sign-handover",
        "sign-pickup",
        "legs",
        "scan-leg",
        "sign-leg",
        "scan-arrival",
        "sign-receipt",
        "treatment",
    ):
        assert f"/api/v1/manifests/{{id}}/{verb}/" in text, verb


def test_actions_and_api_agree(trip):
    """The API's answer is the action's manifest (no second writer)."""
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    r = api(trip.shipper_user).get(f"{BASE}{m.pk}/")
    assert r.data["id"] == m.pk and r.data["version"] == m.version


def test_prefer_return_minimal(trip):
    m = created(trip)
    r = post(api(trip.shipper_user), f"{BASE}{m['id']}/submit/", HTTP_PREFER="return=minimal")
    assert r.status_code == 200 and r["Preference-Applied"] == "return=minimal"
    assert set(r.data) == {"id", "number", "status", "version"}
    assert r.data["status"] == "submitted" and r["ETag"] == f'"{r.data["version"]}"'
