"""Registers per unit (Excel): outgoing, incoming, transported; only what the user may see."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from wufei.manifests import actions, registers
from wufei.registry.tests.factories import OrganizationFactory, member_of, regulator

from .factories import stored_container

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def _received(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    actions.sign_handover(trip.shipper_user, m)
    m = actions.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    return actions.sign_receipt(trip.receiver_user, m)


def _rows(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_each_party_has_its_register(trip):
    m = _received(trip)
    extra = stored_container(trip.producer, 9)
    actions.create_draft(trip.shipper_user, **trip.draft_data(containers=[extra.pk]))  # not listed
    out = registers.lines(trip.shipper_user, "outgoing", trip.producer.org.pk, START, END)
    assert [line.manifest_id for line in out] == [m.pk]
    rows = _rows(
        registers.export_bytes(trip.shipper_user, "outgoing", trip.producer.org, START, END)
    )
    assert rows[1][0] == "联单编号" and len(rows) == 3
    row = dict(zip(rows[1], rows[2], strict=True))
    assert row["联单编号"] == m.number and row["接收量（吨）"] == pytest.approx(0.537)
    assert row["状态"] == "已接收" and row["转移量（吨）"] == pytest.approx(0.54)
    assert (
        registers.lines(trip.receiver_user, "incoming", trip.receiver.pk, START, END).count() == 1
    )
    carried = registers.lines(trip.driver_user, "transported", trip.carrier.pk, START, END)
    assert carried.count() == 1
    # Nothing as receiver for the producer, nothing outside the range.
    assert not registers.lines(trip.shipper_user, "incoming", trip.producer.org.pk, START, END)
    assert not registers.lines(
        trip.shipper_user,
        "outgoing",
        trip.producer.org.pk,
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    # Someone else asking for the producer's register gets no rows.
    stranger = member_of(OrganizationFactory())
    assert not registers.lines(stranger, "outgoing", trip.producer.org.pk, START, END)
    assert (
        registers.lines(regulator("3306"), "outgoing", trip.producer.org.pk, START, END).count()
        == 1
    )


def test_download_page(trip, client):
    m = _received(trip)
    client.force_login(trip.shipper_user)
    url = reverse("manifests:register", args=["outgoing"])
    page = client.get(url)
    assert page.status_code == 200 and b"date_from" in page.content
    response = client.get(
        url,
        {"organization": trip.producer.org.pk, "date_from": "2026-01-01", "date_to": "2026-03-31"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _rows(response.content)[2][0] == m.number
    # An organisation the user does not belong to is not a choice; a bad range is refused.
    other = OrganizationFactory()
    bad = client.get(
        url, {"organization": other.pk, "date_from": "2026-01-01", "date_to": "2026-03-31"}
    )
    assert bad.status_code == 200 and "organization" in bad.context["form"].errors
    bad = client.get(
        url,
        {"organization": trip.producer.org.pk, "date_from": "2026-03-31", "date_to": "2026-01-01"},
    )
    assert bad.status_code == 200 and bad.context["form"].non_field_errors()
    assert client.get(reverse("manifests:register", args=["everything"])).status_code == 404
