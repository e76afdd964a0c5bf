"""The trip page (/trips/<manifest id>/): the map data for the parties and the regulators who
may view the manifest (or a warning raised on the trip); 404 for everyone else."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from wufei.catalog.testing import load_reference_data_for_tests
from wufei.plans.tests.clock import frozen
from wufei.registry.tests.factories import regulator
from wufei.supervision.tests.test_pages import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(trip, clock):
    load_reference_data_for_tests()
    built = build_world(trip)
    with frozen(clock + dt.timedelta(hours=5)):
        yield built


def _get(user, url):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c.get(url)


def _map_data(body: str) -> dict:
    found = re.search(
        r'<script id="trip-map-data" type="application/json">(.*?)</script>', body, re.S
    )
    assert found, "the map's data is in the page"
    return json.loads(found.group(1))


def test_the_trip_page_draws_the_track_findings_and_boundaries(world):
    url = f"/trips/{world.manifest.pk}/"
    page = _get(world.trip.shipper_user, url)
    assert page.status_code == 200
    body = page.content.decode()
    data = _map_data(body)
    kinds = {f["properties"]["kind"] for f in data["features"]["features"]}
    assert {"path", "origin", "destination", "finding"} <= kinds
    assert data["boundaries"]["features"] and len(data["path"]) > 10
    assert "leaflet.js" in body and "trips/map.js" in body and "<script>" not in body
    assert world.manifest.number in body and "异常停留" in body
    # the shipper sees the finding but not the carrier's warning; the officer sees both
    stop = next(f for f in data["features"]["features"] if f["properties"]["kind"] == "finding")
    assert stop["properties"]["warning_url"] == ""
    officer = _map_data(_get(world.officer, url).content.decode())
    stop = next(f for f in officer["features"]["features"] if f["properties"]["kind"] == "finding")
    assert stop["properties"]["warning_url"] == world.warning.get_absolute_url()


@pytest.mark.parametrize("who", ["receiver_user", "driver_user"])
def test_the_other_parties_see_it(world, who):
    assert _get(getattr(world.trip, who), f"/trips/{world.manifest.pk}/").status_code == 200


def test_others_get_404(world):
    url = f"/trips/{world.manifest.pk}/"
    assert _get(regulator("3302"), url).status_code == 404
    assert _get(world.officer, "/trips/987654/").status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302


def test_the_button_for_the_manifest_page(world):
    from django.template.loader import render_to_string

    html = render_to_string("trips/_trip_button.html", {"manifest": world.manifest})
    assert f'href="/trips/{world.manifest.pk}/"' in html
    no_trip = world.trip.receiver  # any object without a trip renders nothing
    assert render_to_string("trips/_trip_button.html", {"manifest": no_trip}).strip() == ""
