"""Supervision API: warnings (filters, loop steps with If-Match and Idempotency-Key, bad input),
statistics, clues and cases, the anonymous public report (rate limited, bad photos refused) and
its follow-up, and the trip as GeoJSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from wufei.plans.tests.clock import frozen
from wufei.supervision.models import Case, Clue, PublicReport, Warning

from .test_pages import build_world, jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference_data, trip, clock):
    cache.clear()
    built = build_world(trip)
    with frozen(clock + dt.timedelta(hours=5)):
        yield built


def api(user=None) -> APIClient:
    c = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        c.force_authenticate(user)
    return c


def test_warning_list_filters_and_404_for_others(world):
    officer = api(world.officer)
    rows = officer.get("/api/v1/warnings/").json()["results"]
    assert [r["id"] for r in rows] == [world.warning.pk]
    assert rows[0]["severity"] == "red" and rows[0]["manifest"] == world.manifest.number
    assert officer.get("/api/v1/warnings/?severity=yellow").json()["results"] == []
    assert officer.get("/api/v1/warnings/?status=active&rule=track.long_stop").json()["results"]
    assert officer.get("/api/v1/warnings/?overdue=true").json()["results"] == []
    assert api(world.stranger).get("/api/v1/warnings/").json()["results"] == []
    r = api(world.stranger).get(f"/api/v1/warnings/{world.warning.pk}/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api().get("/api/v1/warnings/").status_code in (401, 403)


def test_the_loop_over_the_api(world):
    w, officer = world.warning, api(world.officer)
    url = f"/api/v1/warnings/{w.pk}"
    r = officer.post(f"{url}/assign/", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="a-1")
    assert r.status_code == 200 and r.json()["status"] == "assigned" and r["ETag"] == '"2"'
    again = officer.post(f"{url}/assign/", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="a-1")
    assert again["Idempotent-Replayed"] == "true"
    stale = officer.post(f"{url}/verify/", {"note": "核实"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    empty = officer.post(f"{url}/verify/", {"note": " "})
    assert empty.status_code == 400 and empty.json()["field"] == "note"
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff fake", content_type="image/jpeg")
    r = officer.post(f"{url}/verify/", {"note": "现场核实", "file": photo}, format="multipart")
    assert r.status_code == 200 and r.json()["notes"][0]["file_url"]
    bad = officer.post(
        f"{url}/rectify/", {"measures": "清理", "due_on": "2020-01-01"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "due_on"
    assert "不能早于今天" in bad.json()["message"]
    garbage = officer.post(f"{url}/rectify/", {"measures": "清理", "due_on": "soon"}, format="json")
    assert garbage.status_code == 400 and garbage.json()["field"] == "due_on"
    r = officer.post(f"{url}/rectify/", {"measures": "清理现场"}, format="json")
    assert r.status_code == 200 and r.json()["rectification_due_on"]
    assert officer.post(f"{url}/respond/", {"response": "x"}).status_code == 403
    premature = officer.post(f"{url}/close/", {"note": "销号"})
    assert premature.status_code == 409
    carrier = api(world.carrier_user)
    assert carrier.get(f"{url}/").status_code == 200
    assert carrier.post(f"{url}/respond/", {"response": "已清理"}).status_code == 200
    r = officer.post(f"{url}/close/", {"note": "整改完成"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    notes = officer.get(f"{url}/notes/").json()
    assert [n["kind"] for n in notes] == ["verification", "rectification", "response", "comment"]
    stats = officer.get("/api/v1/warnings/statistics/").json()
    assert stats["closed"] == 1 and stats["rectification_rate"] == 1.0
    # a closed warning cannot be dismissed
    assert officer.post(f"{url}/dismiss/", {"reason": "误报"}).status_code == 409


def test_clues_and_cases_over_the_api(world):
    f, officer = world.finding, api(world.officer)
    body = {
        "source": "drone",
        "latitude": str(f.latitude),
        "longitude": str(f.longitude + 0.003),
        "observed_at": (f.ended_at + dt.timedelta(hours=2)).isoformat(),
        "description": "无人机发现田间倾倒",
    }
    bad = officer.post("/api/v1/clues/", {**body, "source": "rumour"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "source"
    outside = officer.post("/api/v1/clues/", {**body, "latitude": "39.9", "longitude": "116.4"})
    assert outside.status_code == 400 and outside.json()["field"] == "latitude"
    r = officer.post("/api/v1/clues/", body, format="json", HTTP_IDEMPOTENCY_KEY="clue-1")
    assert r.status_code == 201, r.json()
    clue = r.json()
    assert clue["matches"][0]["manifest"] == world.manifest.number
    assert clue["matches"][0]["plate"] == world.trip.vehicle.plate
    assert (
        officer.post(
            "/api/v1/clues/", body, format="json", HTTP_IDEMPOTENCY_KEY="clue-1"
        ).status_code
        == 201
    )
    assert Clue.objects.count() == 1
    assert api(world.carrier_user).get(f"/api/v1/clues/{clue['id']}/").status_code == 404
    assert api(world.carrier_user).post("/api/v1/clues/", body, format="json").status_code in (
        403,
        404,
    )
    early = officer.post(f"/api/v1/clues/{clue['id']}/open-case/", {"title": "案"})
    assert early.status_code == 409
    assert officer.post(f"/api/v1/clues/{clue['id']}/verify/", {"note": "属实"}).status_code == 200
    r = officer.post(f"/api/v1/clues/{clue['id']}/open-case/", {"title": "田间倾倒案"})
    assert r.status_code == 201 and r.json()["organization"]["id"] == world.trip.carrier.pk
    case = r.json()["id"]
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    no_due = officer.post(
        f"/api/v1/cases/{case}/rectify/", {"findings": "倾倒", "measures": "清理"}
    )
    assert no_due.status_code == 400 and no_due.json()["field"] == "due_on"
    bad_fine = officer.post(
        f"/api/v1/cases/{case}/rectify/",
        {"findings": "倾倒", "measures": "清理", "due_on": due, "penalty_amount": "-1"},
    )
    assert bad_fine.status_code == 400 and bad_fine.json()["field"] == "penalty_amount"
    r = officer.post(
        f"/api/v1/cases/{case}/rectify/",
        {"findings": "倾倒", "measures": "清理", "due_on": due, "penalty_amount": "20000"},
    )
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    assert (
        api(world.carrier_user)
        .post(f"/api/v1/cases/{case}/respond/", {"response": "已清理"})
        .status_code
        == 200
    )
    assert (
        officer.post(f"/api/v1/cases/{case}/close/", {"note": "结案"}).json()["status"] == "closed"
    )
    assert [c["id"] for c in api(world.carrier_user).get("/api/v1/cases/").json()["results"]] == [
        case
    ]
    assert api(world.stranger).get(f"/api/v1/cases/{case}/").status_code == 404


def test_public_report_over_the_api(world, settings):
    settings.WUFEI_REPORTS_PER_HOUR = 2
    f = world.finding
    anon = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="10.3.3.3")
    not_image = SimpleUploadedFile("a.jpg", b"hello", content_type="image/jpeg")
    r = anon.post(
        "/api/v1/public-reports/",
        {
            "description": "倾倒",
            "latitude": f.latitude,
            "longitude": f.longitude,
            "photos": [not_image],
        },
        format="multipart",
    )
    assert r.status_code == 400 and r.json()["field"] == "photos" and "JPEG" in r.json()["message"]
    r = anon.post(
        "/api/v1/public-reports/",
        {
            "description": "有车倒桶",
            "latitude": f.latitude,
            "longitude": f.longitude,
            "photos": [jpeg()],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    code = r.json()["code"]
    assert PublicReport.objects.get().anonymous
    follow = anon.get(f"/api/v1/public-reports/{code}/")
    assert follow.status_code == 200 and follow.json()["clue_status"] == "new"
    assert anon.get("/api/v1/public-reports/NOPE/").status_code == 404
    anon.post(
        "/api/v1/public-reports/",
        {"description": "再报", "latitude": f.latitude, "longitude": f.longitude},
    )
    limited = anon.post(
        "/api/v1/public-reports/",
        {"description": "x", "latitude": f.latitude, "longitude": f.longitude},
    )
    assert limited.status_code == 429 and "12369" in limited.json()["message"]


def test_trip_geojson(world):
    officer = api(world.officer)
    r = officer.get(f"/api/v1/trips/{world.manifest.pk}/")
    assert r.status_code == 200
    data = r.json()
    kinds = [f["properties"]["kind"] for f in data["features"]["features"]]
    assert data["features"]["type"] == "FeatureCollection"
    assert "path" in kinds and "origin" in kinds and "destination" in kinds and "finding" in kinds
    stop = next(
        f for f in data["features"]["features"] if f["properties"].get("finding") == "long_stop"
    )
    assert stop["properties"]["warning_url"] == world.warning.get_absolute_url()
    assert stop["geometry"]["coordinates"] == [world.finding.longitude, world.finding.latitude]
    assert data["boundaries"]["features"], "the counties around the trip are the background"
    assert len(data["path"]) > 10
    assert api(world.stranger).get(f"/api/v1/trips/{world.manifest.pk}/").status_code == 404
    # the shipper sees the trip but not the carrier's warning
    shipper = api(world.trip.shipper_user).get(f"/api/v1/trips/{world.manifest.pk}/").json()
    stop = next(
        f for f in shipper["features"]["features"] if f["properties"].get("finding") == "long_stop"
    )
    assert stop["properties"]["warning_url"] == ""
    assert Warning.objects.count() == 1 and not Case.objects.exists()
