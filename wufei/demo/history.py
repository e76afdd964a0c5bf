"""Write a year of ledger activity (``activity.py``) through the ledger actions.

For each chosen producer, in one transaction: the 2025 management plan (the year's first
containers and the long-stored ones were produced in 2025, and the ledger refuses a waste the
plan of its production year does not list), then every container in time order — the one-step
五即 (``produce_container``: produce, weigh, code, store into the storage facility) on its
production day, and later ``store_out`` to the plan's intended receiver or ``self_treat`` in the
unit's own incinerator. The clock is set to each event's time (``clock.DemoClock``): the actions
have no argument for the time of an event, and refuse production dates more than a year back.

A storage facility that would run over its capacity gets an early pickup of its oldest
containers first; only the *overrun* unit stores over capacity, with a reason. A producer that
already has containers is left alone (a second run adds nothing).
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction

from wufei.ledger import actions as ledger
from wufei.ledger.models import Container
from wufei.plans.models import PlanStatus, PlanWaste
from wufei.registry.models import Facility, FacilityKind, ManagementClass, Organization, Site

from .activity import Activity, Lot, producer_activity
from .clock import DemoClock
from .filing import PlanFiler
from .wastes import detail

OVER_CAPACITY_REASON = "委外处置单位检修暂停接收，超量贮存已报告属地生态环境局"
CLASSES = (ManagementClass.KEY, ManagementClass.SIMPLIFIED, ManagementClass.REGISTERED)


def choose_producers(seed: int, anchor_uscc: str, n: int) -> list[Organization]:
    """The anchor producer (the ``producer`` account's) and ``n - 1`` others, taken in turn
    from each (industry, class) group so that every industry and class occurs; Shaoxing units
    come first in their group (the city and county demo regulators see them)."""
    orgs = list(
        Organization.objects.filter(
            is_producer=True,
            is_active=True,
            management_class__in=CLASSES,
            sites__facilities__kind=FacilityKind.STORAGE,
        )
        .select_related("region")
        .distinct()
        .order_by("uscc")
    )
    rng = random.Random(f"{seed}:activity-choice")
    rng.shuffle(orgs)
    groups: dict[tuple[str, str], list[Organization]] = defaultdict(list)
    chosen = [o for o in orgs if o.uscc == anchor_uscc][:1]
    for org in sorted(orgs, key=lambda o: not o.region.code.startswith("3306")):
        if org.uscc != anchor_uscc:
            groups[(org.industry_code, org.management_class)].append(org)
    order = sorted(groups)
    while len(chosen) < n and any(groups.values()):
        for key in order:
            if groups[key] and len(chosen) < n:
                chosen.append(groups[key].pop(0))
    return chosen


class HistorySeeder:
    def __init__(
        self,
        actor: Any,
        seed: int,
        producers: list[Organization],
        *,
        anchor_uscc: str,
        progress: Callable[[int, str], Any] | None = None,
    ):
        self.actor, self.seed, self.producers = actor, seed, producers
        self.anchor_uscc = anchor_uscc
        self.progress = progress or (lambda n, label: None)
        self.created: Counter[str] = Counter()
        self.present: Counter[str] = Counter()
        self.overrun_uscc = self._overrun()

    def _overrun(self) -> str:
        """The unit that generates far above its plan: a key unit near the anchor."""
        others = [o for o in self.producers if o.uscc != self.anchor_uscc]
        key = [o for o in others if o.management_class == ManagementClass.KEY]
        pick = next((o for o in key if o.region.code == "330603"), None) or next(
            iter(key or others), None
        )
        return pick.uscc if pick else ""

    def run(self) -> None:
        with_containers = set(
            Container.objects.filter(organization__in=self.producers)
            .values_list("organization_id", flat=True)
            .distinct()
        )
        with DemoClock() as clock:
            filer = PlanFiler(self.actor, self.seed, 2025, clock)
            for n, org in enumerate(self.producers):
                if org.pk in with_containers:
                    self.present["activity producer"] += 1
                    self.progress(1, "ledger")
                    continue
                with transaction.atomic():
                    site = (
                        Site.objects.filter(organization=org, is_active=True)
                        .order_by("site_code")
                        .first()
                    )
                    if site is None:
                        continue
                    if site.pk not in filer.existing:
                        filer.file(site)
                        self.created["plan 2025"] += 1
                    self._producer(clock, org, site, n)
                self.created["activity producer"] += 1
                self.progress(1, "ledger")

    # --- one producer ----------------------------------------------------------------------

    def _producer(self, clock: DemoClock, org: Organization, site: Site, n: int) -> None:
        lines = {
            (line.plan.year, line.waste_code.code): line
            for line in PlanWaste.objects.filter(
                plan__site=site, plan__status=PlanStatus.FILED, plan__is_current=True
            ).select_related("plan", "waste_code", "receiver")
        }
        own = frozenset(code for (year, code), line in lines.items() if line.treatment_facility_id)
        anchor = org.uscc == self.anchor_uscc
        activity = producer_activity(
            self.seed,
            org.uscc,
            org.industry_code,
            org.annual_hazardous_tonnes,
            org.management_class,
            own_treatment=own,
            pin_over=2 if anchor else int(n % 4 == 1),
            pin_near=2 if anchor else int(n % 4 == 3),
            overrun=org.uscc == self.overrun_uscc,
        )
        facilities = {f.code: f for f in Facility.objects.filter(site=site, is_active=True)}
        storage = next(f for f in facilities.values() if f.kind == FacilityKind.STORAGE)
        incinerator = next(
            (f for f in facilities.values() if f.kind == FacilityKind.DISPOSAL), None
        )
        _Run(self, clock, org, site, storage, incinerator, lines, activity).play()


class _Run:
    """Plays one producer's activity in time order, keeping the storage load in view."""

    def __init__(
        self,
        owner: HistorySeeder,
        clock: DemoClock,
        org: Organization,
        site: Site,
        storage: Facility,
        incinerator: Facility | None,
        lines: dict[tuple[int, str], PlanWaste],
        activity: Activity,
    ):
        self.owner, self.clock, self.org, self.site = owner, clock, org, site
        self.storage, self.incinerator, self.lines = storage, incinerator, lines
        self.activity = activity
        self.operator = (org.contact_name or "")[:50]
        self.load = Decimal("0")
        self.stored: dict[int, tuple[Lot, Container]] = {}  # id(lot) → lot, container

    def play(self) -> None:
        events: list[tuple[Any, int, int, Lot]] = []
        for i, lot in enumerate(self.activity.lots):
            events.append((lot.produced, 0, i, lot))
            if lot.out is not None:
                events.append((lot.out, 1, i, lot))
        heapq.heapify(events)
        while events:
            when, kind, _, lot = heapq.heappop(events)
            self.clock.set(when)
            if kind == 0:
                self._produce(lot)
            elif id(lot) in self.stored:
                self._leave(lot)

    def _produce(self, lot: Lot) -> None:
        info = detail(lot.code)
        over = self.load + lot.weight > self.storage.capacity_tonnes
        if over and not self.activity.overrun:
            self._early_pickup(lot.weight)
            over = self.load + lot.weight > self.storage.capacity_tonnes
        result = ledger.produce_container(
            self.owner.actor,
            self.site,
            weight_tonnes=lot.weight,
            facility=self.storage,
            allow_over_capacity=over,
            reason=OVER_CAPACITY_REASON if over else "",
            waste_code=lot.code,
            package_type=info.package,
            volume_litres=info.volume,
            count=lot.count,
            produced_on=lot.produced.date(),
            operator=self.operator,
        )
        self.owner.created["container"] += 1
        self.owner.created["over capacity"] += over
        self.load += lot.weight
        self.stored[id(lot)] = (lot, result.container)

    def _early_pickup(self, weight: Decimal) -> None:
        """Take the oldest (not pinned) containers out now until ``weight`` fits."""
        for lot, _ in sorted(self.stored.values(), key=lambda pair: pair[0].produced):
            if self.load + weight <= self.storage.capacity_tonnes:
                return
            if lot.pinned or lot.treat:
                continue
            self._leave(lot)
            self.owner.created["early pickup"] += 1

    def _leave(self, lot: Lot) -> None:
        _, container = self.stored.pop(id(lot))
        if lot.treat and self.incinerator is not None:
            ledger.self_treat(
                self.owner.actor, container, self.incinerator, "D10", operator=self.operator
            )
            self.owner.created["self-treated"] += 1
        else:
            ledger.store_out(
                self.owner.actor,
                container,
                destination=self._destination(lot),
                operator=self.operator,
            )
            self.owner.created["stored out"] += 1
        self.load -= lot.weight

    def _destination(self, lot: Lot) -> str:
        line = self.lines.get((lot.produced.year, lot.code))
        if line is None:
            return "委外利用/处置"
        if line.receiver is not None:
            return f"委外：{line.receiver.name}"[:200]
        return f"跨省转移：许可证 {line.receiver_permit_number}"[:200]
