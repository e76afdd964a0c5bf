"""Micro collectors (小微收运): receive from small producers, consolidate, ship onward, trace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from wufei.catalog.models import TreatmentMethod
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.ledger.models import ContainerStatus, LedgerEntry
from wufei.ledger.tests.factories import Producer
from wufei.manifests import actions
from wufei.manifests.models import Consolidation, ItemStatus, ManifestStatus
from wufei.plans.models import WasteForm
from wufei.plans.tests.factories import FiledPlanFactory, PlanWasteFactory
from wufei.registry.models import FacilityKind
from wufei.registry.tests.factories import (
    FacilityFactory,
    OrganizationFactory,
    PermitFactory,
    PermitScopeFactory,
    SiteFactory,
    member_of,
)

from .factories import stored_container

pytestmark = pytest.mark.django_db


def _unit(trip, **org_fields) -> Producer:
    """An organisation with a site, a storage and a filed plan listing the trip's waste."""
    org = OrganizationFactory(**org_fields)
    site = SiteFactory(organization=org)
    storage = FacilityFactory(site=site, kind=FacilityKind.STORAGE, capacity_tonnes=Decimal("20"))
    plan = FiledPlanFactory(site=site, year=timezone.localdate().year)
    line = PlanWasteFactory(
        plan=plan,
        waste_code=trip.producer.code,
        internal_name="废机油",
        form=WasteForm.LIQUID,
        storage_facility=storage,
    )
    return Producer(org, site, storage, plan, line, trip.producer.code, member_of(org))


@dataclass
class World:
    trip: Any
    collector: Producer
    small: Producer
    small_containers: list[Any]
    collect_method: Any


@pytest.fixture
def world(trip):
    method, _ = TreatmentMethod.objects.get_or_create(
        code="C1", defaults={"kind": "other", "name": "收集", "verified": "S"}
    )
    collector = _unit(trip, is_producer=False, is_collector=True, name="绍兴小微收运有限公司")
    permit = PermitFactory(
        organization=collector.org,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2029, 12, 31),
    )
    scope = PermitScopeFactory(permit=permit, waste_code=trip.producer.code)
    scope.methods.add(method)
    small = _unit(trip, name="小微汽修店")
    return World(trip, collector, small, [stored_container(small, n) for n in (1, 2)], method)


def _to_collector(w: World, producer: Producer, containers) -> Any:
    t = w.trip
    data = t.draft_data(
        shipper_site=producer.site,
        receiver=w.collector.org,
        containers=[c.pk for c in containers],
        methods="C1",
    )
    m = actions.submit(producer.user, actions.create_draft(producer.user, **data))
    for c in containers:
        actions.scan_load(t.driver_user, m, c.ident_code)
    actions.sign_handover(producer.user, m)
    m = actions.sign_pickup(t.driver_user, m)
    for c in containers:
        actions.scan_arrival(w.collector.user, m, c.ident_code, weight_tonnes="0.1790")
    return actions.sign_receipt(w.collector.user, m)


def _consolidate(w: World, items, **kw):
    args = {
        "site": w.collector.site,
        "facility": w.collector.storage,
        "package_type": "ibc",
        "volume_litres": "1000",
    }
    args.update(kw)
    return actions.consolidate(w.collector.user, items, **args)


def test_consolidate_ship_onward_and_trace(world):
    w, t = world, world.trip
    m1 = _to_collector(w, t.producer, t.containers)
    m2 = _to_collector(w, w.small, w.small_containers)
    items = list(m1.items.all()) + list(m2.items.all())
    box = _consolidate(w, items)
    assert box.organization_id == w.collector.org.pk
    assert len(box.ident_code) == 37 and box.ident_code.startswith(w.collector.org.uscc)
    assert box.status == ContainerStatus.STORED and box.facility_id == w.collector.storage.pk
    assert box.weight_tonnes == Decimal("0.8950")  # 5 × 0.1790 received
    assert LedgerEntry.objects.filter(container=box, kind="produced").count() == 1
    assert Consolidation.objects.filter(container=box).count() == 5
    for m in (m1, m2):
        m.refresh_from_db()
        assert m.status == ManifestStatus.CLOSED
        assert set(m.items.values_list("status", flat=True)) == {ItemStatus.CONSOLIDATED}

    # The collector is the 移出人 of a normal manifest to the licensed receiver.
    onward = actions.create_draft(
        w.collector.user,
        **t.draft_data(shipper_site=w.collector.site, containers=[box.pk]),
    )
    onward = actions.submit(w.collector.user, onward)
    assert onward.status == ManifestStatus.SUBMITTED

    tree = actions.trace(box)
    assert [i.manifest_id for i in tree.items] == [onward.pk]
    assert [p.pk for p in tree.producers] == [t.producer.org.pk, w.small.org.pk]
    leaves = {leaf.container.pk: leaf for leaf in tree.leaves()}
    assert set(leaves) == {c.pk for c in t.containers + w.small_containers}
    first = leaves[t.containers[0].pk]
    assert [i.manifest_id for i in first.items] == [m1.pk] and first.tonnes == Decimal("0.1790")


def test_partial_consolidation_leaves_the_manifest_open(world):
    w, t = world, world.trip
    m1 = _to_collector(w, t.producer, t.containers)
    items = list(m1.items.order_by("pk"))
    _consolidate(w, items[:2], volume_litres="500")
    m1.refresh_from_db()
    assert m1.status == ManifestStatus.RECEIVED
    with pytest.raises(Conflict) as err:  # already consolidated
        _consolidate(w, items[:1])
    assert err.value.code == "manifests.not_consolidatable"
    m1 = actions.record_treatment(w.collector.user, m1)
    assert m1.status == ManifestStatus.CLOSED


def test_guards(world):
    w, t = world, world.trip
    m1 = _to_collector(w, t.producer, t.containers)
    items = list(m1.items.all())
    with pytest.raises(ValidationFailed) as err:
        _consolidate(w, [])
    assert err.value.code == "manifests.consolidate_empty"
    with pytest.raises(ValidationFailed) as err:  # 0.537 t do not fit a 10 L drum
        _consolidate(w, items, package_type="drum", volume_litres="10")
    assert err.value.code == "ledger.weight_implausible"
    assert set(m1.items.values_list("status", flat=True)) == {ItemStatus.RECEIVED}
    with pytest.raises(Forbidden):  # the producer does not consolidate for the collector
        actions.consolidate(
            t.shipper_user,
            items,
            site=w.collector.site,
            facility=w.collector.storage,
            package_type="ibc",
            volume_litres="1000",
        )
    receiver_site = SiteFactory(organization=t.receiver)
    with pytest.raises(ValidationFailed) as err:  # a licensed receiver is not a collector
        actions.consolidate(
            t.receiver_user,
            items,
            site=receiver_site,
            facility=None,
            package_type="ibc",
            volume_litres="1000",
        )
    assert err.value.code == "manifests.not_collector"


def test_items_of_other_manifests_are_not_found(world):
    w, t = world, world.trip
    m = actions.submit(t.shipper_user, actions.create_draft(t.shipper_user, **t.draft_data()))
    with pytest.raises(NotFound):
        _consolidate(w, list(m.items.all()))
    # Not received yet: refused as a state conflict.
    data = t.draft_data(
        shipper_site=w.small.site,
        receiver=w.collector.org,
        containers=[c.pk for c in w.small_containers],
        methods="C1",
    )
    m2 = actions.submit(w.small.user, actions.create_draft(w.small.user, **data))
    with pytest.raises(Conflict) as err:
        _consolidate(w, list(m2.items.all()))
    assert err.value.code == "manifests.not_consolidatable"


def test_consolidate_and_trace_pages(world, client):
    from django.urls import reverse

    w, t = world, world.trip
    m1 = _to_collector(w, t.producer, t.containers)
    client.force_login(w.collector.user)
    url = reverse("manifests:consolidate")
    page = client.get(url)
    choices = dict(page.context["form"].fields["items"].choices)
    assert len(choices) == 3
    r = client.post(
        url,
        {
            "items": list(choices),
            "site": w.collector.site.pk,
            "facility": w.collector.storage.pk,
            "package_type": "ibc",
            "volume_litres": "1000",
        },
    )
    assert r.status_code == 302
    box = Consolidation.objects.first().container
    page = client.get(reverse("manifests:trace", args=[box.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert m1.number in text and t.containers[0].ident_code in text
    # The producer sees the trace of its own container; a stranger sees nothing.
    client.force_login(t.shipper_user)
    assert client.get(reverse("manifests:trace", args=[t.containers[0].pk])).status_code == 200
    assert client.get(reverse("manifests:trace", args=[box.pk])).status_code == 404
    client.force_login(t.receiver_user)  # not a collector
    assert client.get(url).status_code == 404
