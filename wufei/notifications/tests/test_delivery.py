"""Webhook delivery to a real HTTP server on 127.0.0.1: signature, retries with back-off,
abandoning, disabling a failing endpoint, refused addresses."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from wufei.core.models import AuditEvent
from wufei.notifications import actions, delivery, signing, tasks, transport
from wufei.notifications.models import Notification, WebhookDelivery
from wufei.notifications.service import publish
from wufei.plans.tests.clock import frozen

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _publish(w, event="manifest.submitted", **kw):
    return publish(
        event,
        organizations=[w.a],
        title="联单已提交",
        payload={"number": "20263306000001", "tonnes": "1.2500"},
        **kw,
    )


def _later(seconds: float):
    return frozen(NOW + dt.timedelta(seconds=seconds))


def _settings(settings, **values):
    settings.WUFEI = {**settings.WUFEI, **values}


def test_delivered_signed_to_a_real_server(w, hook, endpoint, clock, cb):
    with cb(execute=True):
        result = _publish(w)
    assert len(hook.received) == 1
    got = hook.received[0]
    assert got.signature_ok, "the receiver's own HMAC check failed"
    assert got.path == "/wufei/hook"
    assert got.headers["X-Wufei-Event"] == "manifest.submitted"
    assert got.headers["X-Wufei-Delivery"] == str(result.event_id)
    assert got.headers["X-Wufei-Timestamp"] == str(int(NOW.timestamp()))
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.json["data"] == {"number": "20263306000001", "tonnes": "1.2500"}
    assert got.json["organization"]["uscc"] == w.a.uscc
    # the documented check accepts it, and refuses a changed body or another secret
    ts, sig = got.headers["X-Wufei-Timestamp"], got.headers["X-Wufei-Signature"]
    assert signing.verify_signature(hook.secret, got.body, ts, sig, now=int(ts) + 10)
    assert not signing.verify_signature(hook.secret, got.body + b" ", ts, sig, now=int(ts))
    assert not signing.verify_signature("whsec_other", got.body, ts, sig, now=int(ts))
    assert not signing.verify_signature(hook.secret, got.body, ts, sig, now=int(ts) + 301)
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 1, 200)
    assert d.delivered_at == NOW and d.next_attempt_at is None and d.last_error == ""


def test_failure_is_retried_with_back_off_then_succeeds(w, hook, endpoint, clock, cb):
    hook.statuses = [500, 200]
    with cb(execute=True):
        _publish(w)
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == ("failed", 1, 500)
    assert d.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert "receiver says no" in d.last_error
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.is_active
    # not due yet: the sweep leaves it alone
    with _later(59), cb(execute=True):
        assert tasks.deliver_due.delay().get() == 0
    assert len(hook.received) == 1
    with _later(61), cb(execute=True):
        assert tasks.deliver_due.delay().get() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 2, 200)
    assert len(hook.received) == 2 and all(r.signature_ok for r in hook.received)
    # the same event id both times (receivers drop repeats), a newer timestamp
    first, second = hook.received
    assert first.headers["X-Wufei-Delivery"] == second.headers["X-Wufei-Delivery"]
    assert first.body == second.body
    assert int(second.headers["X-Wufei-Timestamp"]) == int(NOW.timestamp()) + 61
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_back_off_steps_and_abandon_after_max_attempts(w, hook, endpoint, clock, cb, settings):
    _settings(settings, WEBHOOK_MAX_FAILURES=100)
    hook.statuses = [503]
    with cb(execute=True):
        _publish(w)
    d = WebhookDelivery.objects.get()
    elapsed = 0
    for expected_wait in (60, 300, 1800, 7200, 43200):
        assert d.next_attempt_at == NOW + dt.timedelta(seconds=elapsed + expected_wait)
        elapsed += expected_wait
        with _later(elapsed), cb(execute=True):
            delivery.deliver_due()
        d.refresh_from_db()
    assert (d.status, d.attempts, d.next_attempt_at) == ("abandoned", 6, None)
    assert len(hook.received) == 6
    with _later(elapsed + 10**6), cb(execute=True):
        assert delivery.deliver_due() == 0


def test_repeated_failures_disable_the_endpoint_and_tell_its_admins(
    w, hook, endpoint, clock, cb, settings, mailoutbox
):
    _settings(settings, WEBHOOK_MAX_FAILURES=3)
    hook.statuses = [500]
    with cb(execute=True):
        for _ in range(3):
            _publish(w)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.consecutive_failures == 3
    assert endpoint.disabled_at == NOW and "连续3次推送失败" in endpoint.disabled_reason
    event = AuditEvent.objects.get(action="notifications.webhookendpoint.auto_disable")
    assert event.actor_repr == "system:webhooks" and event.organization_id_ref == w.a.pk
    told = Notification.objects.filter(event="webhook.endpoint_disabled")
    assert [n.recipient for n in told] == [w.a_admin]  # administrators only
    assert told.get().url == f"/notifications/webhooks/{endpoint.pk}/"
    assert any("a_admin@example.cn" in m.to for m in mailoutbox)
    # a disabled endpoint gets no new deliveries, and its pending ones wait
    with cb(execute=True):
        _publish(w)
    assert WebhookDelivery.objects.count() == 3 and len(hook.received) == 3
    with _later(3600), cb(execute=True):
        assert delivery.deliver_due() == 0
    # enabled again (the receiver is fixed): the waiting deliveries go out
    hook.statuses = [200]
    actions.enable_endpoint(w.a_admin, endpoint)
    with _later(3600), cb(execute=True):
        assert delivery.deliver_due() == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_an_endpoint_not_subscribed_gets_nothing(w, hook, clock, cb):
    ep, hook.secret = actions.create_endpoint(
        w.a_admin, w.a, url=hook.url, events=["manifest.received"]
    )
    with cb(execute=True):
        _publish(w, "manifest.submitted")
    assert hook.received == [] and WebhookDelivery.objects.count() == 0
    with cb(execute=True):
        _publish(w, "manifest.received")
    assert [r.headers["X-Wufei-Event"] for r in hook.received] == ["manifest.received"]


def test_a_redirect_is_a_failure_not_followed(w, hook, endpoint, clock, cb):
    hook.statuses = [302]
    with cb(execute=True):
        _publish(w)
    d = WebhookDelivery.objects.get()
    assert d.status == "failed" and d.last_status_code == 302 and len(hook.received) == 1


def test_a_closed_port_is_a_failure(w, clock, cb):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    actions.create_endpoint(w.a_admin, w.a, url=f"http://127.0.0.1:{port}/")
    with cb(execute=True):
        _publish(w)
    d = WebhookDelivery.objects.get()
    assert d.status == "failed" and d.last_status_code is None and "Refused" in d.last_error


def test_internal_addresses_are_refused_when_sending(w, hook, endpoint, clock, cb, settings):
    _settings(settings, WEBHOOK_ALLOW_LOOPBACK=False)
    with cb(execute=True):
        _publish(w)
    d = WebhookDelivery.objects.get()
    assert hook.received == [] and d.status == "failed"
    assert "address not allowed" in d.last_error


def test_urls_checked_when_saved(w, settings):
    from wufei.core.errors import ValidationFailed

    _settings(settings, WEBHOOK_ALLOW_LOOPBACK=False, WEBHOOK_ALLOW_PRIVATE=False)
    for bad, code in [
        ("ftp://example.com/x", "notifications.url_invalid"),
        ("example.com/hook", "notifications.url_invalid"),
        ("https://user:pw@example.com/", "notifications.url_credentials"),
        ("http://169.254.169.254/latest/meta-data", "notifications.url_address_refused"),
        ("http://localhost:8000/", "notifications.url_address_refused"),
        ("http://10.1.2.3/hook", "notifications.url_address_refused"),
        ("http://[::1]/hook", "notifications.url_address_refused"),
    ]:
        with pytest.raises(ValidationFailed) as e:
            transport.check_url(bad)
        assert e.value.code == code, bad
    assert transport.check_url(" https://erp.example.com/hook?x=1 ") == (
        "https://erp.example.com/hook?x=1"
    )
    _settings(settings, WEBHOOK_ALLOW_PRIVATE=True)
    assert transport.check_url("http://10.1.2.3/hook") == "http://10.1.2.3/hook"


def test_a_claimed_delivery_is_not_sent_twice(w, hook, endpoint, clock):
    _publish(w)  # on_commit not run: the delivery waits
    d = WebhookDelivery.objects.get()
    assert delivery.claim(d.pk, NOW) is not None
    assert delivery.claim(d.pk, NOW) is None  # a second worker finds it leased
    assert delivery.attempt(d.pk) is None and hook.received == []


def test_secret_rotation_signs_with_the_new_secret(w, hook, endpoint, clock, cb):
    old = hook.secret
    _ep, hook.secret = actions.rotate_secret(w.a_admin, endpoint)
    assert hook.secret != old
    with cb(execute=True):
        _publish(w)
    assert hook.received[0].signature_ok


def test_body_bytes_are_stable():
    payload = {"b": 1, "a": {"y": "联单", "x": [1, 2]}}
    assert signing.body_bytes(payload) == signing.body_bytes(json.loads(json.dumps(payload)))
    assert signing.body_bytes(payload) == '{"a":{"x":[1,2],"y":"联单"},"b":1}'.encode()
    assert signing.sign("s", 1, b"{}") == signing.sign("s", "1", b"{}")
    assert signing.sign("s", 1, b"{}").startswith("sha256=")
