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

Every pickup leaves on manifests (``shipping.py``), so a lot of a transferred stream is at
most :data:`MAX_LOT` tonnes (one vehicle's load); key and simplified units also send a load
of general industrial solid waste (一般工业固废, their industry's SW classes) with some pickups.
Streams in ``skip`` (planned for a cross-province receiver, which needs an approval: see
``shipping.cross_province_hook``) are not produced in the ledger year.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .clock import at
from .industries import BY_CODE, waste_streams
from .wastes import detail

START = dt.date(2025, 12, 1)
END = dt.date(2026, 11, 25)  # the last day with activity; the demo's today is 26 November 2026
DAYS = (END - START).days + 1
OVERRUN_FACTOR = Decimal("2.5")
PICKUPS_STOP = dt.date(2026, 9, 30)  # the overrun unit's receiver stops collecting after this
LAST_PICKUP = END - dt.timedelta(days=7)  # so that every unit has recent waste in storage

#: (lots of one stream per year at most, days between pickups) by management class
CADENCE = {
    "key": (24, (28, 42)),
    "simplified": (12, (42, 84)),
    "registered": (4, (60, 120)),
    "medical": (12, (21, 28)),  # hospitals: medical waste leaves every three to four weeks
}
# A package holds at most 1.5 times its typical weight (still well inside ledger.rules.DENSITY).
FILL_HIGH = Decimal("1.5")
MIN_LOT = Decimal("0.0150")  # 15 kg: above the lowest plausible weight of any demo package
MAX_LOT = Decimal("20")  # a transferred lot fits on one vehicle (the largest demo trucks: 18–30 t)
#: every n-th pickup of a key / simplified unit also takes a load of general waste
GENERAL_EVERY = {"key": 4, "simplified": 6}
GENERAL_BAG = Decimal("0.9")  # t per 1,000 L bulk bag of general waste
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
    general: bool = False  # general industrial solid waste (``code`` is its SW class)


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
    skip: frozenset[str] = frozenset(),
) -> Activity:
    """The year of one producer. ``own_treatment``: codes its plan sends to its own incinerator;
    ``pin_over`` / ``pin_near``: containers kept in storage over / close to one year;
    ``skip``: codes left out of the ledger year (planned for a cross-province receiver)."""
    rng = random.Random(f"{seed}:activity:{uscc}")
    activity = Activity(uscc, management_class, overrun=overrun)
    streams = [(c, t) for c, t in waste_streams(uscc, industry_code, annual) if c not in skip]
    if not streams:
        return activity
    most, _ = CADENCE.get(management_class, CADENCE["registered"])
    for code, tonnes in streams:
        year_tonnes = tonnes * (OVERRUN_FACTOR if overrun else 1)
        package = Decimal(detail(code).kg) / 1000
        n = max(1, min(most, int(year_tonnes / package)))
        if code not in own_treatment:  # each lot fits on one vehicle (even at +20 %)
            n = max(n, math.ceil(year_tonnes * Decimal("1.2") / MAX_LOT))
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
    pickups = _schedule(activity, rng, management_class, overrun)
    _general(activity, random.Random(f"{seed}:general:{uscc}"), industry_code, pickups)
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


def _schedule(
    activity: Activity, rng: random.Random, klass: str, overrun: bool
) -> dict[dt.date, dt.datetime]:
    """When each lot leaves: own treatment 1–10 days later, else the first pickup ≥ 3 days
    after it was produced (none after the last pickup: the lot is in storage today)."""
    pickups = _pickups(rng, klass, PICKUPS_STOP if overrun else LAST_PICKUP)
    times = {day: at(day, 14, rng.randint(0, 59)) for day in pickups}  # one truck visit
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
            lot.out = times[pickup]
    return times


def _general(
    activity: Activity,
    rng: random.Random,
    industry_code: str,
    pickups: dict[dt.date, dt.datetime],
) -> None:
    """A load of general industrial solid waste (1–12 t of one of the industry's SW classes)
    produced on the morning of every n-th pickup and sent with it (its own manifest kind)."""
    every = GENERAL_EVERY.get(activity.management_class)
    industry = BY_CODE.get(industry_code)
    if not every or industry is None or not industry.general:
        return
    for i, (day, when) in enumerate(sorted(pickups.items())):
        if i % every != every - 1:
            continue
        weight = Decimal(str(round(rng.uniform(1, 12), 3)))
        activity.lots.append(
            Lot(
                rng.choice(industry.general),
                at(day, 8, rng.randint(0, 59)),
                weight,
                math.ceil(weight / GENERAL_BAG),
                out=when,
                general=True,
            )
        )
