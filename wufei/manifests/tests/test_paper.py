"""Paper manifests entered back (纸质联单补录, Art. 20)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.workdays import add_workdays
from wufei.ledger.models import ContainerStatus, LedgerEntry
from wufei.manifests import actions, signing
from wufei.manifests.models import ItemStatus, ManifestStatus, Signature
from wufei.registry.tests.factories import OrganizationFactory, member_of, regulator

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4\n% paper manifest scan\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _scan(name="scan.pdf", data=SCAN):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _data(trip, **overrides):
    data = {
        "shipper_site": trip.producer.site,
        "receiver": trip.receiver,
        "carrier": trip.carrier,
        "vehicle": trip.vehicle,
        "driver": trip.driver,
        "paper_number": "ZJ-2026-0001",
        "transferred_on": dt.date(2026, 2, 27),
        "scan_file": _scan(),
        "containers": [c.pk for c in trip.containers],
        "methods": "D10",
    }
    data.update(overrides)
    return data


def test_paper_manifest_with_ledger_containers(trip):
    codes = [c.ident_code for c in trip.containers]
    m = actions.enter_paper_manifest(
        trip.shipper_user, **_data(trip, received={codes[0]: "0.1750"})
    )
    assert m.is_paper and m.status == ManifestStatus.RECEIVED and m.outcome == "accepted"
    assert len(m.number) == 14 and m.number.startswith("20263306")
    assert m.paper_number == "ZJ-2026-0001" and str(m.paper_transferred_on) == "2026-02-27"
    assert not m.paper_entered_late  # Friday → Monday: 1 working day
    assert m.paper_scan_sha256 == hashlib.sha256(SCAN).hexdigest()
    with m.paper_scan.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == m.paper_scan_sha256
    sig = Signature.objects.get(manifest=m)
    assert sig.step == "paper" and signing.verify(sig)
    line = m.lines.get()
    assert line.received_tonnes == Decimal("0.5350") and line.received_method.code == "D10"
    assert set(m.items.values_list("status", flat=True)) == {ItemStatus.RECEIVED}
    for c in trip.containers:
        c.refresh_from_db()
        assert c.status == ContainerStatus.SHIPPED
        assert LedgerEntry.objects.get(container=c, kind="shipped").manifest_number == m.number
    # The receiver treats the waste on the normal path; the paper manifest closes.
    m = actions.record_treatment(trip.receiver_user, m)
    assert m.status == ManifestStatus.CLOSED


def test_late_entry_and_lines_without_containers(trip):
    m = actions.enter_paper_manifest(
        trip.shipper_user,
        **_data(
            trip,
            containers=None,
            transferred_on="2026-02-02",
            closed=True,
            lines=[
                {
                    "waste_code": trip.producer.code.code,
                    "name": "废机油",
                    "form": "liquid",
                    "package_type": "drum",
                    "package_count": 4,
                    "quantity_tonnes": "0.8",
                    "received_tonnes": "0.79",
                    "method": "D10",
                }
            ],
        ),
    )
    assert m.status == ManifestStatus.CLOSED and m.closed_at is not None
    assert m.paper_entered_late  # the Spring Festival lies between, still > 10 working days
    line = m.lines.get()
    assert line.quantity_tonnes == Decimal("0.8000") and line.accepted_tonnes == Decimal("0.7900")
    assert not m.items.exists()


def test_ten_working_days_is_in_time(trip):
    day = add_workdays(timezone.localdate(), -10)
    m = actions.enter_paper_manifest(trip.shipper_user, **_data(trip, transferred_on=day))
    assert not m.paper_entered_late
    trip2_day = add_workdays(timezone.localdate(), -11)
    m2 = actions.enter_paper_manifest(
        trip.shipper_user,
        **_data(
            trip,
            containers=None,
            paper_number="ZJ-2026-0002",
            transferred_on=trip2_day,
            lines=[
                {
                    "waste_code": trip.producer.code.code,
                    "name": "废机油",
                    "form": "liquid",
                    "package_type": "drum",
                    "quantity_tonnes": "0.2",
                    "method": "D10",
                }
            ],
        ),
    )
    assert m2.paper_entered_late


def test_bad_input(trip):
    cases = [
        ({"scan_file": None}, "manifests.scan_file_required"),
        ({"scan_file": _scan("scan.exe")}, "manifests.scan_file_type"),
        ({"scan_file": _scan(data=b"")}, "manifests.scan_file_size"),
        ({"transferred_on": "2026-03-05"}, "manifests.paper_date_invalid"),
        ({"transferred_on": "yesterday"}, "manifests.paper_date_invalid"),
        ({"paper_number": ""}, None),
        ({"receiver": trip.carrier}, "manifests.receiver_invalid"),
        ({"containers": ["NOT-A-CODE"]}, "manifests.container_unknown"),
        ({"received": {"NOT-A-CODE": "0.1"}}, "manifests.scan_not_on_manifest"),
        ({"containers": None}, "manifests.containers_required"),
        (
            {"containers": None, "lines": [{"waste_code": "999-999-99", "quantity_tonnes": "1"}]},
            "manifests.waste_code_unknown",
        ),
    ]
    for overrides, code in cases:
        with pytest.raises(ValidationFailed) as err:
            actions.enter_paper_manifest(trip.shipper_user, **_data(trip, **overrides))
        if code:
            assert err.value.code == code, overrides
    assert not trip.producer.org.manifests_shipped.exists()
    for c in trip.containers:
        c.refresh_from_db()
        assert c.status == ContainerStatus.STORED


def test_duplicate_and_permissions(trip):
    actions.enter_paper_manifest(trip.shipper_user, **_data(trip))
    with pytest.raises(Conflict) as err:
        actions.enter_paper_manifest(trip.shipper_user, **_data(trip, containers=None))
    assert err.value.code == "manifests.paper_duplicate"
    for user in (
        trip.receiver_user,
        trip.driver_user,
        regulator("3306"),
        member_of(OrganizationFactory()),
    ):
        with pytest.raises(Forbidden):
            actions.enter_paper_manifest(user, **_data(trip, paper_number="ZJ-2"))


def test_paper_page(trip, client):
    from django.urls import reverse

    client.force_login(trip.shipper_user)
    url = reverse("manifests:paper_new")
    assert client.get(url).status_code == 200
    codes = [c.ident_code for c in trip.containers]
    data = {
        "shipper_site": trip.producer.site.pk,
        "receiver": trip.receiver.pk,
        "carrier": trip.carrier.pk,
        "vehicle": trip.vehicle.pk,
        "driver": trip.driver.pk,
        "paper_number": "ZJ-9",
        "transferred_on": "2026-02-27",
        "containers": f"{codes[0]} 0.1750\n{codes[1]}\n",
        "method": "D10",
        "scan_file": _scan("scan.exe"),
    }
    bad = client.post(url, data)
    assert bad.status_code == 200 and "scan_file" in bad.context["form"].errors
    data["scan_file"] = _scan()
    r = client.post(url, data)
    assert r.status_code == 302
    m = trip.producer.org.manifests_shipped.get()
    assert m.is_paper and m.items.count() == 2
    assert m.items.get(container=trip.containers[0]).received_tonnes == Decimal("0.1750")
