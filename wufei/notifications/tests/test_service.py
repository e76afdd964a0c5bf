"""publish: who is notified, who gets e-mail, which endpoints get a delivery."""

from __future__ import annotations

import pytest
from django.db import transaction

from wufei.core.actions import after_commit
from wufei.notifications import actions, events
from wufei.notifications.models import Notification, WebhookDelivery
from wufei.notifications.service import publish

pytestmark = pytest.mark.django_db


def _publish(w, *orgs, **kw):
    kw.setdefault("title", "联单 20263306000001 已提交")
    kw.setdefault("body", "甲公司提交了转移联单，请准备接收。")
    kw.setdefault("payload", {"number": "20263306000001"})
    return publish("manifest.submitted", organizations=list(orgs), **kw)


def _recipients(event="manifest.submitted"):
    return sorted(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


def test_admins_and_members_of_the_organisations_only(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = _publish(w, w.a, w.b.pk, url="/manifests/20263306000001/", obj="20263306000001")
    # readers and drivers of A are not told; C was not named
    assert _recipients() == ["a_admin", "a_member", "a_quiet", "b_admin"]
    assert len(result.notifications) == 4 and result.deliveries == []
    n = Notification.objects.get(recipient=w.b_admin)
    assert n.organization == w.b and n.url == "/manifests/20263306000001/"
    assert n.object_label == "20263306000001" and n.read_at is None
    assert n.event_id == result.event_id


def test_drivers_with_the_flag_and_named_users(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _publish(w, w.a, include_drivers=True, users=[w.a_reader.pk, w.c_member.pk])
    # the named reader of A is added; the named member of C is not (C was not published to)
    assert _recipients() == ["a_admin", "a_driver", "a_member", "a_quiet", "a_reader"]


def test_one_notification_per_user_in_the_first_listed_organisation(w):
    from wufei.registry.tests.factories import MembershipFactory

    MembershipFactory(user=w.a_admin, organization=w.b, role="member")
    _publish(w, w.b, w.a)
    mine = Notification.objects.filter(recipient=w.a_admin)
    assert mine.count() == 1 and mine.get().organization == w.b


def test_inactive_memberships_and_users_are_skipped(w):
    from wufei.registry.models import Membership

    Membership.objects.filter(user=w.a_member).update(is_active=False)
    w.a_quiet.is_active = False
    w.a_quiet.save()
    _publish(w, w.a)
    assert _recipients() == ["a_admin"]


def test_email_to_members_with_an_address(w, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _publish(w, w.a, w.b, url="/manifests/20263306000001/")
    assert sorted(m.to[0] for m in mailoutbox) == [
        "a_admin@example.cn",
        "a_member@example.cn",
        "b_admin@example.cn",
    ]  # a_quiet has no address: notified in the app only
    mail = mailoutbox[0]
    assert "联单 20263306000001 已提交" in mail.subject
    assert "请准备接收" in mail.body and "/manifests/20263306000001/" in mail.body


def test_no_email_when_asked(w, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _publish(w, w.a, email=False)
    assert mailoutbox == [] and Notification.objects.count() == 3


def test_a_rolled_back_action_publishes_nothing(w, mailoutbox, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        after_commit(lambda: _publish(w, w.a))
        raise RuntimeError("the action failed")
    assert Notification.objects.count() == 0 and mailoutbox == []


def test_deliveries_only_for_subscribed_active_endpoints_of_those_orgs(w):
    every, _ = actions.create_endpoint(w.a_admin, w.a, url="https://a.example.com/all")
    family, _ = actions.create_endpoint(
        w.a_admin, w.a, url="https://a.example.com/m", events="manifest.*"
    )
    other, _ = actions.create_endpoint(
        w.a_admin, w.a, url="https://a.example.com/r", events=["manifest.received"]
    )
    off, _ = actions.create_endpoint(w.a_admin, w.a, url="https://a.example.com/off")
    actions.disable_endpoint(w.a_admin, off)
    result = _publish(w, w.a, obj=w.a)
    got = set(WebhookDelivery.objects.values_list("endpoint_id", flat=True))
    assert got == {every.pk, family.pk}
    d = WebhookDelivery.objects.get(endpoint=family)
    assert d.status == "pending" and d.attempts == 0 and d.event_id == result.event_id
    body = d.payload
    assert body["id"] == str(result.event_id) and body["event"] == "manifest.submitted"
    assert body["organization"] == {"uscc": w.a.uscc, "name": "甲公司"}
    assert body["object"] == {"type": "registry.organization", "id": str(w.a.pk), "label": "甲公司"}
    assert body["data"] == {"number": "20263306000001"}
    assert body["created_at"].endswith("+08:00")


def test_other_organisations_endpoints_get_nothing(w):
    from wufei.registry.models import MembershipRole
    from wufei.registry.tests.factories import member_of

    c_admin = member_of(w.c, MembershipRole.ADMIN)
    actions.create_endpoint(c_admin, w.c, url="https://c.example.com/hook")
    _publish(w, w.a, w.b)
    assert WebhookDelivery.objects.count() == 0


def test_payload_values_become_json(w):
    import datetime as dt
    from decimal import Decimal

    actions.create_endpoint(w.a_admin, w.a, url="https://a.example.com/all")
    _publish(w, w.a, payload={"tonnes": Decimal("1.2500"), "on": dt.date(2026, 3, 2), "n": None})
    assert WebhookDelivery.objects.get().payload["data"] == {
        "tonnes": "1.2500",
        "on": "2026-03-02",
        "n": None,
    }


def test_bad_event_names_are_refused(w):
    for bad in ("Manifest.Submitted", "manifest", "manifest.", "manifest.*", ""):
        with pytest.raises(ValueError):
            publish(bad, organizations=[w.a], title="x", payload={})
    assert Notification.objects.count() == 0


def test_no_organisations_no_rows(w):
    result = publish("manifest.submitted", organizations=[], title="x", payload={})
    assert result.notifications == [] and Notification.objects.count() == 0


def test_subscription_matching_and_cleaning():
    assert events.matches(["*"], "manifest.submitted")
    assert events.matches(["manifest.*"], "manifest.submitted")
    assert not events.matches(["manifest.*"], "manifests.submitted")
    assert not events.matches(["manifest.received"], "manifest.submitted")
    assert not events.matches([], "manifest.submitted")
    assert events.clean_subscriptions("manifest.received, manifest.*，manifest.received") == [
        "manifest.*",
        "manifest.received",
    ]
    assert events.clean_subscriptions(["manifest.submitted", "*"]) == ["*"]
    from wufei.core.errors import ValidationFailed

    for bad in ("", "Manifest.X", "manifest", "*.submitted", ["ok.event", "bad event"]):
        with pytest.raises(ValidationFailed) as e:
            events.clean_subscriptions(bad)
        assert e.value.field == "events"
