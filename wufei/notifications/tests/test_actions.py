"""Actions: read marks (personal), endpoint management (administrators, audited)."""

from __future__ import annotations

import pytest

from wufei.core.errors import Conflict, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.notifications import actions, queries
from wufei.notifications.models import Notification, WebhookDelivery
from wufei.notifications.service import publish
from wufei.registry.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notify(w):
    publish("manifest.submitted", organizations=[w.a], title="联单已提交", payload={})
    return {n.recipient.username: n for n in Notification.objects.select_related("recipient")}


def test_mark_read_is_for_the_recipient_only(w, clock):
    notes = _notify(w)
    mine = notes["a_member"]
    with pytest.raises(NotFound):
        actions.mark_read(w.a_admin, mine)  # the organisation's admin does not read it
    superuser = UserFactory(username="root", is_superuser=True)
    with pytest.raises(NotFound):
        actions.mark_read(superuser, mine)  # nor a platform administrator
    n = actions.mark_read(w.a_member, mine)
    assert n.read_at == clock
    assert queries.unread_count(w.a_member) == 0 and queries.unread_count(w.a_admin) == 1
    assert actions.mark_read(w.a_member, mine.pk).read_at == clock  # again: no change


def test_mark_all_read_touches_only_my_notifications(w, clock):
    _notify(w)
    _notify(w)
    assert actions.mark_all_read(w.a_admin) == 2
    assert queries.unread_count(w.a_admin) == 0 and queries.unread_count(w.a_member) == 2
    assert actions.mark_all_read(w.a_admin) == 0


def test_only_the_organisations_admins_manage_endpoints(w):
    for outsider in (w.a_member, w.a_reader, w.b_admin):
        with pytest.raises(NotFound):
            actions.create_endpoint(outsider, w.a, url="https://a.example.com/hook")
    ep, secret = actions.create_endpoint(w.a_admin, w.a, url="https://a.example.com/hook")
    for outsider in (w.a_member, w.b_admin):
        with pytest.raises(NotFound):
            actions.update_endpoint(outsider, ep, events="*")
        with pytest.raises(NotFound):
            actions.send_test(outsider, ep)
        with pytest.raises(NotFound):
            actions.rotate_secret(outsider, ep)
    assert list(queries.endpoints(w.a_member)) == [] and list(queries.endpoints(w.a_admin)) == [ep]


def test_create_is_audited_without_the_secret(w):
    ep, secret = actions.create_endpoint(
        w.a_admin, w.a, url="https://a.example.com/hook", events="manifest.*", description="ERP"
    )
    assert secret.startswith("whsec_") and len(secret) > 40 and ep.secret == secret
    event = AuditEvent.objects.get(action="notifications.webhookendpoint.create")
    assert event.organization_id_ref == w.a.pk and secret not in str(event.after)
    assert event.after["events"] == ["manifest.*"] and event.after["description"] == "ERP"


def test_update_checks_the_version_and_validates(w):
    ep, _ = actions.create_endpoint(w.a_admin, w.a, url="https://a.example.com/hook")
    ep = actions.update_endpoint(w.a_admin, ep, version=1, events="manifest.submitted")
    assert ep.events == ["manifest.submitted"] and ep.version == 2
    with pytest.raises(Conflict) as e:
        actions.update_endpoint(w.a_admin, ep, version=1, description="x")
    assert e.value.code == "stale_version"
    with pytest.raises(ValidationFailed) as e:
        actions.update_endpoint(w.a_admin, ep, url="not a url")
    assert e.value.field == "url"
    with pytest.raises(ValidationFailed):
        actions.update_endpoint(w.a_admin, ep, secret="mine")
    assert AuditEvent.objects.filter(action="notifications.webhookendpoint.update").count() == 1


def test_disable_enable_and_state_conflicts(w):
    ep, _ = actions.create_endpoint(w.a_admin, w.a, url="https://a.example.com/hook")
    ep = actions.disable_endpoint(w.a_admin, ep, reason="系统升级")
    assert not ep.is_active and ep.disabled_reason == "系统升级" and ep.disabled_at
    with pytest.raises(Conflict):
        actions.disable_endpoint(w.a_admin, ep)
    with pytest.raises(Conflict):
        actions.send_test(w.a_admin, ep)
    ep.consecutive_failures = 4
    ep.save()
    ep = actions.enable_endpoint(w.a_admin, ep)
    assert ep.is_active and ep.consecutive_failures == 0 and ep.disabled_reason == ""
    with pytest.raises(Conflict):
        actions.enable_endpoint(w.a_admin, ep)
    verbs = set(
        AuditEvent.objects.filter(object_type="notifications.webhookendpoint").values_list(
            "action", flat=True
        )
    )
    assert {
        "notifications.webhookendpoint.disable",
        "notifications.webhookendpoint.enable",
    } <= verbs


def test_test_event_goes_to_that_endpoint_whatever_it_subscribes_to(w, hook, cb):
    ep, hook.secret = actions.create_endpoint(
        w.a_admin, w.a, url=hook.url, events=["manifest.received"]
    )
    with cb(execute=True):
        d = actions.send_test(w.a_admin, ep)
    d.refresh_from_db()
    assert d.event == "webhook.test" and d.status == "succeeded"
    assert hook.received[0].headers["X-Wufei-Event"] == "webhook.test"
    assert hook.received[0].json["data"]["requested_by"] == "a_admin"


def test_redeliver_starts_over(w, hook, endpoint, cb):
    hook.statuses = [500, 200]
    with cb(execute=True):
        publish("manifest.submitted", organizations=[w.a], title="x", payload={})
    d = WebhookDelivery.objects.get()
    assert d.status == "failed"
    with pytest.raises(NotFound):
        actions.redeliver(w.a_member, d)
    with cb(execute=True):
        actions.redeliver(w.a_admin, d)
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("succeeded", 1)
    assert AuditEvent.objects.filter(action="notifications.webhookdelivery.redeliver").exists()


def test_delete_removes_the_log_and_is_audited(w, endpoint):
    publish("manifest.submitted", organizations=[w.a], title="x", payload={})
    assert WebhookDelivery.objects.count() == 1
    with pytest.raises(NotFound):
        actions.delete_endpoint(w.a_member, endpoint)
    actions.delete_endpoint(w.a_admin, endpoint)
    assert WebhookDelivery.objects.count() == 0
    event = AuditEvent.objects.get(action="notifications.webhookendpoint.delete")
    assert event.before["url"] == endpoint.url
