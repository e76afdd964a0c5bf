"""Browser: on a phone, a producer drafts a cross-province application through the form; the
origin province's bureau accepts another one from its detail page. Screenshots at 375 px.

Marked ``browser`` (run by .ci/run with WUFEI_BROWSER_TESTS=1 and Debian's chromium).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from wufei.approvals.models import ApprovalStatus, CrossProvinceApproval
from wufei.catalog.testing import load_reference_data_for_tests
from wufei.tests_browser.support import PHONE, Visit, _open

from .factories import submitted, transfer_world

pytestmark = pytest.mark.browser
PASSWORD = "wufei-test-password"


@pytest.fixture
def phone(chromium, live_server, transactional_db) -> Iterator[Visit]:  # noqa: F811
    yield from _open(chromium, live_server, PHONE)


def test_apply_and_accept_on_a_phone(phone):
    load_reference_data_for_tests()
    today = timezone.localdate()
    start, end = today + dt.timedelta(days=7), today + dt.timedelta(days=300)
    w = transfer_world(permit_until=today + dt.timedelta(days=3 * 365))
    page = phone.page

    phone.login(w.applicant.username, PASSWORD)
    phone.go("/approvals/new/")
    page.fill("#id_receiver", w.receiver.uscc)
    page.fill("#id_requested_from", start.isoformat())
    page.fill("#id_requested_until", end.isoformat())
    page.fill("#id_lines-0-waste_code", "900-249-08")
    page.fill("#id_lines-0-name", "废机油")
    page.select_option("#id_lines-0-method", "R9")
    page.fill("#id_lines-0-quantity_tonnes", "80")
    phone.shot("approvals-form-phone")
    page.click("[data-testid=application-form] button[type=submit]")
    page.wait_for_selector("[data-testid=missing-documents]")
    draft = CrossProvinceApproval.objects.get()
    assert draft.status == ApprovalStatus.DRAFT and "废机油" in phone.text("[data-testid=lines]")
    phone.shot("approvals-draft-phone")

    other = submitted(w, requested_from=start.isoformat(), requested_until=end.isoformat())
    page.context.clear_cookies()  # sign out
    phone.login(w.origin_bureau.username, PASSWORD)
    phone.go(f"/approvals/{other.pk}/")
    assert "已申请" in phone.text("[data-testid=status]")
    assert phone.page.locator("[data-testid=next-step]").count() == 1
    page.click("[data-testid=accept]")
    page.wait_for_selector("[data-testid=step-form]")
    page.fill("#id_note", "材料齐全")
    page.click("[data-testid=step-form] button[type=submit]")
    page.wait_for_selector("[data-testid=steps]")
    assert "已受理" in phone.text("[data-testid=status]")
    assert "审查并商请" in phone.text("[data-testid=next-step]")
    phone.shot("approvals-detail-bureau-phone")
    other.refresh_from_db()
    assert other.status == ApprovalStatus.ACCEPTED
