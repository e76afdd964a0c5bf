"""A year of ledger activity for a demo producer, as plain data (no database).

:func:`producer_activity` turns a producer's waste streams (``industries.waste_streams``) into
the containers it filled from 1 December 2025 to 25 November 2026 (the twelve months up to the
demo's "today", 26 November 2026): for each stream, lots spread over the year whose weights sum
to about the stream's annual tonnes, packed as ``wastes.DETAILS`` says; and the pickups
(委外, 出库) that empty the storage facility every few weeks (key units), months (simplified)
or quarter (registered), or own incineration within days where the plan says so.

Some containers are pinned in storage on purpose: produced in October–November 2025 (over one
year in storage now, 固废法 Art. 81) or in January 2026 (close to one year). One producer, the
*overrun* unit, generates 2.5 times its plan and its receiver stops collecting after
September, so its storage facility runs over capacity. Everything is drawn from
``Random(f"{seed}:activity:{uscc}")``: the same seed gives the same year.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .clock import at
from .industries import waste_streams
from .wastes import detail

START = dt.date(2025, 12, 1)
END = dt.date(2026, 11, 25)  # the last day with activity; the demo's today is 26 November 2026
DAYS = (END - START).days + 1
OVERRUN_FACTOR = Decimal("2.5")
PICKUPS_STOP = dt.date(2026, 9, 30)  # the overrun unit's receiver stops collecting after this
LAST_PICKUP = END - dt.timedelta(days=7)  # so that every unit has recent waste in storage

#: (lots of one stream per year at most, days between pickups) by management class
CADENCE = {
    "key": (24, (14, 28)),
    "simplified": (12, (30, 60)),
    "registered": (4, (60, 120)),
}
# A package holds at most 1.5 times its typical weight (still well inside ledger.rules.DENSITY).
FILL_HIGH = Decimal("1.5")
MIN_LOT = Decimal("0.0150")  # 15 kg: above the lowest plausible weight of any demo package
T = Decimal("0.0001")


@dataclass
class Lot:
    """One container (or lot of packages of one waste), its times and what happens to it."""

    code: str
    produced: dt.datetime
    weight: Decimal  # tonnes
    count: int
    out: dt.datetime | None = None  # leaves storage (pickup or own treatment); None: still stored
    treat: bool = False  # own utilisation/disposal instead of a pickup
    pinned: str = ""  # "over_year" / "near_year": kept in storage on purpose


@dataclass
class Activity:
    uscc: str
    management_class: str
    lots: list[Lot] = field(default_factory=list)
    overrun: bool = False

    @property
    def tonnes(self) -> Decimal:
        return sum((lot.weight for lot in self.lots), Decimal("0"))


def _count(weight: Decimal, code: str) -> int:
    """Packages for ``weight`` tonnes: about its typical weight each, never above
    ``FILL_HIGH`` times it."""
    typical = Decimal(detail(code).kg) / 1000
    ceiling = typical * FILL_HIGH
    count = max(1, int((weight / typical).to_integral_value(ROUND_HALF_UP)))
    while weight > ceiling * count:
        count += 1
    return count


def _pickups(rng: random.Random, klass: str, until: dt.date) -> list[dt.date]:
    low, high = CADENCE.get(klass, CADENCE["registered"])[1]
    day = START + dt.timedelta(days=rng.randint(5, low))
    out = []
    while day <= until:
        out.append(day)
        day += dt.timedelta(days=rng.randint(low, high))
    return out


def producer_activity(
    seed: int,
    uscc: str,
    industry_code: str,
    annual: Decimal | None,
    management_class: str,
    *,
    own_treatment: frozenset[str] = frozenset(),
    pin_over: int = 0,
    pin_near: int = 0,
    overrun: bool = False,
) -> Activity:
    """The year of one producer. ``own_treatment``: codes its plan sends to its own incinerator;
    ``pin_over`` / ``pin_near``: containers kept in storage over / close to one year."""
    rng = random.Random(f"{seed}:activity:{uscc}")
    activity = Activity(uscc, management_class, overrun=overrun)
    streams = waste_streams(uscc, industry_code, annual)
    if not streams:
        return activity
    most, _ = CADENCE.get(management_class, CADENCE["registered"])
    for code, tonnes in streams:
        year_tonnes = tonnes * (OVERRUN_FACTOR if overrun else 1)
        package = Decimal(detail(code).kg) / 1000
        n = max(1, min(most, int(year_tonnes / package)))
        base = year_tonnes / n
        for i in range(n):
            day = START + dt.timedelta(days=min(DAYS - 1, int((i + rng.random()) * DAYS / n)))
            weight = max((base * Decimal(str(rng.uniform(0.8, 1.2)))).quantize(T), MIN_LOT)
            activity.lots.append(
                Lot(
                    code,
                    at(day, rng.randint(8, 16), rng.randint(0, 59)),
                    weight,
                    _count(weight, code),
                    treat=code in own_treatment,
                )
            )
    _pin(activity, rng, streams, pin_over, pin_near)
    _schedule(activity, rng, management_class, overrun)
    activity.lots.sort(key=lambda lot: (lot.produced, lot.code))
    return activity


def _pin(
    activity: Activity,
    rng: random.Random,
    streams: list[tuple[str, Decimal]],
    over: int,
    near: int,
) -> None:
    """Containers left in storage: one package of the lightest-packed stream."""
    code = min((c for c, _ in streams), key=lambda c: (detail(c).kg, c))
    package = Decimal(detail(code).kg) / 1000
    for kind, number, first, span in (
        ("over_year", over, dt.date(2025, 10, 20), 30),
        ("near_year", near, dt.date(2026, 1, 4), 21),
    ):
        for _ in range(number):
            day = first + dt.timedelta(days=rng.randint(0, span))
            weight = (package * Decimal(str(rng.uniform(0.6, 0.95)))).quantize(T)
            activity.lots.append(
                Lot(code, at(day, rng.randint(9, 15), rng.randint(0, 59)), weight, 1, pinned=kind)
            )


def _schedule(activity: Activity, rng: random.Random, klass: str, overrun: bool) -> None:
    """When each lot leaves: own treatment 1–10 days later, else the first pickup ≥ 3 days
    after it was produced (none after the last pickup: the lot is in storage today)."""
    pickups = _pickups(rng, klass, PICKUPS_STOP if overrun else LAST_PICKUP)
    for lot in activity.lots:
        if lot.pinned:
            continue
        if lot.treat:
            day = lot.produced.date() + dt.timedelta(days=rng.randint(1, 10))
            if day <= END:
                lot.out = at(day, rng.randint(9, 16), rng.randint(0, 59))
            continue
        ready = lot.produced.date() + dt.timedelta(days=3)
        pickup = next((p for p in pickups if p >= ready), None)
        if pickup is not None:
            lot.out = at(pickup, 14, rng.randint(0, 59))
