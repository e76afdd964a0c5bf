"""Browser: a dumping stop from the track to a closed warning, with the public's report.

A member of the public reports dumping from a phone (the phone's position); the county officer
sees the red long-stop warning of the trip (manifest, trip and findings made with the actions
and ``trips.services.analyse`` on synthetic points), opens the trip map, sees the public's clue
matched with the stop, and takes the warning through verification and rectification; the
carrier responds; the officer closes it (销号). Screenshots: ``test-output/screenshots/
supervision-*.png``.

Marked ``browser`` (WUFEI_BROWSER_TESTS=1 with Debian's chromium, run by .ci/run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation
from PIL import Image

from wufei.manifests.tests.factories import trip_setup
from wufei.plans.tests.clock import frozen
from wufei.supervision.models import Clue, Warning, WarningStatus
from wufei.tests_browser.support import DESKTOP, PHONE, Visit, _open

from .test_pages import World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "supervision-pages-2026"


@pytest.fixture
def world(transactional_db) -> World:
    call_command("load_reference_data", verbosity=0)
    cache.clear()
    trip = trip_setup()
    # the trip happened this morning: the stop is four hours ago when the test runs
    with frozen(timezone.now() - dt.timedelta(hours=4)), translation.override("zh-hans"):
        built = build_world(trip)  # the rules write the warning's title in Chinese
    for user in (built.officer, built.carrier_user):
        user.set_password(PASSWORD)
        user.save()
    return built


@pytest.fixture
def screen(chromium, live_server, world):
    """``with screen(user or None, viewport) as visit: …`` (None: not signed in)."""

    @contextlib.contextmanager
    def open_as(user, viewport, **context) -> Iterator[Visit]:
        gen = _open(chromium, live_server, viewport)
        visit = next(gen)
        if context.get("geolocation"):
            visit.page.context.grant_permissions(["geolocation"])
            visit.page.context.set_geolocation(context["geolocation"])
        if user is not None:
            visit.login(user.username, PASSWORD)
        try:
            yield visit
        finally:
            next(gen, None)  # closes the context and checks CSP / script errors

    return open_as


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (96, 110, 60)).save(out, "JPEG")
    return out.getvalue()


def shot(visit: Visit, name: str) -> None:
    visit.page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top
    visit.shot(name)


def wait_map(visit: Visit) -> None:
    """The Leaflet map drew the boundaries and the path (SVG paths inside the map pane)."""
    visit.page.wait_for_selector(".trip-map.map-ready")
    # a function (compiled once over CDP): a string expression would be eval'ed while polling,
    # which the page's CSP refuses
    visit.page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-overlay-pane path').length > 2"
    )


def step(visit: Visit, name: str, fill: dict[str, str] | None = None, file: bool = False) -> None:
    page = visit.page
    page.eval_on_selector(f"[data-testid=step-{name}]", "d => { d.open = true; }")
    for selector, value in (fill or {}).items():
        page.fill(f"[data-testid=step-{name}] {selector}", value)
    if file:
        page.set_input_files(
            f"[data-testid=step-{name}] input[type=file]",
            files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}],
        )
    page.click(f"[data-testid=submit-{name}]")
    page.wait_for_selector(".message-success")


def test_dumping_stop_to_closed_warning(screen, world):
    w = world.warning
    f = world.finding
    assert w.severity == "red"

    # 1. a member of the public reports from a phone, with the phone's position
    where = {"latitude": f.latitude + 0.0005, "longitude": f.longitude}
    with screen(None, PHONE, geolocation=where) as phone:
        phone.go("/supervision/report/")
        page = phone.page
        page.fill("#id_description", "田边有货车倒下十几个铁桶，有刺鼻气味")
        page.click("[data-testid=locate]")
        page.wait_for_function("() => document.querySelector('input[name=latitude]').value !== ''")
        page.click("[data-pick]")  # the map of the cities (fetched JSON, no tiles) also works
        page.wait_for_selector("[data-report-map] .leaflet-overlay-pane path")
        page.set_input_files(
            "#id_photos",
            files=[{"name": "dump.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}],
        )
        page.fill("#id_phone", "13800138000")
        assert "加密" in phone.text("[data-testid=privacy]")
        shot(phone, "supervision-1-public-report-phone")
        page.click("[data-testid=send]")
        page.wait_for_selector("[data-testid=follow-up-code]")
        code = phone.text("[data-testid=follow-up-code]").strip()
        assert len(code) == 10
        shot(phone, "supervision-2-public-report-code")
    clue = Clue.objects.get()
    assert clue.source == "public" and clue.matches.filter(finding=f).exists()

    # 2. the county officer sees the red warning, the trip map and the matched clue
    with screen(world.officer, DESKTOP) as desk:
        desk.go("/supervision/warnings/?severity=red")
        row = desk.page.locator("tr[data-severity=red]", has_text=w.title)
        assert row.count() == 1 and "红色" in row.inner_text()
        shot(desk, "supervision-3-warning-list")
        row.locator("a").first.click()
        desk.page.wait_for_selector("[data-testid=severity]")
        wait_map(desk)
        assert clue.number in desk.text("[data-testid=clues]")
        shot(desk, "supervision-4-warning-detail")
        desk.page.click("[data-testid=trip-link]")
        wait_map(desk)
        desk.page.fill("[data-playback]", "500")
        desk.page.dispatch_event("[data-playback]", "input")
        assert desk.text("[data-playback-time]").strip()
        assert "异常停留" in desk.text("[data-testid=findings]")
        shot(desk, "supervision-5-trip-map")
        desk.go(f"/supervision/clues/{clue.pk}/")
        assert world.manifest.number in desk.text("[data-testid=matches]")
        assert world.trip.vehicle.plate in desk.text("[data-testid=matches]")
        shot(desk, "supervision-6-clue-matched")
        desk.go("/supervision/clues/")
        wait_map(desk)
        shot(desk, "supervision-7-clue-map")

        # 3. the loop: take it, verify with a photo, require rectification
        desk.go(w.get_absolute_url())
        step(desk, "assign")
        desk.page.click("[data-testid=step-verify] summary")
        desk.page.click("[data-testid=submit-verify]")  # empty: the error stays beside the field
        desk.page.wait_for_selector("[data-testid=step-verify] .field-error")
        shot(desk, "supervision-8-verify-error")
        step(
            desk,
            "verify",
            {"textarea": "现场核实：田边发现 12 个废矿物油桶，与车辆停留位置一致"},
            file=True,
        )
        due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        step(
            desk,
            "rectify",
            {"textarea": "立即清理现场，委托有资质单位处置并提交处置凭证", "input[type=date]": due},
        )
        assert "整改中" in desk.text("[data-testid=status]")
        shot(desk, "supervision-9-rectifying")

    # 4. the carrier responds
    with screen(world.carrier_user, PHONE) as phone:
        phone.go(w.get_absolute_url())
        step(
            phone, "respond", {"textarea": "已清理现场，废桶交绍兴危废处置有限公司处置"}, file=True
        )
        shot(phone, "supervision-10-enterprise-responded")

    # 5. the officer closes it (销号)
    with screen(world.officer, DESKTOP) as desk:
        desk.go(w.get_absolute_url())
        step(desk, "close", {"textarea": "复查确认整改到位，予以销号"})
        assert "已销号" in desk.text("[data-testid=status]")
        shot(desk, "supervision-11-closed")
        desk.go("/supervision/statistics/")
        assert "100.0%" in desk.text("[data-testid=rate]")
        shot(desk, "supervision-12-statistics")
    w.refresh_from_db()
    assert w.status == WarningStatus.CLOSED
    assert Warning.objects.count() >= 1
