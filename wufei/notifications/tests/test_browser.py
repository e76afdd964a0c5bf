"""Browser: an administrator adds a webhook endpoint (its secret shown once), sends a test
event to a real receiver and reads the delivery log; a member reads a notification on the phone.

Marked ``browser`` (run by .ci/run with WUFEI_BROWSER_TESTS=1 and Debian's chromium).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wufei.notifications.models import WebhookEndpoint
from wufei.notifications.service import publish
from wufei.registry.models import MembershipRole
from wufei.registry.tests.factories import OrganizationFactory, member_of
from wufei.tests_browser.support import DESKTOP, PHONE, Visit, _open

from .hookserver import HookServer

pytestmark = pytest.mark.browser
PASSWORD = "wufei-test-password"


@pytest.fixture
def desk(chromium, live_server, transactional_db) -> Iterator[Visit]:
    yield from _open(chromium, live_server, DESKTOP)


@pytest.fixture
def mobile(chromium, live_server, transactional_db) -> Iterator[Visit]:
    yield from _open(chromium, live_server, PHONE)


@pytest.fixture
def receiver() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def test_admin_adds_an_endpoint_and_sends_a_test_event(desk, receiver):
    org = OrganizationFactory(name="甲印染有限公司")
    member_of(org, MembershipRole.ADMIN, "hook_admin")
    desk.login("hook_admin", PASSWORD)
    desk.go("/notifications/webhooks/")
    desk.page.click("text=新增接收地址")
    desk.page.fill("#id_url", receiver.url)
    desk.page.fill("#id_events", "manifest.*")
    desk.page.fill("#id_description", "ERP 接口")
    desk.shot("notifications-webhook-new")
    desk.page.click("main form button[type=submit]")
    desk.page.wait_for_load_state()
    secret = desk.page.inner_text("[data-testid=secret] code").strip()
    assert secret == WebhookEndpoint.objects.get().secret
    receiver.secret = secret
    desk.shot("notifications-webhook-created")
    desk.page.click("[data-testid=send-test]")
    desk.page.wait_for_load_state()
    assert len(receiver.received) == 1 and receiver.received[0].signature_ok
    row = desk.text("[data-testid=delivery]")
    assert "webhook.test" in row and "已送达" in row
    assert "whsec_" not in desk.text("main")  # shown once only
    desk.shot("notifications-webhook-detail")


def test_member_reads_a_notification_on_the_phone(mobile):
    org = OrganizationFactory(name="甲印染有限公司")
    member_of(org, MembershipRole.MEMBER, "note_member")
    publish(
        "manifest.submitted",
        organizations=[org],
        title="联单 20263306000001 已提交",
        body="请准备接收。",
        url="/notifications/",
        payload={},
    )
    mobile.login("note_member", PASSWORD)
    assert mobile.text("[data-testid=unread-count]").strip() == "✉ 1"
    mobile.go("/notifications/")
    assert "联单 20263306000001 已提交" in mobile.text("main")
    mobile.shot("notifications-list-phone")
    mobile.page.click("[data-testid=mark-read]")
    mobile.page.wait_for_load_state()
    assert "已读" in mobile.text("[data-testid=notification]")
    assert mobile.page.query_selector("[data-testid=notification-badge] .badge") is None
