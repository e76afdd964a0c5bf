"""Send a demo producer's pickups on manifests (转移联单), through the manifest actions.

A pickup (``activity.Lot.out``) takes containers out on one manifest per receiver — the
receiver and permit the site's management plan of the year names for the waste (Table A.7),
or for general industrial solid waste the demo's cement-kiln operator — split over vehicles
of the producer's carrier when the load is heavier than its largest truck. Each manifest runs
the whole procedure with the party who does it (``parties.py``) and the clock on the hour it
happens (``clock.DemoClock``)::

    create_draft, submit                     producer user   pickup − 45 min
    scan_load (every container, label data)  carrier driver  pickup − 25 min …
    sign_handover (ledger ship_out)          producer user   pickup
    sign_pickup                              carrier driver  pickup + 10 min
    [add_leg · scan_leg · sign_leg  联运]     both carriers   pickup + 1 h
    scan_arrival with weights                receiver user   pickup + 1.5–4 h
    sign_receipt                             receiver user   arrival + 40–120 min
    record_treatment                         receiver user   receipt + 1–12 days

What goes wrong, deterministic from ``Random(f"{seed}:manifests:{uscc}")``: a partial
refusal (one container, with its reason, route "return"), a weight discrepancy (one line
weighed 7–10 % light at the gate, the reason given at receipt), a late receipt (signed 6–8
working days after arrival, past the 5-day deadline), a 联运 trip (a second carrier takes over
at a transfer yard). The demo ``producer`` unit gets one of each on its first manifests. A step
that would fall after the demo's last day of activity is not done: those manifests are open
today (to treat, to receive). :meth:`Shipper.final` sends one more manifest on the last day
and stops it at a given step (submitted, in transit, arrived).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from wufei.core.workdays import add_workdays
from wufei.ledger.models import Container
from wufei.manifests import actions as manifests
from wufei.manifests.models import Manifest
from wufei.plans.models import PlanWaste
from wufei.registry.models import Organization, Permit, Site

from .activity import END, Lot
from .clock import DemoClock, at
from .parties import Fleet, Parties

LIMIT = at(END, 23, 59)  # nothing happens after the demo's last day of activity
GENERAL_METHOD = "C1"  # general industrial solid waste co-processed in the cement kiln
EMERGENCY = "泄漏时立即停车围堵、收集，设置警示区，报告承运单位及属地生态环境局（12369）"
HANDOVER_PLACES = (
    "杭甬高速绍兴服务区危货停车区",
    "上虞危险货物运输中转场",
    "萧山临浦危货车辆停车场",
)
REFUSAL_REASONS = (
    "包装破损、渗漏，不符合接收要求",
    "标签信息与实物不符",
    "含水率超出接收标准",
)
DISCREPANCY_REASON = "到厂过磅重量与联单差异超过5%（含水率下降），已与产废单位核实"
#: scenario → probability per manifest (others: the normal course)
ODDS = (
    ("refusal", 0.03),
    ("discrepancy", 0.04),
    ("late", 0.05),
    ("multi", 0.015),
    ("paper", 0.01),
)
FORCED = ("refusal", "late", "discrepancy", "multi", "paper")  # the demo producer's first ones
RELAY_TONNES = Decimal("8")  # 联运 only for loads every demo carrier can take over


def _scan_pdf(paper_number: str) -> bytes:
    """A one-page PDF standing for the scan of the paper manifest (its bytes are hashed)."""
    text = f"BT /F1 14 Tf 72 720 Td (Paper manifest {paper_number}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class _Stop(Exception):
    """The next step would happen after the demo's last day: leave the manifest open."""


@dataclass
class Load:
    """The containers of one manifest."""

    receiver: Organization
    permit: Permit | None
    methods: dict[str, str]
    general: bool
    pairs: list[tuple[Lot, Container]] = field(default_factory=list)

    @property
    def tonnes(self) -> Decimal:
        return sum((c.weight_tonnes or Decimal("0") for _, c in self.pairs), Decimal("0"))


class Shipper:
    """Ships one producer's pickups; ``counts`` says what happened."""

    def __init__(
        self,
        actor: Any,
        seed: int,
        parties: Parties,
        clock: DemoClock,
        org: Organization,
        site: Site,
        lines: dict[tuple[int, str], PlanWaste],
        general_receiver: Organization | None,
        *,
        forced: bool = False,
    ):
        self.actor, self.parties, self.clock = actor, parties, clock
        self.org, self.site, self.lines = org, site, lines
        self.general_receiver = general_receiver
        self.rng = random.Random(f"{seed}:manifests:{org.uscc}")
        self.fleet = parties.fleet_for(org, self.rng)
        self.user = parties.user_for(org)
        self.forced = list(FORCED) if forced else []
        self.counts: Counter[str] = Counter()
        self._permits: dict[str, Permit | None] = {}

    # --- grouping --------------------------------------------------------------------------

    def _permit(self, number: str) -> Permit | None:
        if number not in self._permits:
            self._permits[number] = Permit.objects.filter(number=number).first()
        return self._permits[number]

    def loads(self, day: dt.date, pairs: list[tuple[Lot, Container]]) -> list[Load]:
        """One load per receiver, split so that each fits on a vehicle."""
        groups: dict[tuple[bool, int], Load] = {}
        for lot, container in pairs:
            if lot.general:
                if self.general_receiver is None:
                    raise RuntimeError("no demo receiver for general industrial solid waste")
                key = (True, self.general_receiver.pk)
                load = groups.setdefault(key, Load(self.general_receiver, None, {}, True))
                load.methods[lot.code] = GENERAL_METHOD
            else:
                line = self.lines.get((day.year, lot.code))
                if line is None or line.receiver is None:
                    raise RuntimeError(f"{self.org.uscc}: no in-province receiver for {lot.code}")
                key = (False, line.receiver.pk)
                load = groups.setdefault(
                    key,
                    Load(line.receiver, self._permit(line.receiver_permit_number), {}, False),
                )
                method = line.transfer_method
                load.methods[lot.code] = method.code if method is not None else "D10"
            load.pairs.append((lot, container))
        out: list[Load] = []
        for _key, load in sorted(groups.items()):
            out.extend(self._split(load))
        return out

    def _split(self, load: Load) -> list[Load]:
        """First fit, heaviest first, into vehicles of at most the largest demo vehicle's load
        (a load above the producer's carrier's trucks goes with the carrier that has one)."""
        capacity = self.parties.capacity
        bins: list[Load] = []
        for pair in sorted(load.pairs, key=lambda p: (-(p[1].weight_tonnes or 0), p[1].pk)):
            weight = pair[1].weight_tonnes or Decimal("0")
            target = next((b for b in bins if b.tonnes + weight <= capacity), None)
            if target is None:
                target = Load(load.receiver, load.permit, load.methods, load.general)
                bins.append(target)
            target.pairs.append(pair)
        return bins

    # --- one manifest -----------------------------------------------------------------------

    def _at(self, when: dt.datetime) -> None:
        if when > LIMIT:
            raise _Stop
        self.clock.set(when)

    def _fits(self, name: str, load: Load) -> bool:
        if name == "refusal":  # a partial refusal: one container of several
            return len(load.pairs) >= 2
        if name == "multi":  # any second carrier has a truck for it
            return load.tonnes <= RELAY_TONNES
        return True

    def _scenario(self, load: Load) -> str:
        if self.forced and not load.general and self._fits(self.forced[0], load):
            return self.forced.pop(0)
        draw = self.rng.random()
        for name, odds in ODDS:
            if draw < odds:
                return name if self._fits(name, load) else ""
            draw -= odds
        return ""

    def ship(self, when: dt.datetime, pairs: list[tuple[Lot, Container]], stop: str = "") -> None:
        """Send ``pairs`` at ``when``; ``stop``: leave each manifest at that status."""
        for load in self.loads(when.date(), pairs):
            scenario = "" if stop else self._scenario(load)
            try:
                self._trip(when, load, scenario, stop)
            except _Stop:
                self.counts["manifest open at the end"] += 1

    def _fleet_for(self, load: Load) -> tuple[Fleet, Any]:
        fleet = self.fleet
        vehicle = fleet.vehicle_for(load.tonnes)
        if vehicle is None:  # a single lot heavier than the usual carrier's trucks
            fleet = self.parties.biggest(load.tonnes)
            vehicle = fleet.vehicle_for(load.tonnes)
        return fleet, vehicle

    def _trip(self, when: dt.datetime, load: Load, scenario: str, stop: str) -> Manifest:
        fleet, vehicle = self._fleet_for(load)
        if scenario == "paper":  # the system was down: a paper manifest, entered afterwards
            day = add_workdays(when.date(), self.rng.randint(2, 12))
            entered = at(day, self.rng.randint(9, 16), self.rng.randint(0, 59))
            if entered <= LIMIT:
                return self._paper(when, entered, load, fleet, vehicle)
        receiver_user = self.parties.user_for(load.receiver)
        containers = [c for _, c in load.pairs]
        self._at(when - dt.timedelta(minutes=45))
        manifest = manifests.create_draft(
            self.user,
            shipper_site=self.site,
            receiver=load.receiver,
            receiver_permit=load.permit,
            carrier=fleet.carrier,
            vehicle=vehicle,
            driver=fleet.driver,
            planned_pickup_on=when.date(),
            planned_arrival_at=when + dt.timedelta(hours=3),
            containers=[c.pk for c in containers],
            methods=GENERAL_METHOD if load.general else load.methods,
            emergency_measures=EMERGENCY,
        )
        self._at(when - dt.timedelta(minutes=40))
        manifest = manifests.submit(self.user, manifest)
        self.counts["manifest"] += 1
        self.counts[f"manifest {manifest.kind}"] += 1
        if stop == "submitted":
            raise _Stop
        for n, c in enumerate(containers):
            self._at(when - dt.timedelta(minutes=25) + dt.timedelta(seconds=40 * n))
            manifests.scan_load(
                fleet.user,
                manifest,
                c.ident_code or "",
                label_waste_code=c.code_text,
                label_weight=c.weight_tonnes,
            )
        self._at(when)
        manifest = manifests.sign_handover(self.user, manifest)
        self._at(when + dt.timedelta(minutes=10))
        manifest = manifests.sign_pickup(fleet.user, manifest)
        arrival = when + dt.timedelta(minutes=self.rng.randint(90, 240))
        if scenario == "multi":
            self._relay(manifest, fleet, containers, when + dt.timedelta(hours=1))
            arrival += dt.timedelta(hours=1)
        if stop == "in_transit":
            raise _Stop
        return self._receive(manifest, load, containers, arrival, scenario, stop, receiver_user)

    def _paper(
        self, when: dt.datetime, entered: dt.datetime, load: Load, fleet: Fleet, vehicle: Any
    ) -> Manifest:
        """纸质联单补录 (Art. 20): the shipper enters the closed paper manifest 2–12 working
        days later (after 10, ``paper_entered_late``), with the scan and the received weights."""
        containers = [c for _, c in load.pairs]
        paper_number = f"ZJ{when:%Y%m%d}{self.rng.randint(1000, 9999)}"
        received = {
            c.ident_code or "": (
                (c.weight_tonnes or Decimal("0")) * Decimal(str(self.rng.uniform(0.99, 1.01)))
            ).quantize(Decimal("0.0001"))
            for c in containers
        }
        self._at(entered)
        manifest = manifests.enter_paper_manifest(
            self.user,
            shipper_site=self.site,
            receiver=load.receiver,
            receiver_permit=load.permit,
            carrier=fleet.carrier,
            vehicle=vehicle,
            driver=fleet.driver,
            paper_number=paper_number,
            transferred_on=when.date(),
            scan_file=ContentFile(_scan_pdf(paper_number), name=f"{paper_number}.pdf"),
            containers=[c.pk for c in containers],
            methods=GENERAL_METHOD if load.general else load.methods,
            received=received,
            closed=True,
        )
        self.counts["manifest"] += 1
        self.counts[f"manifest {manifest.kind}"] += 1
        self.counts["manifest paper"] += 1
        self.counts["manifest paper entered late"] += manifest.paper_entered_late
        return manifest

    def _relay(
        self, manifest: Manifest, fleet: Fleet, containers: list[Container], when: dt.datetime
    ) -> None:
        """联运: a second carrier takes over at a transfer yard."""
        tonnes = sum((c.weight_tonnes or Decimal("0") for c in containers), Decimal("0"))
        second = self.parties.other_fleet(fleet, tonnes, self.rng)
        vehicle = second.vehicle_for(tonnes) or second.vehicles[0]
        self._at(when)
        manifests.add_leg(
            fleet.user,
            manifest,
            carrier=second.carrier,
            vehicle=vehicle,
            driver=second.driver,
            handover_place=self.rng.choice(HANDOVER_PLACES),
        )
        for n, c in enumerate(containers):
            self._at(when + dt.timedelta(minutes=10, seconds=30 * n))
            manifests.scan_leg(second.user, manifest, c.ident_code or "")
        self._at(when + dt.timedelta(minutes=30))
        manifests.sign_leg(second.user, manifest)
        self.counts["manifest 联运"] += 1

    def _receive(
        self,
        manifest: Manifest,
        load: Load,
        containers: list[Container],
        arrival: dt.datetime,
        scenario: str,
        stop: str,
        user: Any,
    ) -> Manifest:
        first_code = containers[0].code_text
        for n, c in enumerate(containers):
            weight = c.weight_tonnes or Decimal("0")
            factor = (
                self.rng.uniform(0.90, 0.93)
                if scenario == "discrepancy" and c.code_text == first_code
                else self.rng.uniform(0.99, 1.01)
            )
            received = max(
                Decimal("0.0001"), (weight * Decimal(str(factor))).quantize(Decimal("0.0001"))
            )
            self._at(arrival + dt.timedelta(seconds=45 * n))
            manifests.scan_arrival(user, manifest, c.ident_code or "", weight_tonnes=received)
        if stop == "arrived":
            raise _Stop
        if scenario == "late":
            day = add_workdays(arrival.date(), self.rng.randint(6, 8))
            receipt = at(day, self.rng.randint(9, 16), self.rng.randint(0, 59))
        else:
            receipt = arrival + dt.timedelta(minutes=self.rng.randint(40, 120))
        refused: dict[str, str] = {}
        lines: dict[int, dict[str, Any]] = {}
        reason = ""
        if scenario == "refusal":
            lightest = min(containers, key=lambda c: (c.weight_tonnes or 0, c.pk))
            why = self.rng.choice(REFUSAL_REASONS)
            refused[lightest.ident_code or ""] = why
            reason = f"部分拒收：{lightest.ident_code} {why}，退回产废单位"
        elif scenario == "discrepancy":  # the light line is flagged "quantity" by the action
            reason = DISCREPANCY_REASON
        self._at(receipt)
        manifest = manifests.sign_receipt(
            user,
            manifest,
            refused=refused,
            lines=lines,
            reason=reason,
            refusal_route="return" if refused else "",
        )
        self.counts["manifest received"] += 1
        self.counts["manifest receipt late"] += manifest.receipt_late
        self.counts["manifest partly refused"] += bool(refused)
        self.counts["manifest discrepancy"] += manifest.has_discrepancy
        treated = at(
            receipt.date() + dt.timedelta(days=self.rng.randint(1, 12)),
            self.rng.randint(9, 17),
            self.rng.randint(0, 59),
        )
        self._at(treated)
        manifest = manifests.record_treatment(user, manifest)
        self.counts["manifest closed"] += manifest.status == "closed"
        return manifest

    # --- the last day ---------------------------------------------------------------------------

    def final(self, pairs: list[tuple[Lot, Container]], stop: str) -> list[tuple[Lot, Container]]:
        """One manifest on the last day from ``pairs`` (the first receiver's share), left at
        ``stop``; returns the pairs it took."""
        if not pairs:
            return []
        loads = self.loads(END, pairs)
        load = next((ld for ld in loads if not ld.general), None)
        if load is None:
            return []
        when = at(END, 10, self.rng.randint(0, 30))
        try:
            self._trip(when, load, "", stop)
        except _Stop:
            self.counts[f"manifest open ({stop})"] += 1
        return load.pairs
