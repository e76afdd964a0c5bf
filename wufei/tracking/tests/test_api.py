import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from wufei.tracking import coords
from wufei.tracking.models import TrackPoint

URL = "/api/v1/tracking/points"
T0 = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)


def client_for(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def iso(seconds):
    return (T0 + dt.timedelta(seconds=seconds)).isoformat()


def test_json_batch_with_counts_and_errors(fleet):
    api = client_for(fleet.user)
    body = [
        {"plate": "浙D10001", "time": iso(0), "lat": 30.08, "lon": 120.49, "speed": 35.5},
        {"plate": "浙D10001", "time": iso(10), "lat": 30.09, "lon": 120.49, "speed": 300},
        {"terminal": "T0001", "time": iso(20), "lat": 30.10, "lon": 120.49},
        {"plate": "浙A99999", "time": iso(30), "lat": 30.10, "lon": 120.49},  # carrier B's
    ]
    r = api.post(URL, body, format="json")
    assert r.status_code == 200, r.content
    assert {k: r.data[k] for k in ("received", "accepted", "duplicates", "rejected")} == {
        "received": 4,
        "accepted": 2,
        "duplicates": 0,
        "rejected": 2,
    }
    assert [(e["index"], e["field"], e["code"]) for e in r.data["errors"]] == [
        (1, "speed", "tracking.speed_range"),
        (3, "plate", "tracking.vehicle_unknown"),
    ]
    assert TrackPoint.objects.filter(vehicle=fleet.truck).count() == 2
    assert not TrackPoint.objects.filter(vehicle=fleet.foreign).exists()
    r = api.post(URL, body[:1], format="json")
    assert (r.data["accepted"], r.data["duplicates"]) == (0, 1)


def test_chinese_messages(fleet):
    api = client_for(fleet.user, "zh-hans")
    r = api.post(URL, [{"plate": "浙D10001", "time": iso(0), "lat": 95, "lon": 120}], format="json")
    assert r.data["errors"][0]["message"] == "纬度应在 -90 到 90 之间。"


def test_csv_upload_in_gcj02_with_chinese_headers(fleet):
    wgs = (30.0833, 120.4920)
    g = coords.wgs84_to_gcj02(*wgs)
    text = "车牌号,时间,纬度,经度,速度,方向\n"
    text += f"浙D10002,{(T0 + dt.timedelta(hours=8)).strftime('%Y-%m-%d %H:%M:%S')},{g[0]:.7f},{g[1]:.7f},12,180\n"
    text += f"浙D10002,{iso(60)},abc,{g[1]},12,180\n"
    r = client_for(fleet.user).post(
        URL + "?crs=gcj02", data=text.encode("gbk"), content_type="text/csv"
    )
    assert r.status_code == 200, r.content
    assert r.data["accepted"] == 1 and r.data["errors"][0]["field"] == "lat"
    p = TrackPoint.objects.get()
    assert p.vehicle == fleet.van and p.at == T0  # naive CSV time = Beijing time
    assert coords.haversine_m(p.lat, p.lon, *wgs) < 1.0


def test_csv_without_required_columns(fleet):
    r = client_for(fleet.user).post(URL, data=b"plate,lat\n", content_type="text/csv")
    assert r.status_code == 400 and r.data["code"] == "tracking.csv_invalid"


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "tracking.points_invalid"),
        ([], "tracking.points_invalid"),
        ({"crs": "utm", "points": [{}]}, "tracking.crs_invalid"),
    ],
)
def test_bad_bodies(fleet, body, code):
    r = client_for(fleet.user).post(URL, body, format="json")
    assert r.status_code == 400 and r.data["code"] == code


def test_who_may_post(fleet):
    body = [{"plate": "浙D10001", "time": iso(0), "lat": 30.08, "lon": 120.49}]
    assert APIClient().post(URL, body, format="json").status_code == 401
    for user in (fleet.reader, fleet.regulator):
        r = client_for(user).post(URL, body, format="json")
        assert r.data["accepted"] == 0 and r.data["errors"][0]["code"] == "tracking.vehicle_unknown"
    assert not TrackPoint.objects.exists()


def test_idempotency_key_replays_the_first_answer(fleet):
    api = client_for(fleet.user)
    body = [{"plate": "浙D10001", "time": iso(0), "lat": 30.08, "lon": 120.49}]
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    assert first.data["accepted"] == 1 and again.data["accepted"] == 1
    assert again["Idempotent-Replayed"] == "true"
    assert api.post(URL, body, format="json").data["duplicates"] == 1
    assert TrackPoint.objects.count() == 1
