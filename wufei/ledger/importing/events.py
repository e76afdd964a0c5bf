"""Checking one ledger import row: the lookups read once, and ``parse_row`` (a row → an
:class:`Event`, or a :class:`~.parse.BadValue` naming the column).

A million rows pass through here, so values that repeat (times, waste codes, stages, package
columns, weight ranges) are looked up in per-import caches instead of being parsed again; the
checks, their order and their messages are the same for a cached value as for a new one. Used
by ``actions.imports`` (see docs/ledger-import.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod, WasteCode
from wufei.catalog.queries import normalize_code
from wufei.plans.models import PlanWaste
from wufei.plans.queries import plan_for
from wufei.registry.models import Facility, FacilityKind, Site

from .. import rules
from ..models import EntryKind
from . import Row, stage_of
from .parse import (
    TZ,
    BadValue,
    parse_count,
    parse_package,
    parse_text,
    parse_time,
    parse_tonnes,
    parse_volume,
)

#: The ledger keeps 5 years (HJ 1259 §6.4); older rows are refused.
MAX_AGE_DAYS = 5 * 366
PRODUCED, STORED_IN, STORED_OUT = EntryKind.PRODUCED, EntryKind.STORED_IN, EntryKind.STORED_OUT
SHIPPED = EntryKind.SHIPPED
STORAGE = frozenset({FacilityKind.STORAGE})
TREATMENT = frozenset({FacilityKind.UTILISATION, FacilityKind.DISPOSAL})
_CACHE_LIMIT = 200_000


class Box:
    """A container as the import sees it: new (from a 产生 row) or already in the ledger.

    ``code`` is the waste code's text (``900-249-08``), ``line`` the plan line of a new one.
    """

    pk: Any
    ref: Any
    status: Any
    facility_id: Any
    weight: Any
    last_at: Any
    code: Any
    line: Any
    site_id: Any
    produced: Any
    steps: Any
    version: Any
    ident: Any
    stored_since: Any
    production_batch: Any
    storage_batch: Any
    out_batch: Any
    __slots__ = ("pk", "ref", "status", "facility_id", "weight", "last_at", "code", "line",
                 "site_id", "produced", "steps", "version", "ident", "stored_since",
                 "production_batch", "storage_batch", "out_batch")  # fmt: skip

    def __init__(self, ref: str, *, status: Any = "", weight: Any = None, code: Any = "",
                 line: PlanWaste | None = None, site_id: Any = None, last_at: Any = None,
                 produced: Event | None = None, pk: int | None = None, version: int = 1,
                 facility_id: int | None = None, ident: str = "",
                 stored_since: dt.datetime | None = None) -> None:  # fmt: skip
        self.ref = ref
        self.status = status
        self.weight = weight
        self.code = code
        self.line = line
        self.site_id = site_id
        self.last_at = last_at
        self.produced = produced
        self.pk = pk
        self.version = version
        self.facility_id = facility_id
        self.ident = ident
        self.stored_since = stored_since
        self.production_batch = self.storage_batch = self.out_batch = ""
        self.steps: list[Step] = []


class Event:
    """One parsed row (``code`` is the plan line of a 产生 row, else the code text or "")."""

    number: Any
    sheet: Any
    stage: Any
    at: Any
    ref: Any
    link: Any
    qty: Any
    facility: Any
    method: Any
    operator: Any
    transport: Any
    destination: Any
    remark: Any
    code: Any
    name: Any
    package: Any
    count: Any
    volume: Any
    box: Any
    file_batch: Any
    table: Any
    __slots__ = ("number", "sheet", "stage", "at", "ref", "link", "qty", "facility", "method",
                 "operator", "transport", "destination", "remark", "code", "name", "package",
                 "count", "volume", "box", "file_batch", "table")  # fmt: skip

    def __init__(self, row: Row, stage: str) -> None:
        self.number, self.sheet, self.stage, self.table = row.number, row.sheet, stage, row.stage
        self.box: Box | None = None


class Step:
    """One entry to write: (event, kind, status before, treatment, facility id)."""

    __slots__ = ("event", "kind", "status_before", "treatment", "facility_id")

    def __init__(self, event: Event, kind: str, status_before: str, treatment: str = "",
                 facility_id: int | None = None) -> None:  # fmt: skip
        self.event = event
        self.kind = kind
        self.status_before = status_before
        self.treatment = treatment
        self.facility_id = facility_id


class Lookups:
    """Everything a row is checked against, read once, and the per-import caches."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.org = site.organization
        facilities = Facility.objects.filter(site__organization=self.org).prefetch_related(
            "methods"
        )
        self.facilities: dict[str, Facility] = {}
        for f in sorted(facilities, key=lambda f: f.site_id == site.pk):
            self.facilities[f.code.upper()] = f  # the import site's facility wins
        self.facility_methods = {f.pk: {m.pk for m in f.methods.all()} for f in facilities}
        self.methods = {m.code.upper(): m for m in TreatmentMethod.objects.all()}
        self.plans: dict[int, dict[str, PlanWaste] | None] = {}
        self.catalogue: dict[str, bool] = {}
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.oldest = self.now - dt.timedelta(days=MAX_AGE_DAYS)
        self.warnings: list[str] = []
        # caches of values that passed their checks (a bad value is checked again each time)
        self.times: dict[Any, dt.datetime] = {}
        self.stages: dict[Any, str | None] = {}
        self.codes: dict[str, str | None] = {}
        self.packages: dict[tuple[Any, Any, Any], tuple[str, int, Decimal, Decimal, Decimal]] = {}

    def plan_lines(self, year: int) -> dict[str, PlanWaste] | None:
        if year not in self.plans:
            plan = plan_for(self.site, year)
            self.plans[year] = (
                None
                if plan is None
                else {
                    line.waste_code.code: line
                    for line in PlanWaste.objects.select_related(
                        "waste_code", "waste_code__category"
                    ).filter(plan=plan)
                }
            )
        return self.plans[year]

    def in_catalogue(self, code: str) -> bool:
        if code not in self.catalogue:
            self.catalogue[code] = WasteCode.objects.filter(code=code).exists()
        return self.catalogue[code]

    def stage(self, raw: Any) -> str | None:
        try:
            return self.stages[raw]
        except KeyError:
            found = self.stages[raw] = stage_of(raw)
            return found
        except TypeError:  # an unhashable JSON value
            return stage_of(raw)

    def code(self, raw: str) -> str | None:
        try:
            return self.codes[raw]
        except KeyError:
            found = normalize_code(raw)
            if len(self.codes) < _CACHE_LIMIT:
                self.codes[raw] = found
            return found


def time_of(value: Any, lk: Lookups, field: str = "time") -> dt.datetime:
    """The row's time: parsed, not in the future and not more than 5 years back."""
    at = lk.times.get(value) if value.__class__ is str else None
    if at is not None:
        return at
    at = parse_time(value, field)
    if at > lk.now:
        raise BadValue(field, "ledger.import_future", _("The time is in the future."))
    if at < lk.oldest:
        raise BadValue(field, "ledger.import_too_old", _("The time is more than 5 years ago."))
    if value.__class__ is str and len(lk.times) < _CACHE_LIMIT:
        lk.times[value] = at
    return at


def _text(v: dict[str, Any], field: str, max_length: int) -> str:
    """``parse_text`` of an optional column; an empty one is the common case."""
    value = v.get(field)
    if not value:
        return ""
    if value.__class__ is str and len(value) <= max_length and value == value.strip():
        return value  # what parse_text returns, without the call
    return parse_text(value, field, max_length)


def _produced(ev: Event, v: dict[str, Any], lk: Lookups) -> None:
    ev.at = time_of(v.get("time"), lk)
    code = lk.code(str(v.get("waste_code") or "").strip())
    if code is None:
        raise BadValue(
            "waste_code",
            "ledger.waste_code_unknown",
            _("Enter a waste code of the catalogue (e.g. 900-249-08)."),
        )
    year = (ev.at if ev.at.tzinfo is TZ else ev.at.astimezone(TZ)).year
    lines = lk.plans[year] if year in lk.plans else lk.plan_lines(year)
    line = lines.get(code) if lines else None
    if line is None:
        if not lk.in_catalogue(code):
            raise BadValue(
                "waste_code",
                "ledger.waste_code_unknown",
                _("%(code)s is not in the current waste catalogue.") % {"code": code},
            )
        raise BadValue(
            "waste_code",
            "ledger.not_in_plan",
            _("%(code)s is not in the filed management plan of %(site)s for %(year)d.")
            % {"code": code, "site": lk.site.name, "year": year},
        )
    category = v.get("category")
    if category:
        category = str(category).strip().upper()
        if category and category != line.waste_code.category.code:
            raise BadValue(
                "category",
                "ledger.import_category",
                _("%(code)s belongs to %(category)s.")
                % {"code": code, "category": line.waste_code.category.code},
            )
    ev.code = line
    ev.name = parse_text(v.get("internal_name") or line.internal_name, "internal_name", 100,
                         required=True)  # fmt: skip
    key = (v.get("package_type"), v.get("count"), v.get("volume_litres"))
    try:
        known = lk.packages.get(key)
        cacheable = True
    except TypeError:  # an unhashable JSON value: checked, not cached
        known, cacheable = None, False
    if known is None:
        package = parse_package(key[0])
        count = parse_count(key[1])
        volume = parse_volume(key[2], package)
        known = (package, count, volume, *rules.plausible_range(package, volume, count))
        if cacheable and len(lk.packages) < _CACHE_LIMIT:
            lk.packages[key] = known
    ev.package, ev.count, ev.volume, low, high = known
    ev.qty = parse_tonnes(v.get("quantity", ""), v.get("unit"))
    if not low <= ev.qty <= high:
        raise BadValue(
            "quantity",
            "ledger.weight_implausible",
            _(
                "%(weight)s t is not a plausible weight for %(count)d × %(volume)s L: expected "
                "%(low)s–%(high)s t."
            )  # fmt: skip
            % {"weight": ev.qty, "count": ev.count, "volume": ev.volume, "low": low, "high": high},
        )


def _facility(v: dict[str, Any], lk: Lookups, kinds: frozenset[str]) -> Facility:
    raw = str(v.get("facility") or "").strip().upper()
    found = lk.facilities.get(raw)
    if not raw:
        raise BadValue("facility", "ledger.facility_required", _("This column is required."))
    if found is None or not found.is_active:
        raise BadValue(
            "facility",
            "ledger.facility_unknown",
            _("%(code)s is not an active facility of %(org)s.") % {"code": raw, "org": lk.org.name},
        )
    if found.kind not in kinds:
        raise BadValue(
            "facility",
            "ledger.facility_kind",
            _("Facility %(code)s is a %(kind)s facility.")
            % {"code": found.code, "kind": FacilityKind(found.kind).label},
        )
    return found


def _moved(ev: Event, v: dict[str, Any], lk: Lookups, stage: str) -> None:
    """The checks of a 入库 / 出库 / 自行利用处置 row."""
    ev.at = time_of(v.get("time"), lk)
    if not ev.ref and not ev.link:
        raise BadValue("container_code", "ledger.import_container",
                       _("Enter the container code (容器/包装编码)."))  # fmt: skip
    quantity = v.get("quantity")
    if quantity and str(quantity).strip():
        ev.qty = parse_tonnes(quantity, v.get("unit"))
    code = v.get("waste_code")
    ev.code = (lk.code(str(code)) or "") if code else ""
    if stage == STORED_IN:
        ev.facility = _facility(v, lk, STORAGE)
    elif stage == STORED_OUT:
        facility = v.get("facility")
        if facility and str(facility).strip():
            ev.facility = _facility(v, lk, STORAGE)
        if not ev.destination:
            raise BadValue("destination", "ledger.import_required", _("This column is required."))
    else:
        ev.facility = _facility(v, lk, TREATMENT)
        raw = str(v.get("method") or "").strip().upper()
        ev.method = lk.methods.get(raw)
        if ev.method is None:
            raise BadValue(
                "method",
                "ledger.method_unknown",
                _("Choose the utilisation/disposal method (e.g. R9, D10)."),
            )
        allowed = lk.facility_methods.get(ev.facility.pk)
        if allowed and ev.method.pk not in allowed:
            raise BadValue(
                "method",
                "ledger.method_not_of_facility",
                _("Facility %(code)s is not set up for method %(method)s.")
                % {"code": ev.facility.code, "method": ev.method.code},
            )


def parse_row(row: Row, lk: Lookups, check: Any) -> Event | None:
    """The row as an event, or None after reporting its first problem to ``check``."""
    v = row.values
    raw = v.get("stage")
    stage = row.stage if raw is None or raw == "" else lk.stage(raw)
    if stage is None:
        check.add(row, None, "stage", "ledger.import_stage",
                  _("Enter the stage: 产生, 入库, 出库 or 自行利用处置."), raw)  # fmt: skip
        return None
    if stage == SHIPPED:
        check.add(row, stage, "batch_number", "ledger.import_shipped",
                  _("委外 rows are recorded by manifests and are not imported."),
                  v.get("batch_number"))  # fmt: skip
        return None
    ev = Event(row, stage)
    ref = v.get("container_code")
    ev.ref = str(ref).strip().upper() if ref else ""
    batch = v.get("batch_number")
    ev.file_batch = str(batch).strip() if batch else ""
    link = v.get("production_batch") or v.get("storage_batch") or v.get("link_batch")
    ev.link = str(link).strip() if link else ""
    ev.facility = ev.method = None
    ev.qty = None
    try:
        ev.operator = _text(v, "operator", 50)
        ev.transport = _text(v, "transport_operator", 50)
        ev.destination = _text(v, "destination", 200)
        ev.remark = _text(v, "remark", 2000)
        if len(ev.ref) > 64:
            raise BadValue("container_code", "ledger.import_too_long", _("At most 64 characters."))
        if stage == PRODUCED:
            _produced(ev, v, lk)
        else:
            _moved(ev, v, lk, stage)
    except BadValue as exc:
        check.add(row, stage, exc.field, exc.code, exc.message, v.get(exc.field))
        return None
    return ev
