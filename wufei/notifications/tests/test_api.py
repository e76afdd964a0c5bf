"""API: my notifications (cursor pages, read marks), webhook endpoints and deliveries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from wufei.core.models import AuditEvent
from wufei.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from wufei.notifications.service import publish

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _notify(w, n=1):
    for i in range(n):
        publish(
            "manifest.submitted",
            organizations=[w.a],
            title=f"联单 {i} 已提交",
            payload={},
            obj=w.a,
        )


def test_notifications_cursor_pages_and_only_mine(w):
    _notify(w, 3)
    r = api(w.a_member).get("/api/v1/notifications/?page_size=2")
    assert r.status_code == 200
    body = r.json()
    assert [n["title"] for n in body["results"]] == ["联单 2 已提交", "联单 1 已提交"]
    assert body["next"] and "cursor=" in body["next"]
    first = body["results"][0]
    assert first["organization"] == w.a.uscc and first["is_read"] is False
    assert first["object_type"] == "registry.organization" and first["object_label"] == "甲公司"
    r = api(w.a_member).get(body["next"])
    assert [n["title"] for n in r.json()["results"]] == ["联单 0 已提交"]
    assert r.json()["next"] is None
    assert api(w.b_admin).get("/api/v1/notifications/").json()["results"] == []
    theirs = Notification.objects.filter(recipient=w.a_member).first()
    assert api(w.a_admin).get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api(w.a_admin).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404


def test_read_one_read_all_and_unread_count(w, clock):
    _notify(w, 3)
    client = api(w.a_member)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 3}
    pk = Notification.objects.filter(recipient=w.a_member).order_by("pk").first().pk
    r = client.post(f"/api/v1/notifications/{pk}/read/", HTTP_IDEMPOTENCY_KEY="read-1")
    assert r.status_code == 200 and r.json()["is_read"] is True
    assert r.json()["read_at"].startswith("2026-03-02T09:30:00")
    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert len(unread) == 2 and pk not in [n["id"] for n in unread]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_endpoint_crud_secret_once(w):
    client = api(w.a_admin)
    r = client.post(
        "/api/v1/webhook-endpoints/",
        {"organization": w.a.uscc, "url": "https://erp.example.com/hook", "events": ["manifest.*"]},
        format="json",
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["secret"].startswith("whsec_") and created["events"] == ["manifest.*"]
    pk = created["id"]
    r = client.get(f"/api/v1/webhook-endpoints/{pk}/")
    assert r.status_code == 200 and "secret" not in r.json() and r["ETag"] == '"1"'
    assert [e["id"] for e in client.get("/api/v1/webhook-endpoints/").json()["results"]] == [pk]
    r = client.patch(
        f"/api/v1/webhook-endpoints/{pk}/",
        {"events": ["manifest.submitted", "manifest.received"]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert r.status_code == 200 and r["ETag"] == '"2"'
    assert r.json()["events"] == ["manifest.received", "manifest.submitted"]
    r = client.patch(
        f"/api/v1/webhook-endpoints/{pk}/",
        {"description": "x"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = client.post(f"/api/v1/webhook-endpoints/{pk}/disable/", {"reason": "维护"}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert r.json()["disabled_reason"] == "维护"
    r = client.post(f"/api/v1/webhook-endpoints/{pk}/disable/")
    assert r.status_code == 409 and r.json()["code"] == "notifications.endpoint_disabled"
    assert client.post(f"/api/v1/webhook-endpoints/{pk}/enable/").json()["is_active"] is True
    r = client.post(f"/api/v1/webhook-endpoints/{pk}/rotate-secret/")
    assert r.status_code == 200 and r.json()["secret"] != created["secret"]
    assert client.delete(f"/api/v1/webhook-endpoints/{pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(action="notifications.webhookendpoint.delete").exists()


def test_endpoint_errors_and_permissions(w):
    r = api(w.a_admin).post(
        "/api/v1/webhook-endpoints/",
        {"organization": w.a.uscc, "url": "ftp://x", "events": ["*"]},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "notifications.url_invalid"
    assert r.json()["field"] == "url"
    r = api(w.a_member).post(
        "/api/v1/webhook-endpoints/",
        {"organization": w.a.uscc, "url": "https://erp.example.com/hook"},
        format="json",
    )
    assert r.status_code == 404
    r = api(w.b_admin).post(
        "/api/v1/webhook-endpoints/",
        {"organization": w.a.uscc, "url": "https://erp.example.com/hook"},
        format="json",
    )
    assert r.status_code == 404 and not WebhookEndpoint.objects.exists()
    r = api(w.a_admin).post(
        "/api/v1/webhook-endpoints/",
        {"organization": w.a.uscc, "url": "https://erp.example.com/hook"},
        format="json",
    )
    pk = r.json()["id"]
    for outsider in (w.a_member, w.b_admin):
        assert api(outsider).get(f"/api/v1/webhook-endpoints/{pk}/").status_code == 404
        assert api(outsider).delete(f"/api/v1/webhook-endpoints/{pk}/").status_code == 404
    assert APIClient().get("/api/v1/webhook-endpoints/").status_code in (401, 403)


def test_deliveries_list_filters_and_redeliver(w, hook, endpoint, cb):
    hook.statuses = [500, 200, 200]
    with cb(execute=True):
        publish("manifest.submitted", organizations=[w.a], title="x", payload={"n": 1})
        publish("manifest.received", organizations=[w.a], title="y", payload={"n": 2})
    client = api(w.a_admin)
    rows = client.get("/api/v1/webhook-deliveries/").json()["results"]
    assert [(d["event"], d["status"]) for d in rows] == [
        ("manifest.received", "succeeded"),
        ("manifest.submitted", "failed"),
    ]
    failed = client.get("/api/v1/webhook-deliveries/?status=failed").json()["results"]
    assert len(failed) == 1 and failed[0]["payload"]["data"] == {"n": 1}
    assert failed[0]["attempts"] == 1 and failed[0]["last_status_code"] == 500
    assert client.get(f"/api/v1/webhook-deliveries/?endpoint={endpoint.pk}").json()["results"]
    assert client.get("/api/v1/webhook-deliveries/?endpoint=x").json()["results"] == []
    assert api(w.a_member).get("/api/v1/webhook-deliveries/").json()["results"] == []
    assert api(w.b_admin).get("/api/v1/webhook-deliveries/").json()["results"] == []
    with cb(execute=True):
        r = client.post(f"/api/v1/webhook-deliveries/{failed[0]['id']}/redeliver/")
    assert r.status_code == 202
    assert WebhookDelivery.objects.get(pk=failed[0]["id"]).status == "succeeded"


def test_send_test_through_the_api(w, hook, endpoint, cb):
    with cb(execute=True):
        r = api(w.a_admin).post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test/")
    assert r.status_code == 202 and r.json()["event"] == "webhook.test"
    assert hook.received[0].signature_ok


def test_schema_lists_the_endpoints(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    r = client.get("/api/schema/")
    assert r.status_code == 200
    for path in (
        b"/api/v1/notifications/read-all/",
        b"/api/v1/notifications/{id}/read/",
        b"/api/v1/webhook-endpoints/{id}/rotate-secret/",
        b"/api/v1/webhook-deliveries/{id}/redeliver/",
    ):
        assert path in r.content, path
