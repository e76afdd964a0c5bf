"""Browser: one hazardous-waste manifest from draft to closure through the pages.

The producer drafts and submits the manifest (desktop); the driver scans the containers on the
phone page (390×844) by typing the codes as a hardware scanner does; the producer signs the
hand-over; the driver signs the pickup; the receiver scans and weighs each container on the
phone, signs the receipt and records the treatment. Screenshots:
``test-output/screenshots/manifest-*.png``.

Marked ``browser`` (WUFEI_BROWSER_TESTS=1 with Debian's chromium, run by .ci/run).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import timezone

from wufei.manifests.models import Manifest, ManifestStatus
from wufei.tests_browser.support import DESKTOP, Visit, _open

from .factories import Trip, trip_setup

pytestmark = pytest.mark.browser
PASSWORD = "manifest-pages-2026"
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def world(transactional_db) -> Trip:
    call_command("load_reference_data", verbosity=0)
    trip = trip_setup()
    for user in (trip.shipper_user, trip.driver_user, trip.receiver_user):
        user.set_password(PASSWORD)
        user.save()
    return trip


@pytest.fixture
def screen(chromium, live_server, world):
    """Open a signed-in tab: ``with screen(user, viewport) as visit: …``."""

    @contextlib.contextmanager
    def open_as(user, viewport) -> Iterator[Visit]:
        gen = _open(chromium, live_server, viewport)
        visit = next(gen)
        visit.login(user.username, PASSWORD)
        try:
            yield visit
        finally:
            next(gen, None)  # closes the context and checks CSP / script errors

    return open_as


def scan(visit: Visit, n: int, submit) -> None:
    """Post one scan (the panel is replaced in place) and check that ``n`` are done."""
    with visit.page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit()
    assert answer.value.status == 200, answer.value.text()[:500]
    assert "<html" not in answer.value.text()  # only the panel comes back
    visit.page.wait_for_function(
        "n => document.querySelector('[data-testid=scan-count]').textContent.trim()"
        ".startsWith(n + ' /')",
        arg=n,
    )


def test_manifest_from_draft_to_closure(screen, world):
    trip = world
    code = trip.containers[0].code_text

    # 1. the producer drafts and submits
    with screen(trip.shipper_user, DESKTOP) as desk:
        desk.go("/manifests/new/")
        page = desk.page
        page.select_option("#id_receiver", str(trip.receiver.pk))
        with page.expect_response("**/manifests/new/transport/**"):
            page.select_option("[data-testid=carrier]", str(trip.carrier.pk))
        page.select_option("#id_vehicle", str(trip.vehicle.pk))
        page.select_option("#id_driver", str(trip.driver.pk))
        page.fill("#id_planned_pickup_on", timezone.localdate().isoformat())
        for c in trip.containers:
            page.check(f"input[name=containers][value='{c.pk}']")
        page.select_option(f"#id_method_{code}", trip.method.code)
        desk.shot("manifest-1-draft-form")
        page.click("[data-testid=save-draft]")
        page.wait_for_selector("[data-testid=do-submit]")
        page.click("[data-testid=do-submit]")
        page.wait_for_selector("[data-testid=form-handover]")
        assert "待转移" in desk.text("[data-testid=status]")
        desk.shot("manifest-2-submitted")
    m = Manifest.objects.get()
    assert m.status == ManifestStatus.SUBMITTED and m.number

    # 2. the driver scans every container on the phone
    with screen(trip.driver_user, PHONE_390) as phone:
        phone.go("/manifests/driver/")
        assert m.number in phone.text("main")
        phone.shot("manifest-3-driver-trips")
        phone.page.click("[data-testid=go-load]")
        phone.page.wait_for_url(f"**/manifests/{m.pk}/load/")
        phone.page.wait_for_load_state()
        for n, c in enumerate(trip.containers, start=1):
            phone.page.fill("#id_code", c.ident_code)
            scan(phone, n, lambda: phone.page.press("#id_code", "Enter"))
            if n == 1:
                phone.shot("manifest-4-loading")
        phone.page.wait_for_selector("[data-testid=wait-handover]")
        phone.shot("manifest-5-loaded")

    # 3. the producer signs the hand-over
    with screen(trip.shipper_user, DESKTOP) as desk:
        desk.go(f"/manifests/{m.pk}/")
        desk.page.click("[data-testid=do-handover]")
        desk.page.wait_for_selector(".message")
        assert "已签字交付" in desk.text(".messages")

    # 4. the driver signs the pickup on the phone
    with screen(trip.driver_user, PHONE_390) as phone:
        phone.go(f"/manifests/{m.pk}/load/")
        phone.shot("manifest-6-pickup")
        phone.page.click("[data-testid=do-pickup]")
        phone.page.wait_for_url("**/manifests/driver/")
        assert "运输开始" in phone.text(".messages")
    m.refresh_from_db()
    assert m.status == ManifestStatus.IN_TRANSIT

    # 5. the receiver scans and weighs on the phone, then signs the receipt
    with screen(trip.receiver_user, PHONE_390) as phone:
        phone.go(f"/manifests/{m.pk}/receive/")
        for n, c in enumerate(trip.containers, start=1):
            phone.page.fill("#id_code", c.ident_code)
            phone.page.fill("#id_weight_kg", "179.5")
            scan(phone, n, lambda: phone.page.click("[data-testid=scan-submit]"))
        phone.go(f"/manifests/{m.pk}/receive/")  # the receipt form with the new version
        phone.shot("manifest-7-weighed")
        phone.page.click("[data-testid=do-receipt]")
        phone.page.wait_for_selector("[data-testid=form-treatment]")
        assert "已接收" in phone.text("[data-testid=status]")
        phone.shot("manifest-8-received-phone")

    # 6. the receiver records the treatment: the manifest is closed
    with screen(trip.receiver_user, DESKTOP) as desk:
        desk.go(f"/manifests/{m.pk}/")
        desk.page.click("[data-testid=do-treatment]")
        desk.page.wait_for_selector(".message")
        assert "已闭环" in desk.text("[data-testid=status]")
        assert len(desk.page.query_selector_all("[data-testid=signatures] tbody tr")) == 5
        desk.shot("manifest-9-closed")
        desk.go("/manifests/?tab=all")
        desk.shot("manifest-10-dashboard")
    m.refresh_from_db()
    assert m.status == ManifestStatus.CLOSED
