"""Supervision pages: each role sees what it may (others get 404), the warning loop through
the page forms with Chinese errors beside the field, statistics, clues, cases, rewards and the
public report page (no login; a bad photo is refused in Chinese)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from wufei.manifests import actions as manifests
from wufei.plans.tests.clock import frozen
from wufei.registry.tests.factories import SiteFactory, member_of, regulator
from wufei.supervision import actions, clues, queries, rules
from wufei.supervision.models import Case, Clue, PublicReport, Warning, WarningStatus
from wufei.tracking.models import TrackPoint
from wufei.trips.models import Finding
from wufei.trips.services import analyse
from wufei.trips.tests.synthetic import DESTINATION, ORIGIN, drive

pytestmark = pytest.mark.django_db


@dataclass
class World:
    trip: Any  # manifests.tests.factories.Trip
    manifest: Any
    finding: Finding
    warning: Warning
    officer: Any  # the county bureau where the truck stopped
    carrier_user: Any  # a member of the carrier (the warning's enterprise)
    stranger: Any  # a bureau elsewhere


def store_track(trip: Any, m: Any, t: Any, lat: Any, lon: Any) -> dt.datetime:
    start = m.picked_up_at.timestamp() + 60
    base = t[0]
    TrackPoint.objects.bulk_create(
        TrackPoint(
            vehicle=trip.vehicle,
            at=dt.datetime.fromtimestamp(start + (ti - base), tz=dt.UTC),
            lat=float(la),
            lon=float(lo),
            source="http",
            received_at=timezone.now(),
        )
        for ti, la, lo in zip(t, lat, lon, strict=True)
    )
    return dt.datetime.fromtimestamp(start + (t[-1] - base), tz=dt.UTC)


def build_world(trip: Any) -> World:
    """A manifest on the road whose truck stops 45 minutes halfway (a red long-stop warning),
    made with the manifests' actions and ``trips.services.analyse`` on synthetic points."""
    p = trip.producer
    p.site.latitude, p.site.longitude = Decimal(str(ORIGIN[0])), Decimal(str(ORIGIN[1]))
    p.site.save()
    SiteFactory(
        organization=trip.receiver,
        latitude=Decimal(str(DESTINATION[0])),
        longitude=Decimal(str(DESTINATION[1])),
    )
    m = manifests.create_draft(trip.shipper_user, **trip.draft_data())
    m = manifests.submit(trip.shipper_user, m)
    for c in trip.containers:
        manifests.scan_load(trip.driver_user, m, c.ident_code)
    manifests.sign_handover(trip.shipper_user, m)
    m = manifests.sign_pickup(trip.driver_user, m)
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    last = store_track(trip, m, t, lat, lon)
    result = analyse(m, now=last + dt.timedelta(minutes=5))
    finding = next(f for f in result.new_findings if f.kind == "long_stop")
    county = finding.region.code
    officer = regulator(county)
    rule = rules.get("track.long_stop")
    actions.raise_warning(rule, rules.finding_fact(finding))
    warning = Warning.objects.get(finding=finding)
    return World(
        trip=trip,
        manifest=m,
        finding=finding,
        warning=warning,
        officer=officer,
        carrier_user=member_of(trip.carrier),
        stranger=regulator("3302"),
    )


def jpeg(size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile("dump.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def chinese(english):
    """Pages in Chinese here (the manifests' conftest switches the tests to English)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world(reference_data, trip, clock):
    """The world, then the clock five hours later (the trip's stop is in the past)."""
    cache.clear()
    built = build_world(trip)
    with frozen(clock + dt.timedelta(hours=5)):
        yield built


def client_for(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def test_the_red_long_stop_is_on_the_county_officers_list(world):
    w = world.warning
    assert w.severity == "red" and w.rule == "track.long_stop"
    body = client_for(world.officer).get("/supervision/warnings/").content.decode()
    assert w.title in body and "红色" in body and 'data-severity="red"' in body
    red = client_for(world.officer).get("/supervision/warnings/?severity=red&status=active")
    assert w.title in red.content.decode()
    # filters narrow it down: another rule, yellow, escalated
    for q in ("rule=storage.over_year", "severity=yellow", "escalated=1", "region=3302"):
        assert (
            w.title
            not in client_for(world.officer).get(f"/supervision/warnings/?{q}").content.decode()
        )
    # the carrier sees its own warning, a bureau elsewhere does not
    assert w.title in client_for(world.carrier_user).get("/supervision/warnings/").content.decode()
    assert w.title not in client_for(world.stranger).get("/supervision/warnings/").content.decode()
    assert client_for(world.stranger).get(w.get_absolute_url()).status_code == 404
    assert client_for(world.trip.receiver_user).get(w.get_absolute_url()).status_code == 404
    anon = Client().get(w.get_absolute_url())
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_detail_shows_the_map_evidence_and_the_officers_buttons(world):
    page = client_for(world.officer).get(world.warning.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="warning-map-data"' in body and "leaflet.js" in body
    assert 'data-testid="step-assign"' in body and 'data-testid="step-dismiss"' in body
    assert 'data-testid="step-respond"' not in body
    assert f"/trips/{world.manifest.pk}/?finding={world.finding.pk}" in body
    carrier = client_for(world.carrier_user).get(world.warning.get_absolute_url()).content.decode()
    assert 'data-testid="step-assign"' not in carrier


def _post(c: Client, w: Warning, step: str, data: dict[str, Any]) -> Any:
    fresh = Warning.objects.get(pk=w.pk)
    return c.post(f"/supervision/warnings/{w.pk}/{step}/", {"version": fresh.version, **data})


def test_the_loop_through_the_pages(world):
    w, officer = world.warning, client_for(world.officer)
    assert _post(officer, w, "assign", {}).status_code == 302
    bad = _post(officer, w, "verify", {"note": "  "})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    assert "核实" in bad.content.decode()  # the field's error in Chinese beside it
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff fake", content_type="image/jpeg")
    assert (
        _post(officer, w, "verify", {"note": "现场核实：田间有倾倒痕迹", "file": photo}).status_code
        == 302
    )
    past = _post(officer, w, "rectify", {"measures": "清理现场", "due_on": "2020-01-01"})
    assert "不能早于今天" in past.content.decode() or "过去" in past.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert (
        _post(officer, w, "rectify", {"measures": "清理现场并委托处置", "due_on": due}).status_code
        == 302
    )
    # the officer cannot respond in the enterprise's place; the enterprise can
    assert _post(officer, w, "respond", {"response": "x"}).status_code == 404
    carrier = client_for(world.carrier_user)
    assert _post(carrier, w, "respond", {"response": "已清理并交有资质单位处置"}).status_code == 302
    assert _post(officer, w, "close", {"note": "整改完成，予以销号"}).status_code == 302
    w.refresh_from_db()
    assert w.status == WarningStatus.CLOSED
    body = officer.get(w.get_absolute_url()).content.decode()
    assert "已销号" in body and "附件" in body
    note = w.notes.exclude(file="").get()
    assert officer.get(f"/supervision/notes/{note.pk}/file/").status_code == 200
    assert client_for(world.stranger).get(f"/supervision/notes/{note.pk}/file/").status_code == 404


def test_dismiss_needs_a_reason_and_stale_versions_are_refused(world):
    w, officer = world.warning, client_for(world.officer)
    empty = _post(officer, w, "dismiss", {"reason": ""})
    assert empty.status_code == 200 and "field-error" in empty.content.decode()
    stale = officer.post(f"/supervision/warnings/{w.pk}/assign/", {"version": 999})
    assert stale.status_code == 200 and "form-error" in stale.content.decode()
    assert _post(officer, w, "dismiss", {"reason": "司机如厕停车，已核实"}).status_code == 302
    w.refresh_from_db()
    assert w.status == WarningStatus.DISMISSED


def test_statistics_page_and_query(world):
    w = world.warning
    actions.verify(world.officer, w, note="核实")
    actions.close(world.officer, w, note="销号")
    s = queries.statistics(world.officer)
    assert s["total"] == 1 and s["by_severity"]["red"] == 1
    assert s["by_rule"][0]["rule"] == "track.long_stop" and s["by_rule"][0]["closed"] == 1
    assert s["rectification_rate"] == 1.0 and s["median_hours_to_close"] is not None
    body = client_for(world.officer).get("/supervision/statistics/").content.decode()
    assert "100.0%" in body and "隐患排查整治率" in body
    assert queries.statistics(world.stranger)["total"] == 0


def test_trip_page_for_parties_and_the_officer_404_for_others(world):
    url = f"/trips/{world.manifest.pk}/"
    for user in (world.officer, world.trip.shipper_user, world.trip.driver_user):
        page = client_for(user).get(url)
        assert page.status_code == 200, user
        body = page.content.decode()
        assert 'id="trip-map-data"' in body and "data-playback" in body
        assert "异常停留" in body
    assert client_for(world.stranger).get(url).status_code == 404
    assert client_for(world.officer).get("/trips/999999/").status_code == 404


def _clue_near_the_stop(world) -> Clue:
    f = world.finding
    return clues.record_clue(
        world.officer,
        source="patrol",
        latitude=f.latitude,
        longitude=f.longitude + 0.002,
        observed_at=f.ended_at + dt.timedelta(hours=1),
        description="田间发现倾倒的桶装废液",
        photos=[jpeg()],
    )


def test_clue_map_detail_photos_and_the_case(world):
    clue = _clue_near_the_stop(world)
    officer = client_for(world.officer)
    listing = officer.get("/supervision/clues/").content.decode()
    assert clue.number in listing and 'id="clue-map-data"' in listing
    detail = officer.get(f"/supervision/clues/{clue.pk}/").content.decode()
    assert world.manifest.number in detail and world.trip.vehicle.plate in detail
    photo = clue.attachments.get()
    assert officer.get(f"/supervision/photos/{photo.pk}/").status_code == 200
    assert client_for(world.stranger).get(f"/supervision/photos/{photo.pk}/").status_code == 404
    assert client_for(world.carrier_user).get(f"/supervision/clues/{clue.pk}/").status_code == 404
    # the warning page lists the clue matched with its stop
    assert clue.number in officer.get(world.warning.get_absolute_url()).content.decode()
    r = officer.post(f"/supervision/clues/{clue.pk}/case/", {"title": "x", "version": clue.version})
    assert r.status_code == 404  # not verified yet: no such button
    assert (
        officer.post(f"/supervision/clues/{clue.pk}/verify/", {"note": "属实"}).status_code == 302
    )
    empty = officer.post(f"/supervision/clues/{clue.pk}/case/", {"title": ""})
    assert "field-error" in empty.content.decode()
    r = officer.post(f"/supervision/clues/{clue.pk}/case/", {"title": "田间非法倾倒案"})
    case = Case.objects.get(clue=clue)
    assert r.status_code == 302 and r["Location"].endswith(f"/supervision/cases/{case.pk}/")
    assert case.organization == world.trip.carrier
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    r = officer.post(
        f"/supervision/cases/{case.pk}/rectify/",
        {
            "findings": "车辆停留期间倾倒",
            "measures": "清理",
            "due_on": due,
            "penalty_amount": "50000",
        },
    )
    assert r.status_code == 302
    carrier = client_for(world.carrier_user)
    assert carrier.get(f"/supervision/cases/{case.pk}/").status_code == 200
    assert (
        carrier.post(f"/supervision/cases/{case.pk}/respond/", {"response": "已清理"}).status_code
        == 302
    )
    assert officer.post(f"/supervision/cases/{case.pk}/close/", {"note": "结案"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    assert client_for(world.stranger).get(f"/supervision/cases/{case.pk}/").status_code == 404


def test_public_report_without_login_and_the_reward(world):
    f = world.finding
    anon = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="10.1.2.3")
    page = anon.get("/supervision/report/")
    body = page.content.decode()
    assert page.status_code == 200 and "csrfmiddlewaretoken" in body
    assert 'accept="image/*"' in body and "capture" in body and "加密" in body
    done = anon.post(
        "/supervision/report/",
        {
            "description": "有货车在田里倒桶",
            "observed_at": timezone.localtime(f.ended_at).strftime("%Y-%m-%dT%H:%M"),
            "latitude": f"{f.latitude:.6f}",
            "longitude": f"{f.longitude:.6f}",
            "name": "张三",
            "phone": "13800138000",
            "photos": [jpeg(), jpeg()],
        },
    )
    assert done.status_code == 200, done.content.decode()[:2000]
    code = done.context["code"]
    assert code in done.content.decode()
    report = PublicReport.objects.get()
    clue = report.clue
    assert clue.attachments.count() == 2 and clue.matches.filter(finding=f).exists()
    progress = anon.post("/supervision/report/follow-up/", {"code": code})
    assert (
        clue.number in progress.content.decode()
        and 'data-testid="claim"' not in progress.content.decode()
    )
    assert anon.post("/supervision/report/follow-up/", {"code": "NOPE"}).status_code == 404
    # the bureau verifies, opens and closes the case; the reporter claims; the officer pays
    clues.verify_clue(world.officer, clue, note="属实")
    case = clues.open_case(world.officer, clue, title="倾倒案")
    clues.close_case(world.officer, case, note="结案")
    claimed = anon.post("/supervision/report/follow-up/", {"code": code, "claim": "1"})
    assert claimed.status_code == 200 and "已申领" in claimed.content.decode()
    officer = client_for(world.officer)
    bad = officer.post(f"/supervision/clues/{clue.pk}/reward/approve/", {"amount": "-5"})
    assert "field-error" in bad.content.decode()
    assert (
        officer.post(f"/supervision/clues/{clue.pk}/reward/approve/", {"amount": "500"}).status_code
        == 302
    )
    shown = officer.post(f"/supervision/clues/{clue.pk}/reward/reveal/")
    assert "张三" in shown.content.decode() and "13800138000" in shown.content.decode()
    assert "张三" not in officer.get(f"/supervision/clues/{clue.pk}/").content.decode()
    other = regulator(clue.region.code)
    assert client_for(other).post(f"/supervision/clues/{clue.pk}/reward/reveal/").status_code == 404
    assert officer.post(f"/supervision/clues/{clue.pk}/reward/paid/").status_code == 302
    report.refresh_from_db()
    assert report.reward_status == "paid"


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"), "JPEG"),
        (
            SimpleUploadedFile(
                "x.exe", b"MZ\x90\x00" * 100, content_type="application/x-msdownload"
            ),
            "JPEG",
        ),
    ],
)
def test_public_report_refuses_a_non_image_in_chinese(world, upload, message):
    f = world.finding
    r = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/supervision/report/",
        {
            "description": "倾倒",
            "observed_at": "",
            "latitude": f"{f.latitude:.6f}",
            "longitude": f"{f.longitude:.6f}",
            "photos": [upload],
        },
    )
    body = r.content.decode()
    assert r.status_code == 400 and message in body and "上传" in body
    assert not Clue.objects.exists()


def test_public_report_refuses_an_oversized_photo(world, settings):
    settings.WUFEI_REPORT_PHOTO_MAX_MB = 1
    f = world.finding
    big = SimpleUploadedFile(
        "big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10), content_type="image/jpeg"
    )
    r = Client().post(
        "/supervision/report/",
        {"description": "倾倒", "latitude": f.latitude, "longitude": f.longitude, "photos": [big]},
    )
    assert r.status_code == 400 and "1 MB" in r.content.decode() and "照片" in r.content.decode()
    assert not Clue.objects.exists()


def test_public_report_rate_limit_by_client_address(world, settings):
    settings.WUFEI_REPORTS_PER_HOUR = 1
    f = world.finding
    data = {"description": "倾倒", "latitude": f.latitude, "longitude": f.longitude}
    a = Client(REMOTE_ADDR="10.9.9.9")
    assert a.post("/supervision/report/", data).status_code == 200
    limited = a.post("/supervision/report/", data)
    assert limited.status_code == 429 and "12369" in limited.content.decode()
    assert Client(REMOTE_ADDR="10.9.9.10").post("/supervision/report/", data).status_code == 200
    # a report with no place and no photo: refused with the reason
    nowhere = Client(REMOTE_ADDR="10.9.9.11").post("/supervision/report/", {"description": "倾倒"})
    assert nowhere.status_code == 400 and "form-error" in nowhere.content.decode()
