"""Clues matched with track stops, public reports (photos cleaned, rate limited, identity
hidden), cases and rewards."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.registry.tests.factories import regulator
from wufei.supervision import clues
from wufei.supervision.models import Clue, ClueStatus, PublicReport, RewardStatus
from wufei.trips.models import Finding, Trip

pytestmark = pytest.mark.django_db

KEQIAO = (30.08, 120.49)  # inside 柯桥区 (330603)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def jpeg(*, gps: tuple[float, float] | None = None, size=(64, 48)) -> SimpleUploadedFile:
    img = Image.new("RGB", size, (120, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-software"  # Software
    if gps:
        lat, lon = gps

        def dms(v):
            d = int(v)
            m = int((v - d) * 60)
            s = round(((v - d) * 60 - m) * 60, 4)
            return (d, m, s)

        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("dump.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def officer(reference_data):
    return regulator("330603")


def _stop_near(trip_obj_manifest, lat, lon, when):
    trip = Trip.objects.create(
        manifest=trip_obj_manifest,
        vehicle=trip_obj_manifest.vehicle,
        window_start=when - dt.timedelta(hours=3),
    )
    return Finding.objects.create(
        trip=trip,
        kind="long_stop",
        started_at=when - dt.timedelta(hours=1),
        ended_at=when - dt.timedelta(minutes=20),
        latitude=lat + 0.002,
        longitude=lon,
        summary="40 min",
        fingerprint="x" * 64,
    )


def test_a_clue_is_matched_with_a_truck_stop_nearby(officer, trip):
    from wufei.manifests import actions as manifests

    m = manifests.create_draft(trip.shipper_user, **trip.draft_data())
    when = timezone.now() - dt.timedelta(hours=2)
    f = _stop_near(m, *KEQIAO, when)
    clue = clues.record_clue(
        officer,
        source="drone",
        latitude=KEQIAO[0],
        longitude=KEQIAO[1],
        observed_at=when,
        description="河边发现倾倒的桶装废液",
    )
    assert clue.region.code == "330603" and clue.number.startswith("XS")
    match = clue.matches.get()
    assert match.finding == f and 200 < match.distance_m < 250
    assert clues.match(clue) == []  # idempotent


def test_a_clue_outside_the_province_or_in_the_future_is_refused(officer):
    with pytest.raises(ValidationFailed) as err:
        clues.record_clue(
            officer,
            source="patrol",
            latitude=39.9,
            longitude=116.4,
            observed_at=timezone.now(),
            description="x",
        )
    assert err.value.field == "latitude"
    with pytest.raises(ValidationFailed) as err:
        clues.record_clue(
            officer,
            source="patrol",
            latitude=KEQIAO[0],
            longitude=KEQIAO[1],
            observed_at=timezone.now() + dt.timedelta(days=1),
            description="x",
        )
    assert err.value.field == "observed_at"
    with pytest.raises(Forbidden):
        clues.record_clue(
            regulator("3301"),
            source="patrol",
            latitude=KEQIAO[0],
            longitude=KEQIAO[1],
            observed_at=timezone.now(),
            description="x",
        )


def test_public_report_with_photo_location_stripped_and_followed_by_code(reference_data):
    photo = jpeg(gps=KEQIAO)
    done = clues.submit_public_report(
        description="山脚下有人倾倒黑色油泥",
        observed_at=timezone.now() - dt.timedelta(hours=1),
        photos=[photo],
        client="203.0.113.9",
    )
    assert len(done.code) == 10
    clue = done.clue
    assert clue.source == "public" and clue.region.code == "330603"
    assert abs(clue.latitude - KEQIAO[0]) < 1e-3  # from the photo's EXIF
    stored = clue.attachments.get()
    with stored.file.open("rb") as fh:
        img = Image.open(fh)
        img.load()
        assert not img.getexif()  # every metadata block is gone
    report = clues.report_by_code(done.code.lower())
    assert report.anonymous and report.identity_encrypted == ""
    with pytest.raises(NotFound):
        clues.report_by_code("WRONGCODE1")


def test_public_reports_are_rate_limited_and_check_the_upload(reference_data, settings):
    settings.WUFEI_REPORTS_PER_HOUR = 2
    kw = {
        "description": "倾倒",
        "observed_at": timezone.now(),
        "latitude": KEQIAO[0],
        "longitude": KEQIAO[1],
        "client": "a",
    }
    clues.submit_public_report(**kw)
    clues.submit_public_report(**kw)
    with pytest.raises(Conflict) as err:
        clues.submit_public_report(**kw)
    assert err.value.code == "supervision.rate_limited"
    not_image = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as err:
        clues.submit_public_report(**{**kw, "client": "b", "photos": [not_image]})
    assert err.value.field == "photos"
    assert Clue.objects.count() == 2  # nothing half-written


def test_clue_to_case_to_reward_with_hidden_identity(officer, reference_data):
    done = clues.submit_public_report(
        description="夜间有货车倾倒",
        observed_at=timezone.now() - dt.timedelta(hours=3),
        latitude=KEQIAO[0],
        longitude=KEQIAO[1],
        name="张三",
        phone="13800000001",
        client="c",
    )
    report = clues.report_by_code(done.code)
    assert not report.anonymous and "张三" not in report.identity_encrypted
    clue = clues.verify_clue(officer, done.clue, note="现场确认有倾倒痕迹")
    with pytest.raises(Conflict):
        clues.claim_reward(done.code)  # no closed case yet
    case = clues.open_case(officer, clue, title="非法倾倒案")
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.CASE
    case = clues.require_case_rectification(
        officer,
        case,
        findings="查明倾倒",
        measures="清理现场",
        due_on=timezone.localdate() + dt.timedelta(days=10),
        penalty_reference="固废法第一百一十二条",
        penalty_amount="100000",
    )
    with pytest.raises(Conflict):
        clues.close_case(officer, case, note="结案")  # no response (and no party to respond)
    case.status = "investigating"
    case.save()
    case = clues.close_case(officer, case, note="结案")
    report = clues.claim_reward(done.code)
    assert report.reward_status == RewardStatus.CLAIMED
    with pytest.raises(Forbidden):
        clues.reveal_reporter(officer, report)  # nobody has taken the reward yet
    report = clues.approve_reward(officer, report, amount="2000")
    assert clues.reveal_reporter(officer, report) == {"name": "张三", "phone": "13800000001"}
    other = regulator("330603")
    with pytest.raises(Forbidden):
        clues.reveal_reporter(other, report)
    report = clues.mark_reward_paid(officer, report)
    assert report.reward_status == RewardStatus.PAID and report.reward_amount == Decimal("2000")
    assert not PublicReport.objects.restrict(regulator("3301"), "view").exists()
