"""A hazardous-waste manifest from draft to closure, and the guards of each step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.ledger.models import ContainerStatus, LedgerEntry
from wufei.manifests import actions, signing
from wufei.manifests.models import ItemStatus, ManifestStatus, Signature

pytestmark = pytest.mark.django_db


def _submitted(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    return actions.submit(trip.shipper_user, m)


def _in_transit(trip):
    m = _submitted(trip)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    return actions.sign_pickup(trip.driver_user, m)


def test_full_lifecycle(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert m.status == ManifestStatus.DRAFT and m.number is None
    assert m.lines.count() == 1 and m.items.count() == 3
    line = m.lines.get()
    assert line.quantity_tonnes == Decimal("0.5400") and line.package_count == 3

    m = actions.submit(trip.shipper_user, m)
    assert m.status == ManifestStatus.SUBMITTED
    assert len(m.number) == 14 and m.number.startswith("20263306")
    assert m.number.endswith("000001")

    for n, c in enumerate(trip.containers):
        result = actions.scan_load(trip.driver_user, m, c.ident_code)
        assert result.remaining == 2 - n and not result.already
    again = actions.scan_load(trip.driver_user, m, trip.containers[0].ident_code)
    assert again.already

    m = actions.sign_handover(trip.shipper_user, m)
    for c in trip.containers:
        c.refresh_from_db()
        assert c.status == ContainerStatus.SHIPPED
        entry = LedgerEntry.objects.filter(container=c, kind="shipped").get()
        assert entry.manifest_number == m.number
    m = actions.sign_pickup(trip.driver_user, m)
    assert m.status == ManifestStatus.IN_TRANSIT

    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    m.refresh_from_db()
    assert m.status == ManifestStatus.ARRIVED
    assert str(m.receipt_due_on) == "2026-03-09"  # 5 working days after Monday 2 March

    m = actions.sign_receipt(trip.receiver_user, m)
    assert m.status == ManifestStatus.RECEIVED and m.outcome == "accepted"
    assert not m.has_discrepancy  # 0.537 of 0.540 t is within the 5 % tolerance
    line.refresh_from_db()
    assert line.received_tonnes == Decimal("0.5370")

    m = actions.record_treatment(trip.receiver_user, m, codes=[trip.containers[0].ident_code])
    assert m.status == ManifestStatus.RECEIVED
    m = actions.record_treatment(trip.receiver_user, m)
    assert m.status == ManifestStatus.CLOSED
    assert set(m.items.values_list("status", flat=True)) == {ItemStatus.TREATED}

    steps = list(Signature.objects.filter(manifest=m).values_list("step", flat=True))
    assert steps == ["submit", "handover", "pickup", "receipt", "treatment"]
    for sig in Signature.objects.filter(manifest=m):
        assert signing.verify(sig)
    actions_seen = set(
        AuditEvent.objects.filter(
            object_type="manifests.manifest", object_id=str(m.pk)
        ).values_list("action", flat=True)
    )
    assert {
        "manifests.manifest.create",
        "manifests.manifest.submit",
        "manifests.manifest.scan_load",
        "manifests.manifest.handover",
        "manifests.manifest.pickup",
        "manifests.manifest.scan_arrival",
        "manifests.manifest.receipt",
        "manifests.manifest.treatment",
    } <= actions_seen


def test_tampered_signature_does_not_verify(trip):
    m = _submitted(trip)
    sig = Signature.objects.get(manifest=m)
    assert signing.verify(sig)
    sig.signer_name = "someone else"
    assert not signing.verify(sig)


def test_scan_of_a_container_not_on_the_manifest_stops_loading(trip):
    from wufei.manifests.tests.factories import stored_container

    m = _submitted(trip)
    stranger = stored_container(trip.producer, 99)
    with pytest.raises(Conflict) as err:
        actions.scan_load(trip.driver_user, m, stranger.ident_code)
    assert err.value.code == "manifests.scan_not_on_manifest"


def test_label_that_does_not_match_stops_loading(trip):
    m = _submitted(trip)
    with pytest.raises(Conflict) as err:
        actions.scan_load(trip.driver_user, m, trip.containers[0].ident_code, label_weight="0.2500")
    assert err.value.code == "manifests.label_mismatch"


def test_handover_refused_while_a_container_is_missing(trip):
    m = _submitted(trip)
    actions.scan_load(trip.driver_user, m, trip.containers[0].ident_code)
    with pytest.raises(Conflict) as err:
        actions.sign_handover(trip.shipper_user, m)
    assert err.value.code == "manifests.scan_missing"
    assert len(err.value.details["missing"]) == 2


def test_pickup_needs_the_shippers_handover_and_only_the_carrier_signs_it(trip):
    m = _submitted(trip)
    with pytest.raises(Conflict):
        actions.sign_pickup(trip.driver_user, m)
    with pytest.raises(Forbidden):
        actions.sign_pickup(trip.shipper_user, m)


def test_replayed_pickup_signature_fails_cleanly(trip):
    m = _in_transit(trip)
    with pytest.raises(Conflict):
        actions.sign_pickup(trip.driver_user, m)
    assert Signature.objects.filter(manifest=m, step="pickup").count() == 1


def test_numbers_are_never_reused_after_cancellation(trip):
    from wufei.manifests.tests.factories import stored_container

    m1 = _submitted(trip)
    actions.cancel(trip.shipper_user, m1, reason="车辆故障")
    m1.refresh_from_db()
    assert m1.status == ManifestStatus.CANCELLED
    trip.containers = [stored_container(trip.producer, 10)]
    m2 = _submitted(trip)
    assert m2.number[-6:] == "000002"


def test_cancel_needs_reason_and_is_refused_after_pickup(trip):
    m = _submitted(trip)
    with pytest.raises(ValidationFailed) as err:
        actions.cancel(trip.shipper_user, m, reason=" ")
    assert err.value.field == "reason"
    m = _in_transit_from(trip, m)
    with pytest.raises(Conflict):
        actions.cancel(trip.shipper_user, m, reason="晚了")


def _in_transit_from(trip, m):
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    return actions.sign_pickup(trip.driver_user, m)


def test_container_cannot_be_on_two_open_manifests(trip):
    actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(Conflict) as err:
        actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert err.value.code == "manifests.container_on_other_manifest"


def test_partial_refusal_with_discrepancy(trip):
    m = _in_transit(trip)
    a, b, c = (x.ident_code for x in trip.containers)
    actions.scan_arrival(trip.receiver_user, m, a, weight_tonnes="0.1800")
    actions.scan_arrival(trip.receiver_user, m, b, weight_tonnes="0.1200")
    with pytest.raises(Conflict) as err:
        actions.sign_receipt(trip.receiver_user, m)
    assert err.value.code == "manifests.scan_missing"
    with pytest.raises(ValidationFailed) as err:
        actions.sign_receipt(trip.receiver_user, m, refused={c: "包装破损"})
    assert err.value.field == "reason"
    with pytest.raises(ValidationFailed) as err:
        actions.sign_receipt(trip.receiver_user, m, refused={c: "包装破损"}, reason="破损拒收")
    assert err.value.field == "refusal_route"
    m = actions.sign_receipt(
        trip.receiver_user,
        m,
        refused={c: "包装破损"},
        reason="一桶破损拒收，一桶重量不足",
        refusal_route="return",
        lines={1: {"discrepancies": ["packaging"]}},
    )
    assert m.outcome == "partly_refused" and m.has_discrepancy
    line = m.lines.get()
    assert set(line.discrepancy) == {"packaging", "quantity"}
    assert line.accepted_tonnes == Decimal("0.3000")


def test_receipt_after_five_working_days_is_late(trip, clock):
    import datetime as dt

    from wufei.plans.tests.clock import frozen

    m = _in_transit(trip)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1800")
    with frozen(clock + dt.timedelta(days=8)):
        m = actions.sign_receipt(trip.receiver_user, m)
    assert m.receipt_late


def test_submit_refuses_a_receiver_without_a_covering_permit(trip):
    trip.permit.scopes.all().delete()
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, m)
    assert err.value.code == "manifests.permit_scope"
    m.refresh_from_db()
    assert m.status == ManifestStatus.DRAFT and m.number is None


def test_submit_refuses_over_the_permits_capacity(db, clock):
    from wufei.manifests.tests.factories import trip_setup

    trip = trip_setup(capacity="0.5")
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, m)
    assert err.value.code == "manifests.permit_capacity"


def test_submit_refuses_waste_not_in_the_plan(trip):
    trip.producer.line.delete()
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, m)
    assert err.value.code == "manifests.not_in_plan"


def test_submit_refuses_a_vehicle_without_dangerous_goods_licence(trip):
    trip.vehicle.dangerous_goods = False
    trip.vehicle.save()
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, m)
    assert err.value.field == "vehicle"


def test_cross_province_needs_an_approval(db, clock):
    from wufei.manifests.tests.factories import trip_setup

    trip = trip_setup(receiver_region="320102")
    trip.producer.line.transfer_type = "cross_province"
    trip.producer.line.save()
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert m.is_cross_province
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, m)
    assert err.value.code == "manifests.approval_missing"


def test_multi_carrier_handover(trip):
    from wufei.registry.tests.factories import (
        DriverFactory,
        OrganizationFactory,
        VehicleFactory,
        member_of,
    )

    m = _in_transit(trip)
    second = OrganizationFactory(is_producer=False, is_carrier=True, name="第二承运人")
    vehicle = VehicleFactory(organization=second)
    driver_user = member_of(second, role="driver")
    driver = DriverFactory(organization=second, user=driver_user)
    actions.add_leg(
        trip.driver_user,
        m,
        carrier=second,
        vehicle=vehicle,
        driver=driver,
        handover_place="嘉兴服务区",
    )
    with pytest.raises(Conflict):
        actions.scan_arrival(
            trip.receiver_user, m, trip.containers[0].ident_code, weight_tonnes="0.18"
        )
    with pytest.raises(Forbidden):
        actions.scan_leg(trip.driver_user, m, trip.containers[0].ident_code)
    actions.scan_leg(driver_user, m, trip.containers[0].ident_code)
    with pytest.raises(Conflict) as err:
        actions.sign_leg(driver_user, m)
    assert err.value.code == "manifests.scan_missing"
    for c in trip.containers[1:]:
        actions.scan_leg(driver_user, m, c.ident_code)
    m = actions.sign_leg(driver_user, m)
    assert m.current_leg == 2
    assert Signature.objects.filter(manifest=m, step="leg_handover", leg=2).exists()
    from wufei.manifests.models import Manifest

    assert Manifest.objects.restrict(driver_user, "view").filter(pk=m.pk).exists()


def test_a_replayed_handover_is_refused_before_touching_the_ledger(trip):
    m = _submitted(trip)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    actions.sign_handover(trip.shipper_user, m)
    with pytest.raises(Conflict) as err:
        actions.sign_handover(trip.shipper_user, m)
    assert err.value.code == "manifests.already_signed"
    assert LedgerEntry.objects.filter(kind="shipped").count() == 3
