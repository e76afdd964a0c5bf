"""Import a ledger from an enterprise's own system: validate every row, then write all or
nothing (docs/ledger-import.md).

Each row is one container event of HJ 1259 Appendix B (产生 / 入库 / 出库 / 自行利用处置). Rows
are checked one by one against lookup tables read once (the site's filed plans, the
organisation's facilities, the methods, the containers already in the ledger), then replayed
in time order through the same state machine as the actions (``Container.can_*``). Any bad
row → nothing is written and the result lists every problem (row, column, message). A good
file writes the same rows the actions write — containers with HJ 1276 codes, entries with
batch numbers from ``core.numbering`` (reserved in blocks) — plus one audit event per
written chunk of containers (see ``importing.writer``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod, WasteCode
from wufei.catalog.queries import normalize_code
from wufei.core.errors import Conflict, Forbidden
from wufei.core.numbering import peek
from wufei.core.permissions import allows
from wufei.plans.models import PlanWaste
from wufei.plans.queries import plan_for
from wufei.registry.models import Facility, FacilityKind, Site

from .. import rules
from ..importing import STAGE_TEXT, Row, column_name, stage_of
from ..importing.parse import (
    TZ,
    BadValue,
    parse_count,
    parse_package,
    parse_text,
    parse_time,
    parse_tonnes,
    parse_volume,
)
from ..models import Container, ContainerStatus, EntryKind, LedgerEntry, WasteKind

S = ContainerStatus
RANK: dict[str, int] = {EntryKind.PRODUCED: 0, EntryKind.STORED_IN: 1, EntryKind.STORED_OUT: 2,
        EntryKind.SELF_TREATED: 3}  # fmt: skip
MAX_ERRORS = 1000
#: The ledger keeps 5 years (HJ 1259 §6.4); older rows are refused.
MAX_AGE_DAYS = 5 * 366


@dataclass
class RowError:
    row: int  # the row number in its sheet (header = 1; JSON rows count from 1)
    field: str
    message: str
    code: str
    value: str = ""
    sheet: str = ""
    column: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "field": self.field,
                "column": self.column, "message": self.message, "code": self.code,
                "value": self.value}  # fmt: skip


@dataclass
class LedgerImportResult:
    total: int = 0
    containers: int = 0
    entries: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    import_id: str = ""

    @property
    def ok(self) -> bool:
        return not self.error_count

    def as_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "rows": self.total, "containers": self.containers,
                "entries": self.entries, "warnings": self.warnings,
                "error_count": self.error_count,
                "errors": [e.as_dict() for e in self.errors]}  # fmt: skip


class Box:
    """A container as the import sees it: new (from a 产生 row) or already in the ledger."""

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

    def __init__(self, ref: str, **kw: Any) -> None:
        self.ref = ref
        self.pk: int | None = None
        self.version = 1
        self.ident = ""
        self.stored_since: dt.datetime | None = None
        self.production_batch = self.storage_batch = self.out_batch = ""
        self.produced: Event | None = None
        self.steps: list[Step] = []
        self.facility_id: int | None = None
        self.line: PlanWaste | None = None
        for k, v in kw.items():
            setattr(self, k, v)


class Event:
    """One parsed row."""

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


@dataclass(slots=True)
class Step:
    """One entry to write: (event, kind, status before, treatment, facility id)."""

    event: Event
    kind: str
    status_before: str
    treatment: str = ""
    facility_id: int | None = None


class _Lookups:
    """Everything a row is checked against, read once."""

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


class _Check:
    """Collects the problems of one import (sorted by sheet order and row at the end)."""

    def __init__(self, result: LedgerImportResult) -> None:
        self.result = result

    def add(self, row: Any, stage: str | None, field: str, code: str, message: str,
            value: Any = "") -> None:  # fmt: skip
        """``row`` is a Row or an Event; the column is named as the file's header names it."""
        stage = getattr(row, "table", None) if isinstance(row, Event) else row.stage
        self.result.error_count += 1
        if len(self.result.errors) < MAX_ERRORS:
            self.result.errors.append(
                RowError(
                    row.number,
                    field,
                    str(message),
                    code,
                    str(value or "")[:200],
                    row.sheet,
                    column_name(stage, field),
                )  # fmt: skip
            )


def _time(ev: Event, value: Any, lk: _Lookups, field: str = "time") -> dt.datetime:
    at = parse_time(value, field)
    if at > lk.now:
        raise BadValue(field, "ledger.import_future", _("The time is in the future."))
    if at < lk.oldest:
        raise BadValue(field, "ledger.import_too_old", _("The time is more than 5 years ago."))
    return at


def _produced(ev: Event, v: dict[str, Any], lk: _Lookups) -> None:
    ev.at = _time(ev, v.get("time"), lk)
    raw = str(v.get("waste_code") or "").strip()
    code = normalize_code(raw)
    if code is None:
        raise BadValue(
            "waste_code",
            "ledger.waste_code_unknown",
            _("Enter a waste code of the catalogue (e.g. 900-249-08)."),
        )
    year = ev.at.astimezone(TZ).year
    lines = lk.plan_lines(year)
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
    category = str(v.get("category") or "").strip().upper()
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
    ev.package = parse_package(v.get("package_type"))
    ev.count = parse_count(v.get("count"))
    ev.volume = parse_volume(v.get("volume_litres"), ev.package)
    ev.qty = parse_tonnes(v.get("quantity", ""), v.get("unit"))
    low, high = rules.plausible_range(ev.package, ev.volume, ev.count)
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


def _facility(v: dict[str, Any], lk: _Lookups, kinds: set[str]) -> Facility:
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


def _parse(row: Row, lk: _Lookups, check: _Check) -> Event | None:
    v = row.values
    stage = stage_of(v.get("stage")) if v.get("stage") not in (None, "") else row.stage
    if stage is None:
        check.add(row, None, "stage", "ledger.import_stage",
                  _("Enter the stage: 产生, 入库, 出库 or 自行利用处置."), v.get("stage"))  # fmt: skip
        return None
    if stage == EntryKind.SHIPPED:
        check.add(row, stage, "batch_number", "ledger.import_shipped",
                  _("委外 rows are recorded by manifests and are not imported."),
                  v.get("batch_number"))  # fmt: skip
        return None
    ev = Event(row, stage)
    ev.ref = str(v.get("container_code") or "").strip().upper()
    ev.file_batch = str(v.get("batch_number") or "").strip()
    ev.link = str(
        v.get("production_batch") or v.get("storage_batch") or v.get("link_batch") or ""
    ).strip()
    ev.facility = ev.method = None
    ev.qty = None
    ok = True
    try:
        ev.operator = parse_text(v.get("operator"), "operator", 50)
        ev.transport = parse_text(v.get("transport_operator"), "transport_operator", 50)
        ev.destination = parse_text(v.get("destination"), "destination", 200)
        ev.remark = parse_text(v.get("remark"), "remark", 2000)
        if len(ev.ref) > 64:
            raise BadValue("container_code", "ledger.import_too_long", _("At most 64 characters."))
        if stage == EntryKind.PRODUCED:
            _produced(ev, v, lk)
        else:
            ev.at = _time(ev, v.get("time"), lk)
            if not ev.ref and not ev.link:
                raise BadValue("container_code", "ledger.import_container",
                               _("Enter the container code (容器/包装编码)."))  # fmt: skip
            if str(v.get("quantity") or "").strip():
                ev.qty = parse_tonnes(v.get("quantity"), v.get("unit"))
            ev.code = normalize_code(str(v.get("waste_code") or "")) or ""
            if stage == EntryKind.STORED_IN:
                ev.facility = _facility(v, lk, {FacilityKind.STORAGE})
            elif stage == EntryKind.STORED_OUT:
                if str(v.get("facility") or "").strip():
                    ev.facility = _facility(v, lk, {FacilityKind.STORAGE})
                if not ev.destination:
                    raise BadValue("destination", "ledger.import_required",
                                   _("This column is required."))  # fmt: skip
            else:
                ev.facility = _facility(v, lk, {FacilityKind.UTILISATION, FacilityKind.DISPOSAL})
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
    except BadValue as exc:
        check.add(row, stage, exc.field, exc.code, exc.message, v.get(exc.field))
        ok = False
    return ev if ok else None


def _existing(refs: set[str], org_id: int) -> dict[str, Box]:
    """Containers already in the ledger that the file refers to by code (with their state)."""
    boxes: dict[str, Box] = {}
    refs_list = sorted(refs)
    for start in range(0, len(refs_list), 500):
        chunk = refs_list[start : start + 500]
        rows = Container.objects.filter(organization_id=org_id, ident_code__in=chunk)
        for c in rows.select_related("waste_code"):
            assert c.ident_code is not None
            boxes[c.ident_code] = Box(
                c.ident_code, pk=c.pk, status=c.status, facility_id=c.facility_id,
                weight=c.weight_tonnes, code=c.waste_code.code if c.waste_code else "",
                site_id=c.site_id, version=c.version, ident=c.ident_code,
                stored_since=c.stored_since, last_at=None,
            )  # fmt: skip
    by_pk = {b.pk: b for b in boxes.values()}
    if by_pk:
        pks = list(by_pk)
        for start in range(0, len(pks), 500):
            entries = (
                LedgerEntry.objects.filter(container_id__in=pks[start : start + 500])
                .exclude(kind=EntryKind.REVERSAL)
                .filter(reversed_by__isnull=True)
                .order_by("at", "pk")
                .values_list("container_id", "kind", "batch_number")
            )
            for pk, kind, batch in entries:
                box = by_pk[pk]
                if kind == EntryKind.PRODUCED:
                    box.production_batch = batch
                elif kind == EntryKind.STORED_IN:
                    box.storage_batch = batch
                elif kind == EntryKind.STORED_OUT:
                    box.out_batch = batch
            last = (
                LedgerEntry.objects.filter(container_id__in=pks[start : start + 500])
                .values("container_id")
                .annotate(m=Max("at"))
            )
            for item in last:
                by_pk[item["container_id"]].last_at = item["m"]
    return boxes


def _replay(events: list[Event], boxes: dict[str, Box], batches: dict[str, Box],
            check: _Check, lk: _Lookups) -> list[Step]:  # fmt: skip
    """Run the events in time order through the container state machine."""
    steps: list[Step] = []
    load: dict[int, Decimal] = {}
    over: set[int] = set()
    for ev in events:
        if ev.stage == EntryKind.PRODUCED:
            box = ev.box
            assert box is not None
            steps.append(Step(ev, EntryKind.PRODUCED, S.PRODUCED))
            box.steps.append(steps[-1])
            box.status, box.last_at = S.CODED, ev.at
            continue
        box = boxes.get(ev.ref) if ev.ref else batches.get(ev.link)
        stage = ev.stage
        if box is None:
            check.add(ev, stage, "container_code", "ledger.import_unknown_container",
                      _("Container %(ref)s is not produced earlier in this file nor in the "
                        "ledger of this organisation.") % {"ref": ev.ref or ev.link},
                      ev.ref or ev.link)  # fmt: skip
            continue
        if box.status is None:  # its 产生 row is bad: reported there
            continue
        ev.box = box
        if box.status == "":
            check.add(ev, stage, "time", "ledger.import_order",
                      _("Container %(ref)s is produced later in this file: a step cannot come "
                        "before its 产生 row.") % {"ref": box.ref},
                      timezone.localtime(ev.at).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
            continue
        if box.last_at is not None and ev.at < box.last_at:
            check.add(ev, stage, "time", "ledger.import_order",
                      _("This is earlier than the container's previous step (%(at)s).")
                      % {"at": timezone.localtime(box.last_at).strftime("%Y-%m-%d %H:%M")},
                      timezone.localtime(ev.at).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
            continue
        if ev.qty is not None and box.weight is not None and ev.qty != box.weight:
            check.add(ev, stage, "quantity", "ledger.import_quantity",
                      _("The quantity differs from the container's weight (%(w)s t).")
                      % {"w": box.weight}, ev.qty)  # fmt: skip
            continue
        code_text = box.code if isinstance(box.code, str) else box.code.waste_code.code
        if ev.code and ev.code != code_text:
            check.add(ev, stage, "waste_code", "ledger.import_code_mismatch",
                      _("Container %(ref)s holds %(code)s.") % {"ref": box.ref, "code": code_text},
                      ev.code)  # fmt: skip
            continue
        fac = ev.facility
        if stage == EntryKind.STORED_IN:
            if box.status not in (S.CODED, S.OUT):
                check.add(ev, stage, "container_code", "ledger.not_storable",
                          _("Container %(ref)s is %(status)s: it cannot be stored in.")
                          % {"ref": box.ref, "status": S(box.status).label}, box.ref)  # fmt: skip
                continue
            assert fac is not None
            steps.append(Step(ev, EntryKind.STORED_IN, box.status, facility_id=fac.pk))
            box.status, box.facility_id = S.STORED, fac.pk
            total = load.get(fac.pk, Decimal(0)) + (box.weight or 0)
            load[fac.pk] = total
            if total > fac.capacity_tonnes and fac.pk not in over:
                over.add(fac.pk)
                lk.warnings.append(
                    _(
                        "Storage facility %(code)s holds %(load)s t at %(at)s, over its capacity "
                        "of %(capacity)s t."
                    )  # fmt: skip
                    % {
                        "code": fac.code,
                        "load": total,
                        "capacity": fac.capacity_tonnes,
                        "at": timezone.localtime(ev.at).strftime("%Y-%m-%d %H:%M"),
                    }  # fmt: skip
                )
        elif stage == EntryKind.STORED_OUT:
            if box.status != S.STORED or (fac is not None and fac.pk != box.facility_id):
                check.add(ev, stage, "container_code" if box.status != S.STORED else "facility",
                          "ledger.not_stored",
                          _("Container %(ref)s is not in storage here: it cannot be taken out.")
                          % {"ref": box.ref}, box.ref)  # fmt: skip
                continue
            steps.append(Step(ev, EntryKind.STORED_OUT, box.status, facility_id=box.facility_id))
            _take_out(box, load)
        else:
            if box.status not in (S.CODED, S.STORED, S.OUT):
                check.add(ev, stage, "container_code", "ledger.not_treatable",
                          _("Container %(ref)s is %(status)s: it cannot be treated on site.")
                          % {"ref": box.ref, "status": S(box.status).label}, box.ref)  # fmt: skip
                continue
            assert fac is not None
            if box.status == S.STORED:  # the action writes the 出库 first
                steps.append(Step(ev, EntryKind.STORED_OUT, box.status,
                                  facility_id=box.facility_id, treatment="auto"))  # fmt: skip
                box.steps.append(steps[-1])
                _take_out(box, load)
            steps.append(Step(ev, EntryKind.SELF_TREATED, box.status, treatment=fac.kind,
                              facility_id=fac.pk))  # fmt: skip
            box.status = S.SELF_TREATED
        box.steps.append(steps[-1])
        box.last_at = ev.at
    return steps


def _take_out(box: Box, load: dict[int, Decimal]) -> None:
    if box.facility_id is not None:
        load[box.facility_id] = load.get(box.facility_id, Decimal(0)) - (box.weight or 0)
    box.status, box.facility_id = S.OUT, None


def validate(
    actor: Any, site: Site, rows: Iterable[Row], *, progress: Callable[[int], Any] | None = None
) -> tuple[LedgerImportResult, Any]:
    """Check every row; returns the result (with errors) and the plan to write."""
    result = LedgerImportResult()
    check = _Check(result)
    site = Site.objects.select_related("organization", "region").get(pk=site.pk)
    if not allows(actor, "add", Container(organization=site.organization, site=site)):
        raise Forbidden(_("You may not record waste for this site."), code="ledger.add_not_allowed")
    if not site.is_active or not site.organization.is_active:
        raise Conflict(_("The site is deactivated."), code="ledger.site_inactive", field="site")
    lk = _Lookups(site)
    result.warnings = lk.warnings
    events: list[Event] = []
    produced: dict[str, Box] = {}
    batches: dict[str, Box] = {}
    strings: dict[str, str] = {}
    for seq, row in enumerate(rows):
        ev = _parse(row, lk, check)
        if progress and seq % 10000 == 0:
            progress(seq)
        result.total += 1
        if ev is None:
            if row.values.get("container_code") and (row.stage or stage_of(
                    row.values.get("stage"))) == EntryKind.PRODUCED:  # fmt: skip
                ref = str(row.values["container_code"]).strip().upper()
                produced.setdefault(ref, Box(ref, status=None))
            continue
        ev.operator = strings.setdefault(ev.operator, ev.operator)
        ev.destination = strings.setdefault(ev.destination, ev.destination)
        if ev.stage == EntryKind.PRODUCED:
            if ev.ref and ev.ref in produced:
                check.add(ev, ev.stage, "container_code", "ledger.import_duplicate",
                          _("Container %(ref)s is produced twice in this file.") % {"ref": ev.ref},
                          ev.ref)  # fmt: skip
                continue
            box = Box(ev.ref, status="", weight=ev.qty, code=ev.code, line=ev.code,
                      site_id=site.pk, last_at=None, produced=ev)  # fmt: skip
            ev.box = box
            if ev.ref:
                produced[ev.ref] = box
            if ev.file_batch:
                batches[ev.file_batch] = box
        events.append(ev)
    if progress:
        progress(result.total)
    unknown = {ev.ref for ev in events if ev.ref and ev.stage != EntryKind.PRODUCED} - set(produced)
    existing = _existing(unknown | {r for r in produced if len(r) == 37}, site.organization_id)
    for ref, box in produced.items():
        if ref in existing and box.produced is not None:
            check.add(box.produced, EntryKind.PRODUCED, "container_code",
                      "ledger.import_duplicate",
                      _("Container %(ref)s is already in the ledger.") % {"ref": ref}, ref)  # fmt: skip
            box.status = None
    boxes = {**existing, **produced}
    events.sort(key=lambda e: (e.at, RANK[e.stage]))
    for ev in events:  # a 产生 row's box is born "produced" and coded when replayed
        if ev.stage == EntryKind.PRODUCED and ev.box is not None and ev.box.status is None:
            ev.box = None
    steps = _replay([e for e in events if e.box is not None or e.stage != EntryKind.PRODUCED],
                    boxes, batches, check, lk)  # fmt: skip
    _check_sequences(steps, site.organization_id, check)
    if result.errors:
        result.errors.sort(key=lambda e: (e.sheet, e.row))
    return result, steps


def _check_sequences(steps: list[Step], org_id: int, check: _Check) -> None:
    """HJ 1276 codes have 3 sequence digits: at most 999 per waste code and production day."""
    counts: dict[tuple[str, dt.date], int] = {}
    for step in steps:
        if step.kind == EntryKind.PRODUCED:
            ev = step.event
            key = (ev.code.waste_code.digits, timezone.localdate(ev.at))
            counts[key] = counts.get(key, 0) + 1
            if counts[key] + _peek_ident(org_id, key) == 1000:
                check.add(ev, ev.stage, "time", "ledger.ident_sequence_full",
                          _("More than 999 containers of %(code)s on %(day)s: the HJ 1276 code "
                            "has three digits for the sequence.")
                          % {"code": ev.code.waste_code.code, "day": key[1]})  # fmt: skip


_peeked: dict[tuple[int, str, dt.date], int] = {}


def _peek_ident(org_id: int, key: tuple[str, dt.date]) -> int:
    k = (org_id, *key)
    if k not in _peeked:
        _peeked.clear() if len(_peeked) > 50000 else None
        _peeked[k] = peek(f"ident:{org_id}:{key[0]}:{key[1]:%Y%m%d}", key[1].year)
    return _peeked[k]


def import_ledger(
    actor: Any,
    site: Site,
    rows: Iterable[Row],
    *,
    filename: str = "",
    progress: Callable[[int], Any] | None = None,
) -> LedgerImportResult:
    """Import the rows into ``site``'s ledger, all or nothing (see the module docstring).

    ``progress(n)`` is called with the rows done while checking, then again while writing.
    """
    from ..importing.writer import write

    _peeked.clear()
    result, steps = validate(actor, site, rows, progress=progress)
    if not result.ok:
        return result
    write(actor, site, steps, result, filename=filename, progress=progress)
    return result


__all__ = ["LedgerImportResult", "RowError", "STAGE_TEXT", "WasteKind", "import_ledger",
           "validate"]  # fmt: skip
