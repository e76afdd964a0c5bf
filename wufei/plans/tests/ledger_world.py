"""A producer with real ledger entries at chosen times (through ``ledger.actions``, frozen
clock), for the declaration tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from wufei.catalog.models import TreatmentMethod
from wufei.catalog.tests.factories import TreatmentMethodFactory
from wufei.ledger import actions as ledger
from wufei.ledger.tests.factories import Producer, producer_setup
from wufei.registry.models import FacilityKind
from wufei.registry.tests.factories import FacilityFactory

from .clock import SHANGHAI, frozen

T = Decimal


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def producer(management_class: str, year: int = 2026) -> Producer:
    """``ledger.tests.factories.producer_setup`` for ``year`` with the given class; the site
    registered on 1 January (so the scheduled job declares that year's periods)."""
    with frozen(at(1, 1, 0, year)):
        p = producer_setup(year)
    p.org.management_class = management_class
    p.org.management_class_derived = management_class
    p.org.save()
    p.site.created_at = at(1, 1, 0, year)
    p.site.save()
    return p


def produce(
    p: Producer, when: dt.datetime, tonnes: str, *, store: bool = True, package: str = "drum"
) -> Any:
    """A container of ``tonnes`` produced at ``when`` (stored in TS001 unless ``store=False``);
    ``package="ibc"`` is a 1,000 L tote (up to 2 t), the default a 200 L drum (up to 0.5 t)."""
    with frozen(when):
        result = ledger.produce_container(
            p.user,
            p.site,
            waste_code=p.code.code,
            package_type=package,
            volume_litres="1000" if package == "ibc" else "200",
            weight_tonnes=tonnes,
            facility=p.storage if store else None,
        )
    return result.container


def method(code: str) -> TreatmentMethod:
    kind = "utilisation" if code.startswith("R") else "disposal"
    return TreatmentMethod.objects.filter(code=code).first() or TreatmentMethodFactory(
        code=code, kind=kind
    )


def treat(p: Producer, container: Any, when: dt.datetime, method_code: str = "R9") -> Any:
    chosen = method(method_code)
    facility = p.site.facilities.filter(code=f"LY{method_code}").first() or FacilityFactory(
        site=p.site, code=f"LY{method_code}", kind=FacilityKind.UTILISATION
    )
    with frozen(when):
        return ledger.self_treat(p.user, container, facility, chosen).container


def ship(
    p: Producer,
    container: Any,
    when: dt.datetime,
    *,
    receiver: str = "绍兴危废处置有限公司",
    permit: str = "3306000001",
    method_code: str = "D10",
) -> Any:
    chosen = method(method_code)
    with frozen(when):
        return ledger.ship_out(
            p.user,
            container,
            receiver_name=receiver,
            receiver_permit_number=permit,
            receiver_type="licensed",
            method=chosen,
            manifest_number="20263306000001",
        ).container


def reverse_last(p: Producer, container: Any, when: dt.datetime, reason: str = "录错") -> Any:
    entry = (
        container.entries.exclude(kind="reversal")
        .filter(reversed_by__isnull=True)
        .order_by("-at", "-pk")
        .first()
    )
    with frozen(when):
        return ledger.reverse_entry(p.user, entry, reason=reason)
