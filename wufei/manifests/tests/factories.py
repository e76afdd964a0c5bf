"""A trip ready to go: a producer with stored containers, a licensed receiver, a carrier with a
vehicle and a driver, and a user for each party (the other apps' factories underneath)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from wufei.catalog.models import TreatmentMethod
from wufei.labels.ident import make_ident_code
from wufei.ledger.models import Container, ContainerStatus
from wufei.ledger.tests.factories import ContainerFactory, Producer, producer_setup
from wufei.registry.models import Driver, Organization, Permit, Vehicle
from wufei.registry.tests.factories import (
    DriverFactory,
    OrganizationFactory,
    PermitFactory,
    PermitScopeFactory,
    VehicleFactory,
    member_of,
    region,
)


@dataclass
class Trip:
    producer: Producer
    receiver: Organization
    permit: Permit
    carrier: Organization
    vehicle: Vehicle
    driver: Driver
    method: TreatmentMethod
    shipper_user: Any
    driver_user: Any
    receiver_user: Any
    containers: list[Container] = field(default_factory=list)

    def draft_data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "shipper_site": self.producer.site,
            "receiver": self.receiver,
            "carrier": self.carrier,
            "vehicle": self.vehicle,
            "driver": self.driver,
            "planned_pickup_on": timezone.localdate(),
            "containers": [c.pk for c in self.containers],
            "methods": self.method.code,
        }
        data.update(overrides)
        return data


def stored_container(p: Producer, n: int, weight: str = "0.1800") -> Container:
    day = timezone.localdate()
    return ContainerFactory(
        site=p.site,
        organization=p.org,
        waste_code=p.code,
        status=ContainerStatus.STORED,
        facility=p.storage,
        weight_tonnes=Decimal(weight),
        ident_code=make_ident_code(p.org.uscc, p.code.code, day, n),
        produced_on=day,
        coded_at=timezone.now(),
        stored_since=timezone.now(),
    )


def trip_setup(
    *, containers: int = 3, receiver_region: str = "330602", capacity: str = "1000"
) -> Trip:
    p = producer_setup(timezone.localdate().year)
    method, _ = TreatmentMethod.objects.get_or_create(
        code="D10", defaults={"kind": "disposal", "name": "焚烧", "verified": "S"}
    )
    receiver = OrganizationFactory(
        is_producer=False,
        is_receiver=True,
        region=region(receiver_region),
        name="绍兴危废处置有限公司",
    )
    permit = PermitFactory(
        organization=receiver,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2029, 12, 31),
    )
    scope = PermitScopeFactory(
        permit=permit, waste_code=p.code, annual_capacity_tonnes=Decimal(capacity)
    )
    scope.methods.add(method)
    carrier = OrganizationFactory(is_producer=False, is_carrier=True, name="绍兴危货运输有限公司")
    vehicle = VehicleFactory(organization=carrier)
    driver_user = member_of(carrier, role="driver")
    driver = DriverFactory(
        organization=carrier, user=driver_user, qualification_valid_until=dt.date(2030, 1, 1)
    )
    trip = Trip(
        producer=p,
        receiver=receiver,
        permit=permit,
        carrier=carrier,
        vehicle=vehicle,
        driver=driver,
        method=method,
        shipper_user=p.user,
        driver_user=driver_user,
        receiver_user=member_of(receiver),
    )
    trip.containers = [stored_container(p, n) for n in range(1, containers + 1)]
    return trip
