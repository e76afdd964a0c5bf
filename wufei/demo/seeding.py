"""Build the demo province through the registry actions (the only writers of domain state).

Idempotent: every demo object has a deterministic key (USCC, site code, facility code, permit
number, plate, qualification number, username); what already exists is left alone and only
what is missing is created. Producers past ``detailed`` (the ``--scale`` benchmark province)
are registered with :func:`import_organizations` in batches, without sites.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from wufei.catalog.models import Region, TreatmentMethod
from wufei.registry import actions
from wufei.registry.models import Driver, Facility, Membership, Organization, Permit, Site, Vehicle

from . import medical, plan
from .accounts import DEMO_ACCOUNTS, PLATFORM_ACTOR, account, demo_password
from .clock import DemoClock
from .filing import PlanFiler, producer_sites
from .history import HistorySeeder, choose_producers
from .specs import DriverSpec, OrgSpec, PermitSpec, SiteSpec, VehicleSpec

DETAILED = 1000  # producers with a site and a storage facility; the rest are registry rows only
IMPORT_BATCH = 5000
CHUNK = 50  # organisations per transaction on the action path
PLAN_YEAR = 2026  # the demo's current year: every producer site files its plan for it
# producers that get a year of ledger activity by default (each pickup is a manifest with
# ~8 signed, audited steps: 24 keeps the default seed near two minutes, see docs/demo.md)
ACTIVITY_PRODUCERS = 24


class Seeder:
    def __init__(
        self,
        seed: int,
        scale: int,
        *,
        detailed: int = DETAILED,
        batch: int = IMPORT_BATCH,
        progress: Callable[[int, str], Any] | None = None,
        log: Callable[[str], Any] | None = None,
    ):
        if scale < 1:
            raise ValueError("scale must be at least 1")
        self.seed, self.scale, self.detailed, self.batch = seed, scale, min(detailed, scale), batch
        self.counts = plan.counts(scale)
        self.progress = progress or (lambda n, label: None)
        self.log = log or (lambda message: None)
        self.created: Counter[str] = Counter()
        self.present: Counter[str] = Counter()
        self.users_created: set[str] = set()

    @property
    def total_organizations(self) -> int:
        c = self.counts
        return (
            len(plan.regulators(self.seed))
            + c.producers
            + c.carriers
            + c.receivers
            + c.collectors
            + len(medical.specs(self.seed))
        )

    # --- preparation -----------------------------------------------------------------------

    def prepare(self) -> None:
        """Reference data (loaded if missing), the acting superuser and what exists already."""
        if getattr(self, "actor", None) is not None:
            return
        self._reference_data()
        self.actor = self._actor()
        self._existing()

    def _reference_data(self) -> None:
        if (
            not Region.objects.filter(code="330000").exists()
            or not TreatmentMethod.objects.exists()
        ):
            self.log("Reference data missing: running load_reference_data first.")
            call_command("load_reference_data", verbosity=0)
        self.regions = {r.code: r for r in Region.objects.filter(code__startswith="33")}
        missing = set(plan.divisions()) - set(self.regions)
        if missing:
            raise RuntimeError(f"regions missing after load_reference_data: {sorted(missing)[:5]}")

    def _actor(self) -> Any:
        User = get_user_model()
        actor = User.objects.filter(username=PLATFORM_ACTOR).first()
        if actor is None:
            actor = User(
                username=PLATFORM_ACTOR,
                is_staff=True,
                is_superuser=True,
                display_name="平台（系统）",
            )
            actor.set_unusable_password()
            actor.save()
            self.created["user"] += 1
        return actor

    def _existing(self) -> None:
        self.orgs: dict[str, int] = dict(Organization.objects.values_list("uscc", "pk"))
        self.sites: dict[str, int] = dict(
            Site.objects.exclude(site_code="").values_list("site_code", "pk")
        )
        self.facilities = set(Facility.objects.values_list("site__site_code", "code"))
        self.permits = set(Permit.objects.values_list("number", flat=True))
        self.plates = set(Vehicle.objects.values_list("plate", flat=True))
        self.drivers = set(Driver.objects.values_list("organization__uscc", "qualification_no"))

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> dict[str, Counter]:
        self.prepare()
        c = self.counts
        detailed_specs: Iterable[OrgSpec] = itertools.chain(
            plan.regulators(self.seed),
            (plan.carrier(self.seed, i) for i in range(c.carriers)),
            (plan.receiver(self.seed, i) for i in range(c.receivers)),
            (plan.collector(self.seed, i) for i in range(c.collectors)),
            (plan.producer(self.seed, i) for i in range(self.detailed)),
            medical.specs(self.seed),
        )
        self._apply_detailed(detailed_specs)
        if c.producers > self.detailed:
            self._import_producers(range(self.detailed, c.producers))
        self._accounts()
        return {"created": self.created, "present": self.present}

    def _apply_detailed(self, specs: Iterable[OrgSpec]) -> None:
        chunk: list[OrgSpec] = []
        for spec in specs:
            chunk.append(spec)
            if len(chunk) == CHUNK:
                self._apply_chunk(chunk)
                chunk = []
        if chunk:
            self._apply_chunk(chunk)

    def _apply_chunk(self, chunk: list[OrgSpec]) -> None:
        with transaction.atomic():
            for spec in chunk:
                self._apply(spec)
        self.progress(len(chunk), chunk[-1].kind)

    def _apply(self, spec: OrgSpec) -> None:
        pk = self.orgs.get(spec.uscc)
        if pk is None:
            fields = spec.organization_fields()
            fields["region"] = self.regions[spec.region]
            org = actions.create_organization(self.actor, **fields)
            self.orgs[spec.uscc] = org.pk
            self.created["organization"] += 1
        else:
            self.present["organization"] += 1
            if self._complete(spec):
                self._count_present(spec)
                return
            org = Organization.objects.select_related("region").get(pk=pk)
        sites: dict[str, Site] = {}
        for site_spec in spec.sites:
            sites[site_spec.site_code] = self._site(org, site_spec)
        if spec.permit:
            self._permit(org, spec.permit, next(iter(sites.values()), None))
        for vehicle in spec.vehicles:
            self._vehicle(org, vehicle)
        for driver in spec.drivers:
            self._driver(org, driver)

    def _complete(self, spec: OrgSpec) -> bool:
        """Does everything of an existing organisation exist already?"""
        return (
            all(
                s.site_code in self.sites
                and all((s.site_code, f.code) in self.facilities for f in s.facilities)
                for s in spec.sites
            )
            and (spec.permit is None or spec.permit.number in self.permits)
            and all(v.plate in self.plates for v in spec.vehicles)
            and all((spec.uscc, d.qualification_no) in self.drivers for d in spec.drivers)
        )

    def _count_present(self, spec: OrgSpec) -> None:
        self.present["site"] += len(spec.sites)
        self.present["facility"] += sum(len(s.facilities) for s in spec.sites)
        self.present["permit"] += spec.permit is not None
        self.present["vehicle"] += len(spec.vehicles)
        self.present["driver"] += len(spec.drivers)

    def _site(self, org: Organization, spec: SiteSpec) -> Site:
        pk = self.sites.get(spec.site_code)
        if pk is None:
            region = self.regions[spec.region]
            lon = lat = None
            if region.center_lon is not None and region.center_lat is not None:
                lon = Decimal(str(round(region.center_lon + spec.dlon, 6)))
                lat = Decimal(str(round(region.center_lat + spec.dlat, 6)))
            site = actions.create_site(
                self.actor,
                org,
                name=spec.name,
                region=region,
                address=spec.address,
                site_code=spec.site_code,
                longitude=lon,
                latitude=lat,
            )
            self.sites[spec.site_code] = site.pk
            self.created["site"] += 1
        else:
            site = Site.objects.select_related("region").get(pk=pk)
            self.present["site"] += 1
        for f in spec.facilities:
            if (spec.site_code, f.code) in self.facilities:
                self.present["facility"] += 1
                continue
            actions.create_facility(
                self.actor,
                site,
                code=f.code,
                name=f.name,
                kind=f.kind,
                capacity_tonnes=f.capacity_tonnes,
                facility_type=f.facility_type,
                methods=self._methods(f.methods),
            )
            self.facilities.add((spec.site_code, f.code))
            self.created["facility"] += 1
        return site

    def _methods(self, method_codes: Any) -> list[TreatmentMethod]:
        if not hasattr(self, "_method_cache"):
            self._method_cache = {m.code: m for m in TreatmentMethod.objects.all()}
        return [self._method_cache[c] for c in method_codes]

    def _permit(self, org: Organization, spec: PermitSpec, site: Site | None) -> None:
        if spec.number in self.permits:
            self.present["permit"] += 1
            return
        scopes = [{**s, "methods": self._methods(s["methods"])} for s in spec.scopes]
        actions.create_permit(
            self.actor,
            org,
            number=spec.number,
            issuer=plan.ISSUER,
            issued_on=spec.issued_on,
            valid_from=spec.valid_from,
            valid_until=spec.valid_until,
            scopes=scopes,
            site=site,
            is_comprehensive=spec.is_comprehensive,
        )
        self.permits.add(spec.number)
        self.created["permit"] += 1

    def _vehicle(self, org: Organization, spec: VehicleSpec) -> None:
        if spec.plate in self.plates:
            self.present["vehicle"] += 1
            return
        actions.create_vehicle(
            self.actor,
            org,
            plate=spec.plate,
            transport_permit_no=spec.transport_permit_no,
            load_limit_tonnes=spec.load_limit_tonnes,
            vehicle_type=spec.vehicle_type,
            dangerous_goods=True,
            terminal_id=spec.terminal_id,
        )
        self.plates.add(spec.plate)
        self.created["vehicle"] += 1

    def _driver(self, org: Organization, spec: DriverSpec) -> None:
        if (org.uscc, spec.qualification_no) in self.drivers:
            self.present["driver"] += 1
            return
        user = self._user(account(spec.username)) if spec.username else None
        actions.create_driver(
            self.actor,
            org,
            name=spec.name,
            phone=spec.phone,
            qualification_no=spec.qualification_no,
            qualification_valid_until=spec.qualification_valid_until,
            user=user,
        )
        self.drivers.add((org.uscc, spec.qualification_no))
        self.created["driver"] += 1

    # --- the province-size path --------------------------------------------------------------

    def _import_producers(self, indices: range) -> None:
        rows: list[dict] = []
        for i in indices:
            spec = plan.producer(self.seed, i)
            if spec.uscc in self.orgs:
                self.present["organization"] += 1
                self.progress(1, "producer")
                continue
            row = spec.organization_fields()
            row["annual_hazardous_tonnes"] = str(row["annual_hazardous_tonnes"])
            rows.append(row)
            if len(rows) == self.batch:
                self._import(rows)
                rows = []
        if rows:
            self._import(rows)

    def _import(self, rows: list[dict]) -> None:
        """One all-or-nothing batch; the bar moves half a row per row validated and per row written."""
        state = {"validated": False, "shown": 0}

        def advance(n: int) -> None:
            target = (len(rows) + n) // 2 if state["validated"] else n // 2
            if n >= len(rows):
                state["validated"] = True
            if target > state["shown"]:
                self.progress(target - state["shown"], "producer")
                state["shown"] = target

        result = actions.import_organizations(self.actor, rows, progress=advance)
        if not result.ok:
            first = result.errors[0]
            raise RuntimeError(
                f"import refused {len(result.errors)} rows; first: row {first.row} "
                f"{first.field}: {first.message}"
            )
        if len(rows) > state["shown"]:
            self.progress(len(rows) - state["shown"], "producer")
        self.created["organization"] += result.created

    # --- plans and ledger activity ----------------------------------------------------------

    def file_plans(self, year: int = PLAN_YEAR) -> None:
        """A filed management plan for ``year`` on every producer site (see ``filing.py``)."""
        self.prepare()
        sites = list(producer_sites())
        with DemoClock() as clock:
            filer = PlanFiler(self.actor, self.seed, year, clock)
            for start in range(0, len(sites), CHUNK):
                chunk = sites[start : start + CHUNK]
                filer.file_all(chunk)
                self.progress(len(chunk), "plan")
        self.created[f"plan {year}"] += filer.filed
        self.present[f"plan {year}"] += filer.present
        self.created["organization A.1"] += filer.a1_filled

    def seed_activity(self, producers: int = ACTIVITY_PRODUCERS) -> list[Organization]:
        """A year of ledger activity for ``producers`` producers (see ``history.py``)."""
        self.prepare()
        if producers < 1:
            return []
        anchor = plan.producer(self.seed, 0).uscc
        chosen = choose_producers(self.seed, anchor, producers)
        history = HistorySeeder(
            self.actor, self.seed, chosen, anchor_uscc=anchor, progress=self.progress
        )
        history.run()
        self.created.update(history.created)
        self.present.update(history.present)
        return chosen

    # --- accounts ----------------------------------------------------------------------------

    def _user(self, account: dict[str, str]) -> Any:
        User = get_user_model()
        user = User.objects.filter(username=account["username"]).first()
        if user is not None:
            if user.username not in self.users_created:
                self.present["user"] += 1
            return user
        is_admin = account["role"] == "platform_admin"
        user = User(
            username=account["username"],
            display_name=account["display_name"],
            is_staff=is_admin,
            is_superuser=is_admin,
            email=f"{account['username']}@example.com",
        )
        user.set_password(demo_password())
        user.save()
        self.created["user"] += 1
        self.users_created.add(user.username)
        return user

    def _accounts(self) -> None:
        anchors = {s.anchor: s for s in plan.regulators(self.seed) if s.anchor}
        anchors.update(
            {
                k: f(self.seed, 0)
                for k, f in (
                    ("producer", plan.producer),
                    ("carrier", plan.carrier),
                    ("receiver", plan.receiver),
                    ("collector", plan.collector),
                )
            }
        )
        memberships = set(
            Membership.objects.filter(
                user__username__in=[a["username"] for a in DEMO_ACCOUNTS]
            ).values_list("user__username", "organization__uscc")
        )
        with transaction.atomic():
            for account in DEMO_ACCOUNTS:
                user = self._user(account)
                if not account["org_key"]:
                    continue
                uscc = anchors[account["org_key"]].uscc
                if (account["username"], uscc) in memberships:
                    self.present["membership"] += 1
                    continue
                org = Organization.objects.get(uscc=uscc)
                actions.add_member(self.actor, org, user, account["membership"])
                self.created["membership"] += 1
