"""Pages: my notifications with the top-bar badge; the webhook pages of an administrator."""

from __future__ import annotations

import pytest

from wufei.notifications import actions
from wufei.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from wufei.notifications.service import publish

pytestmark = pytest.mark.django_db


def _notify(w, title="联单 20263306000001 已提交", url="/ledger/"):
    publish("manifest.submitted", organizations=[w.a], title=title, url=url, payload={})


def test_list_badge_and_read_marks(client, w):
    _notify(w)
    _notify(w, title="联单 20263306000002 已接收")
    client.force_login(w.a_member)
    html = client.get("/").content.decode()
    assert '<span class="badge red" data-testid="unread-count">✉ 2</span>' in html
    html = client.get("/notifications/").content.decode()
    assert "20263306000001" in html and "20263306000002" in html
    assert html.count('data-testid="notification"') == 2
    first = Notification.objects.filter(recipient=w.a_member).order_by("pk").first()
    r = client.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/?show=unread"})
    assert r.status_code == 302 and r["Location"] == "/notifications/?show=unread"
    html = client.get("/notifications/?show=unread").content.decode()
    assert html.count('data-testid="notification"') == 1 and "20263306000001" not in html
    r = client.post("/notifications/read-all/")
    assert r.status_code == 302
    assert not Notification.objects.filter(recipient=w.a_member, read_at__isnull=True).exists()
    html = client.get("/").content.decode()
    assert 'data-testid="unread-count"' not in html and 'data-testid="notification-badge"' in html


def test_open_marks_read_and_follows_a_local_link_only(client, w):
    _notify(w, url="/ledger/")
    _notify(w, url="https://evil.example.com/")
    client.force_login(w.a_member)
    local, remote = Notification.objects.filter(recipient=w.a_member).order_by("pk")
    r = client.post(f"/notifications/{local.pk}/read/", {"open": "1"})
    assert r["Location"] == "/ledger/"
    r = client.post(f"/notifications/{remote.pk}/read/", {"open": "1"})
    assert r["Location"] == "/notifications/"
    assert not Notification.objects.filter(recipient=w.a_member, read_at__isnull=True).exists()


def test_someone_elses_notification_is_404(client, w):
    _notify(w)
    client.force_login(w.a_admin)
    theirs = Notification.objects.get(recipient=w.a_member)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{theirs.pk}/read/").status_code == 405


def test_create_endpoint_shows_the_secret_once(client, w, hook):
    client.force_login(w.a_admin)
    assert (
        'href="/notifications/webhooks/new/"'
        in client.get("/notifications/webhooks/").content.decode()
    )
    r = client.post(
        "/notifications/webhooks/new/",
        {"organization": w.a.pk, "url": hook.url, "events": "manifest.*", "description": "ERP"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    ep = WebhookEndpoint.objects.get()
    assert ep.events == ["manifest.*"] and ep.organization == w.a
    html = client.get(r["Location"]).content.decode()
    assert 'data-testid="secret"' in html and ep.secret in html
    html = client.get(r["Location"]).content.decode()
    assert ep.secret not in html and hook.url in html


def test_create_form_shows_errors_beside_the_field(client, w):
    client.force_login(w.a_admin)
    r = client.post(
        "/notifications/webhooks/new/",
        {"organization": w.a.pk, "url": "ftp://x", "events": "Bad Event"},
    )
    assert r.status_code == 200 and "field-error" in r.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_webhook_pages_are_for_administrators(client, w, endpoint):
    client.force_login(w.a_member)
    assert client.get("/notifications/webhooks/new/").status_code == 404
    assert client.get(f"/notifications/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/notifications/webhooks/{endpoint.pk}/test/").status_code == 404
    html = client.get("/notifications/webhooks/").content.decode()
    assert endpoint.url not in html and 'href="/notifications/webhooks/new/"' not in html
    client.force_login(w.b_admin)
    assert client.get(f"/notifications/webhooks/{endpoint.pk}/").status_code == 404


def test_detail_test_event_log_disable_enable_edit(client, w, hook, endpoint, cb):
    client.force_login(w.a_admin)
    url = f"/notifications/webhooks/{endpoint.pk}/"
    hook.statuses = [500, 200]
    with cb(execute=True):
        r = client.post(f"{url}test/")
    assert r.status_code == 302 and len(hook.received) == 1
    html = client.get(url).content.decode()
    assert html.count('data-testid="delivery"') == 1
    assert "webhook.test" in html and "receiver says no" in html and "badge orange" in html
    d = WebhookDelivery.objects.get()
    with cb(execute=True):
        client.post(f"/notifications/deliveries/{d.pk}/redeliver/")
    d.refresh_from_db()
    assert d.status == "succeeded"
    assert "badge green" in client.get(f"{url}?status=succeeded").content.decode()
    assert 'data-testid="delivery"' not in client.get(f"{url}?status=failed").content.decode()
    r = client.post(f"{url}state/", {"to": "disable", "reason": "维护", "version": "1"})
    endpoint.refresh_from_db()
    assert r.status_code == 302 and not endpoint.is_active
    assert endpoint.disabled_reason == "维护"
    html = client.get(url).content.decode()
    assert 'data-testid="enable"' in html and 'data-testid="send-test"' not in html
    client.post(f"{url}state/", {"to": "enable", "version": str(endpoint.version)})
    endpoint.refresh_from_db()
    assert endpoint.is_active
    r = client.post(
        f"{url}edit/",
        {"url": hook.url, "events": "manifest.received", "version": str(endpoint.version)},
    )
    assert r.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["manifest.received"]
    r = client.post(f"{url}secret/")
    html = client.get(url).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in html


def test_navigation_entries(client, w):
    client.force_login(w.a_admin)
    html = client.get("/").content.decode()
    assert 'href="/notifications/"' in html and 'href="/notifications/webhooks/"' in html
    client.force_login(w.a_member)
    html = client.get("/").content.decode()
    assert 'href="/notifications/"' in html and 'href="/notifications/webhooks/"' not in html


def test_pages_are_chinese(client, w, endpoint):
    _notify(w)
    client.force_login(w.a_admin)
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "通知" in html and "全部标为已读" in html and "未读" in html
    html = client.get(f"/notifications/webhooks/{endpoint.pk}/").content.decode()
    assert "推送记录" in html and "发送测试事件" in html and "启用中" in html
    assert "事件推送地址 · 新建" in html
    actions.send_test(w.a_admin, endpoint)
    html = client.get(f"/notifications/webhooks/{endpoint.pk}/").content.decode()
    assert "事件推送地址 · 发送测试事件" in html


def test_anonymous_is_sent_to_login(client):
    r = client.get("/notifications/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert "notification-badge" not in client.get("/accounts/login/").content.decode()


def test_actions_reject_a_bad_state_with_a_message(client, w, endpoint):
    actions.disable_endpoint(w.a_admin, endpoint)
    client.force_login(w.a_admin)
    r = client.post(f"/notifications/webhooks/{endpoint.pk}/test/", follow=True)
    assert "请先启用该接收地址，再发送测试事件。" in r.content.decode()
