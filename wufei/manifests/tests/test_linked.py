"""Refused waste (Art. 18): return to the shipper or redirect to another receiver."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.ledger.models import ContainerStatus, LedgerEntry
from wufei.manifests import actions
from wufei.manifests.models import ItemStatus, ManifestStatus
from wufei.registry.tests.factories import (
    OrganizationFactory,
    PermitFactory,
    PermitScopeFactory,
    SiteFactory,
    member_of,
    regulator,
)

pytestmark = pytest.mark.django_db


def _received(trip, refused):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    m = actions.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    return actions.sign_receipt(
        trip.receiver_user,
        m,
        refused={trip.containers[i].ident_code: "包装破损" for i in refused},
        reason="包装破损拒收",
        refusal_route="return",
    )


def _transport(trip):
    return {
        "carrier": trip.carrier,
        "vehicle": trip.vehicle,
        "driver": trip.driver,
        "planned_pickup_on": timezone.localdate(),
    }


def _run_trip(trip, linked, handover_user, arrival_user):
    for item in linked.items.select_related("container"):
        actions.scan_load(trip.driver_user, linked, item.container.ident_code)
    linked = actions.sign_linked_handover(handover_user, linked)
    linked = actions.sign_pickup(trip.driver_user, linked)
    for item in linked.items.select_related("container"):
        actions.scan_arrival(
            arrival_user, linked, item.container.ident_code, weight_tonnes="0.1790"
        )
    return actions.sign_receipt(arrival_user, linked)


def test_return_to_the_shipper_and_back_into_its_storage(trip):
    original = _received(trip, refused=[0])
    refused = trip.containers[0]
    with pytest.raises(ValidationFailed) as err:  # the receiver has no site yet
        actions.create_linked_manifest(trip.receiver_user, original, "return", **_transport(trip))
    assert err.value.code == "manifests.site_required"
    SiteFactory(organization=trip.receiver)

    back = actions.create_linked_manifest(
        trip.receiver_user, original, "return", **_transport(trip)
    )
    assert back.status == ManifestStatus.DRAFT and back.parent_id == original.pk
    assert back.link_kind == "return"
    assert back.shipper_id == trip.receiver.pk and back.receiver_id == trip.producer.org.pk
    assert list(back.items.values_list("container_id", flat=True)) == [refused.pk]
    assert back.lines.get().quantity_tonnes == Decimal("0.1790")

    back = actions.submit_linked(trip.receiver_user, back)
    assert back.status == ManifestStatus.SUBMITTED and len(back.number) == 14
    item = original.items.get(container=refused)
    assert item.status == ItemStatus.RETURNED
    original.refresh_from_db()
    assert original.status == ManifestStatus.RECEIVED  # two containers still to treat
    original = actions.record_treatment(trip.receiver_user, original)
    assert original.status == ManifestStatus.CLOSED

    back = _run_trip(trip, back, trip.receiver_user, trip.shipper_user)
    assert back.status == ManifestStatus.RECEIVED
    refused.refresh_from_db()
    assert refused.status == ContainerStatus.SHIPPED  # not yet in the shipper's inventory
    with pytest.raises(Forbidden):
        actions.store_returned(trip.receiver_user, back, trip.producer.storage)
    back = actions.store_returned(trip.shipper_user, back, trip.producer.storage)
    assert back.status == ManifestStatus.CLOSED
    refused.refresh_from_db()
    assert refused.status == ContainerStatus.STORED
    assert refused.facility_id == trip.producer.storage.pk
    shipped = LedgerEntry.objects.get(container=refused, kind="shipped")
    reversal = LedgerEntry.objects.get(container=refused, kind="reversal")
    assert reversal.reversal_of_id == shipped.pk and back.number in reversal.reason
    assert (
        LedgerEntry.objects.filter(container=refused, kind="stored_in").count() == 1
    )  # the store-back (the factory stored it without an entry)
    assert refused.can_ship()  # it can leave again on a new manifest


def test_redirect_to_another_receiver(trip):
    original = _received(trip, refused=[0, 1, 2])
    assert original.status == ManifestStatus.REFUSED
    other = OrganizationFactory(is_producer=False, is_receiver=True, name="宁波危废利用公司")
    with pytest.raises(ValidationFailed) as err:
        actions.create_linked_manifest(
            trip.shipper_user, original, "redirect", receiver=trip.receiver, **_transport(trip)
        )
    assert err.value.code == "manifests.receiver_invalid"
    new = actions.create_linked_manifest(
        trip.shipper_user, original, "redirect", receiver=other, **_transport(trip)
    )
    assert new.shipper_id == trip.producer.org.pk and new.receiver_id == other.pk
    with pytest.raises(ValidationFailed) as err:  # the new receiver's permit is checked
        actions.submit_linked(trip.shipper_user, new)
    assert err.value.code == "manifests.permit_missing"
    permit = PermitFactory(
        organization=other, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2029, 12, 31)
    )
    scope = PermitScopeFactory(permit=permit, waste_code=trip.producer.code)
    scope.methods.add(trip.method)

    new = actions.submit_linked(trip.shipper_user, new)
    original.refresh_from_db()
    assert original.status == ManifestStatus.CLOSED  # nothing left on it
    assert set(original.items.values_list("status", flat=True)) == {ItemStatus.RETURNED}

    receiver_user = member_of(other)
    new = _run_trip(trip, new, trip.shipper_user, receiver_user)
    c = trip.containers[0]
    entries = LedgerEntry.objects.filter(container=c, kind="shipped").order_by("at", "pk")
    assert [e.manifest_number for e in entries] == [original.number, new.number]
    assert entries[0].reversed_by.kind == "reversal" and entries[1].receiver_name == other.name
    new = actions.record_treatment(receiver_user, new)
    assert new.status == ManifestStatus.CLOSED


def test_guards(trip):
    original = _received(trip, refused=[0])
    SiteFactory(organization=trip.receiver)
    with pytest.raises(ValidationFailed):
        actions.create_linked_manifest(trip.receiver_user, original, "burn", **_transport(trip))
    with pytest.raises(Forbidden):  # the shipper does not fill the return
        actions.create_linked_manifest(trip.shipper_user, original, "return", **_transport(trip))
    with pytest.raises(Forbidden):  # the receiver does not choose another receiver
        actions.create_linked_manifest(trip.receiver_user, original, "redirect", **_transport(trip))
    with pytest.raises(NotFound):
        actions.create_linked_manifest(regulator("3306"), original, "return", **_transport(trip))
    with pytest.raises(ValidationFailed):
        actions.create_linked_manifest(
            trip.receiver_user, original, "return", **{**_transport(trip), "vehicle": None}
        )
    back = actions.create_linked_manifest(
        trip.receiver_user, original, "return", **_transport(trip)
    )
    with pytest.raises(Conflict) as err:  # the same containers cannot go twice
        actions.create_linked_manifest(trip.receiver_user, original, "return", **_transport(trip))
    assert err.value.code == "manifests.container_on_other_manifest"
    with pytest.raises(Conflict):  # the main-path hand-over does not apply to a linked draft
        actions.sign_linked_handover(trip.receiver_user, back)
    with pytest.raises(Conflict) as err:
        actions.store_returned(trip.shipper_user, back, trip.producer.storage)
    assert err.value.code == "manifests.not_received"
    actions.submit_linked(trip.receiver_user, back)
    with pytest.raises(Conflict) as err:
        actions.create_linked_manifest(trip.receiver_user, original, "return", **_transport(trip))
    assert err.value.code == "manifests.nothing_refused"


def test_no_refusal_nothing_to_link_and_plain_drafts_are_not_linked(trip):
    original = _received(trip, refused=[])
    with pytest.raises(Conflict) as err:
        actions.create_linked_manifest(trip.shipper_user, original, "redirect", **_transport(trip))
    assert err.value.code == "manifests.nothing_refused"
    with pytest.raises(Conflict) as err:
        actions.submit_linked(trip.shipper_user, original)
    assert err.value.code == "manifests.not_linked"


def test_linked_pages(trip, client):
    from django.urls import reverse

    original = _received(trip, refused=[0])
    SiteFactory(organization=trip.receiver)
    client.force_login(trip.receiver_user)
    url = reverse("manifests:linked_new", args=[original.pk])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "route": "return",
            "carrier": trip.carrier.pk,
            "vehicle": trip.vehicle.pk,
            "driver": trip.driver.pk,
            "planned_pickup_on": "2026-03-03",
        },
    )
    assert r.status_code == 302
    back = original.children.get()
    step = reverse("manifests:linked_step", args=[back.pk])
    assert client.get(step).context["steps"]["submit"]
    client.post(step, {"step": "submit"})
    back.refresh_from_db()
    assert back.status == ManifestStatus.SUBMITTED
    client.force_login(trip.shipper_user)  # the shipper may see it but not submit for the receiver
    client.post(step, {"step": "handover"})
    back.refresh_from_db()
    assert not back.signatures.filter(step="handover").exists()
    client.force_login(member_of(OrganizationFactory()))
    assert client.get(step).status_code == 404
