"""Write a year of ledger activity (``activity.py``) through the ledger actions.

For each chosen producer, in one transaction: the 2025 management plan (the year's first
containers and the long-stored ones were produced in 2025, and the ledger refuses a waste the
plan of its production year does not list), then every container in time order — the one-step
五即 (``produce_container``: produce, weigh, code, store into the storage facility) on its
production day, and later a pickup on manifests to the plan's intended receiver
(``shipping.py``: draft … treatment, by the parties' users) or ``self_treat`` in the unit's own
incinerator. The clock is set to each event's time (``clock.DemoClock``): the actions have no
argument for the time of an event, and refuse production dates more than a year back.

A storage facility that would run over its capacity gets an early pickup of its oldest
containers first; only the *overrun* unit stores over capacity, with a reason. Some units
send one more manifest on the last day that is still open today (submitted, in transit,
arrived). A producer that already has containers is left alone (a second run adds nothing).
"""

from __future__ import annotations

import datetime as dt
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

from . import pending
from .activity import END, Activity, Lot, producer_activity
from .clock import SHANGHAI, DemoClock
from .filing import PlanFiler
from .industries import MEDICAL
from .medical import MIN_PRODUCERS, hospitals
from .parties import Parties
from .shipping import Shipper
from .wastes import detail

OVER_CAPACITY_REASON = "委外处置单位检修暂停接收，超量贮存已报告属地生态环境局"
CLASSES = (ManagementClass.KEY, ManagementClass.SIMPLIFIED, ManagementClass.REGISTERED)
#: units producing more than this are left out of the ledger year: their thousands of
#: truckloads a year would dominate the seed time
LEDGER_MAX_ANNUAL = Decimal("1000")
#: the manifest sent on the last day is left at this status (by the producer's place in turn)
FINAL_STOPS = {2: "arrived", 4: "submitted"}
GENERAL_NAMES = {
    "SW03": "锅炉炉渣",
    "SW07": "一般工业污泥",
    "SW14": "纺织边角料",
    "SW15": "造纸废渣",
    "SW16": "一般化工废渣",
    "SW17": "废金属边角料",
    "SW59": "其他一般工业固废",
}


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
        .exclude(annual_hazardous_tonnes__gt=LEDGER_MAX_ANNUAL)
        .select_related("region")
        .distinct()
        .order_by("uscc")
    )
    rng = random.Random(f"{seed}:activity-choice")
    rng.shuffle(orgs)
    groups: dict[tuple[str, str], list[Organization]] = defaultdict(list)
    chosen = [o for o in orgs if o.uscc == anchor_uscc][:1]
    medical = {h.uscc for h in hospitals(seed)}
    for org in sorted(orgs, key=lambda o: not o.region.code.startswith("3306")):
        if org.uscc != anchor_uscc and org.uscc not in medical:
            groups[(org.industry_code, org.management_class)].append(org)
    # the hospitals come last, in a province with enough activity producers
    wards = [o for o in orgs if o.uscc in medical] if n >= MIN_PRODUCERS else []
    order = sorted(groups)
    while len(chosen) < n - len(wards) and any(groups.values()):
        for key in order:
            if groups[key] and len(chosen) < n - len(wards):
                chosen.append(groups[key].pop(0))
    wards.sort(key=lambda o: o.uscc)
    return chosen + wards


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
        others = [
            o
            for o in self.producers
            if o.uscc != self.anchor_uscc and o.industry_code != MEDICAL.industry_code
        ]
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
            self.parties = Parties(self.actor)
            self.general_receiver = general_receiver()
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
                self.created["user"] += self.parties.created
                self.parties.created = 0
            for hook in pending.HOOKS:
                self.created[f"manifest ({hook.__name__})"] += hook(self, clock)
                self.progress(1, "ledger")

    # --- one producer ----------------------------------------------------------------------

    def _producer(self, clock: DemoClock, org: Organization, site: Site, n: int) -> None:
        lines = {
            (line.plan.year, line.waste_code.code): line
            for line in PlanWaste.objects.filter(
                plan__site=site, plan__status=PlanStatus.FILED, plan__is_current=True
            ).select_related("plan", "waste_code", "receiver", "transfer_method")
        }
        own = frozenset(code for (year, code), line in lines.items() if line.treatment_facility_id)
        # planned for an out-of-province receiver: needs a cross-province approval (not yet)
        cross = frozenset(
            code
            for (year, code), line in lines.items()
            if line.receiver_id is None and not line.treatment_facility_id
        )
        anchor = org.uscc == self.anchor_uscc
        activity = producer_activity(
            self.seed,
            org.uscc,
            org.industry_code,
            org.annual_hazardous_tonnes,
            "medical" if org.industry_code == MEDICAL.industry_code else org.management_class,
            own_treatment=own,
            pin_over=2 if anchor else int(n % 4 == 1),
            pin_near=2 if anchor else int(n % 4 == 3),
            overrun=org.uscc == self.overrun_uscc,
            skip=cross,
        )
        facilities = {f.code: f for f in Facility.objects.filter(site=site, is_active=True)}
        storage = next(f for f in facilities.values() if f.kind == FacilityKind.STORAGE)
        incinerator = next(
            (f for f in facilities.values() if f.kind == FacilityKind.DISPOSAL), None
        )
        shipper = Shipper(
            self.actor,
            self.seed,
            self.parties,
            clock,
            org,
            site,
            lines,
            self.general_receiver,
            forced=anchor,
        )
        stop = "in_transit" if anchor else FINAL_STOPS.get(n % 6, "")
        _Run(self, clock, org, site, storage, incinerator, activity, shipper).play(stop)
        self.created.update(shipper.counts)


def general_receiver() -> Organization | None:
    """The operator that takes general industrial solid waste (its cement kiln, C1)."""
    return (
        Organization.objects.filter(
            is_receiver=True, is_active=True, sites__facilities__methods__code="C1"
        )
        .order_by("uscc")
        .first()
    )


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
        activity: Activity,
        shipper: Shipper,
    ):
        self.owner, self.clock, self.org, self.site = owner, clock, org, site
        self.storage, self.incinerator = storage, incinerator
        self.activity, self.shipper = activity, shipper
        self.operator = (org.contact_name or "")[:50]
        self.load = Decimal("0")
        self.stored: dict[int, tuple[Lot, Container]] = {}  # id(lot) → lot, container

    def play(self, stop: str = "") -> None:
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
                continue
            batch = [lot]  # the lots of one pickup share its time
            while events and events[0][0] == when and events[0][1] == 1:
                batch.append(heapq.heappop(events)[3])
            batch = [b for b in batch if id(b) in self.stored]
            for b in [b for b in batch if b.treat and self.incinerator is not None]:
                self._self_treat(b)
            self._pickup(when, [b for b in batch if id(b) in self.stored])
        if stop:
            self._final(stop)

    def _pickup(self, when: Any, lots: list[Lot]) -> None:
        if not lots:
            return
        pairs = [self.stored.pop(id(lot)) for lot in lots]
        self.shipper.ship(when, pairs)
        self.load -= sum((lot.weight for lot in lots if not lot.general), Decimal("0"))
        self.owner.created["shipped"] += len(pairs)

    def _final(self, stop: str) -> None:
        """One manifest on the last day, left open at ``stop``."""
        ready = END - dt.timedelta(days=2)
        pairs = sorted(
            (
                pair
                for pair in self.stored.values()
                if not (pair[0].pinned or pair[0].treat or pair[0].general)
                and pair[0].produced.date() <= ready
            ),
            key=lambda pair: pair[0].produced,
        )
        for lot, _ in self.shipper.final(pairs, stop):
            self.stored.pop(id(lot))
            self.load -= lot.weight
            self.owner.created["shipped"] += stop != "submitted"  # submitted: still stored

    def _produce(self, lot: Lot) -> None:
        if lot.general:
            self._produce_general(lot)
            return
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

    def _produce_general(self, lot: Lot) -> None:
        """General industrial solid waste: weighed and coded, shipped the same day (not
        stored in the hazardous-waste store)."""
        result = ledger.produce_container(
            self.owner.actor,
            self.site,
            weight_tonnes=lot.weight,
            general_category=lot.code,
            general_class="I",
            internal_name=GENERAL_NAMES.get(lot.code, "一般工业固体废物"),
            form="solid",
            package_type="bulk_bag",
            volume_litres=1000,
            count=lot.count,
            produced_on=lot.produced.date(),
            operator=self.operator,
        )
        self.owner.created["container general"] += 1
        self.stored[id(lot)] = (lot, result.container)

    def _early_pickup(self, weight: Decimal) -> None:
        """Ship the oldest (not pinned) containers now until ``weight`` fits."""
        now = self.clock.now
        lots: list[Lot] = []
        load = self.load
        for lot, _ in sorted(self.stored.values(), key=lambda pair: pair[0].produced):
            if load + weight <= self.storage.capacity_tonnes:
                break
            if lot.pinned or lot.treat or lot.general:
                continue
            lots.append(lot)
            load -= lot.weight
        self.owner.created["early pickup"] += len(lots)
        self._pickup(now.astimezone(SHANGHAI), lots)
        self.clock.set(now.astimezone(SHANGHAI))

    def _self_treat(self, lot: Lot) -> None:
        assert self.incinerator is not None
        _, container = self.stored.pop(id(lot))
        ledger.self_treat(
            self.owner.actor, container, self.incinerator, "D10", operator=self.operator
        )
        self.owner.created["self-treated"] += 1
        self.load -= lot.weight
