"""Rules raise each fact once; the loop open → assigned → verifying → rectifying → closed
(or dismissed); overdue steps escalate to the city; events raise at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.ledger.models import Container
from wufei.manifests import actions as manifests
from wufei.registry.models import Organization
from wufei.registry.tests.factories import member_of, regulator
from wufei.supervision import actions, rules
from wufei.supervision.models import Warning, WarningStatus
from wufei.supervision.tasks import scan_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureaus(db):
    county = regulator("330602")
    city = regulator("3306")
    return county, city


def _old_container(trip):
    c = trip.containers[0]
    Container.objects.filter(pk=c.pk).update(stored_since=timezone.now() - dt.timedelta(days=400))
    return c


def test_a_fact_raises_one_warning_to_the_county_bureau(trip, bureaus):
    county, _ = bureaus
    _old_container(trip)
    first = scan_rules(["storage.over_year", "storage.near_year"])
    assert first == {"storage.near_year": 0, "storage.over_year": 1}
    assert scan_rules(["storage.over_year"]) == {"storage.over_year": 0}  # never twice
    w = Warning.objects.get()
    assert w.severity == "red" and w.status == WarningStatus.OPEN
    assert w.assigned_to.region.code == "330602"
    assert w.organization == trip.producer.org
    assert Warning.objects.restrict(county, "view").filter(pk=w.pk).exists()
    assert Warning.objects.restrict(trip.shipper_user, "view").filter(pk=w.pk).exists()
    assert not Warning.objects.restrict(trip.receiver_user, "view").filter(pk=w.pk).exists()
    assert not Warning.objects.restrict(regulator("3301"), "view").filter(pk=w.pk).exists()


def test_the_whole_loop_to_closed(trip, bureaus):
    county, _ = bureaus
    _old_container(trip)
    scan_rules(["storage.over_year"])
    w = Warning.objects.get()
    w = actions.assign(county, w)
    assert w.status == WarningStatus.ASSIGNED and w.assignee == county
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")
    w = actions.verify(county, w, note="现场核实：桶已贮存超过一年", upload=photo)
    assert w.status == WarningStatus.VERIFYING and w.notes.get().file_sha256
    w = actions.require_rectification(county, w, measures="30日内委托有资质单位处置")
    assert w.status == WarningStatus.RECTIFYING and w.rectification_due_on
    with pytest.raises(Conflict):
        actions.close(county, w, note="销号")  # the enterprise has not answered
    with pytest.raises(NotFound):  # the receiver does not even see the producer's warning
        actions.respond(trip.receiver_user, w, response="不是我们")
    reader = member_of(trip.producer.org, role="reader")
    with pytest.raises(NotFound):
        actions.respond(reader, w, response="读者不能答复")
    w = actions.respond(trip.shipper_user, w, response="已签订处置合同并转移")
    w = actions.close(county, w, note="整改完成，予以销号")
    assert w.status == WarningStatus.CLOSED and w.closed_at
    steps = list(
        AuditEvent.objects.filter(object_type="supervision.warning", object_id=str(w.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert steps == [
        "supervision.warning.raise",
        "supervision.warning.assign",
        "supervision.warning.verify",
        "supervision.warning.rectify",
        "supervision.warning.respond",
        "supervision.warning.close",
    ]


def test_only_a_bureau_of_the_area_acts_and_bad_input_is_refused(trip, bureaus):
    county, _ = bureaus
    _old_container(trip)
    scan_rules(["storage.over_year"])
    w = Warning.objects.get()
    with pytest.raises(NotFound):
        actions.assign(regulator("3301"), w)
    with pytest.raises(Forbidden):
        actions.assign(trip.shipper_user, w)
    with pytest.raises(ValidationFailed) as err:
        actions.verify(county, w, note="  ")
    assert err.value.field == "note"
    actions.verify(county, w, note="核实")
    with pytest.raises(ValidationFailed) as err:
        actions.require_rectification(county, w, measures="整改", due_on=dt.date(2020, 1, 1))
    assert err.value.field == "due_on"


def test_dismiss_with_a_reason(trip, bureaus):
    county, _ = bureaus
    _old_container(trip)
    scan_rules(["storage.over_year"])
    w = actions.dismiss(county, Warning.objects.get(), reason="已于线下处置，台账补录中")
    assert w.status == WarningStatus.DISMISSED
    with pytest.raises(Conflict):
        actions.assign(county, w)


def test_overdue_step_escalates_to_the_city_once(trip, bureaus):
    _, city = bureaus
    _old_container(trip)
    scan_rules(["storage.over_year"])
    later = timezone.now() + dt.timedelta(days=2)  # red: assign within 24 h
    done = actions.escalate_overdue(now=later)
    assert len(done) == 1
    w = Warning.objects.get()
    assert w.escalated and w.assigned_to.region.code == "330600"
    assert actions.escalate_overdue(now=later) == []
    assert Warning.objects.restrict(city, "view").filter(pk=w.pk).exists()


def test_discrepancy_at_receipt_raises_a_warning_for_the_receiving_area(
    trip, bureaus, django_capture_on_commit_callbacks
):
    m = manifests.create_draft(trip.shipper_user, **trip.draft_data())
    m = manifests.submit(trip.shipper_user, m)
    for c in trip.containers:
        manifests.scan_load(trip.driver_user, m, c.ident_code)
    manifests.sign_handover(trip.shipper_user, m)
    m = manifests.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        manifests.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1000")
    with django_capture_on_commit_callbacks(execute=True):
        manifests.sign_receipt(trip.receiver_user, m, reason="重量严重不足")
    w = Warning.objects.get(rule="manifest.discrepancy")
    assert w.manifest == m and w.region == m.destination_region
    assert w.severity == "orange"


def test_receipt_overdue_rule(trip, bureaus):
    m = manifests.create_draft(trip.shipper_user, **trip.draft_data())
    m = manifests.submit(trip.shipper_user, m)
    for c in trip.containers:
        manifests.scan_load(trip.driver_user, m, c.ident_code)
    manifests.sign_handover(trip.shipper_user, m)
    m = manifests.sign_pickup(trip.driver_user, m)
    manifests.scan_arrival(
        trip.receiver_user, m, trip.containers[0].ident_code, weight_tonnes="0.18"
    )
    m.refresh_from_db()
    facts = list(
        rules.get("manifest.receipt_overdue").facts(m.receipt_due_on + dt.timedelta(days=1))
    )
    assert [f.manifest_id for f in facts] == [m.pk]
    assert list(rules.get("manifest.receipt_overdue").facts(m.receipt_due_on)) == []


def test_every_rule_has_regulation_severity_and_target():
    assert len(rules.REGISTRY) >= 20
    for rule in rules.REGISTRY.values():
        assert rule.severity in ("red", "orange", "yellow")
        assert str(rule.regulation) and str(rule.target) and str(rule.title)


def test_every_scheduled_rule_runs_on_an_empty_database(db):
    assert set(scan_rules()) == set(rules.REGISTRY)
    assert Warning.objects.count() == 0


def test_bureau_for_picks_the_most_local(db):
    from wufei.registry.tests.factories import region

    regulator("33")
    regulator("3306")
    assert actions.bureau_for(region("330602")).region.code == "330600"
    regulator("330602")
    county = actions.bureau_for(region("330602"))
    assert county.region.code == "330602"
    assert actions.bureau_for(region("330602"), above=county).region.code == "330600"
    assert Organization.objects.filter(is_regulator=True).count() == 3


def test_the_docs_list_every_rule():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "supervision.md").read_text(
        encoding="utf-8"
    )
    missing = [code for code in rules.REGISTRY if f"`{code}`" not in text]
    assert not missing, f"docs/supervision.md does not list {missing}"
