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
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core.errors import Conflict, Forbidden
from wufei.core.numbering import peek
from wufei.core.permissions import allows
from wufei.registry.models import Site

from ..importing import STAGE_TEXT, Row, column_name, stage_of
from ..importing.events import MAX_AGE_DAYS, Box, Event, Lookups, Step, parse_row
from ..models import Container, ContainerStatus, EntryKind, LedgerEntry, WasteKind

S = ContainerStatus
# plain names for the replay's hot loop
PRODUCED, STORED_IN, STORED_OUT = EntryKind.PRODUCED, EntryKind.STORED_IN, EntryKind.STORED_OUT
SELF_TREATED = EntryKind.SELF_TREATED
NEW = S.PRODUCED
CODED, STORED, OUT, TREATED = S.CODED, S.STORED, S.OUT, S.SELF_TREATED
ZERO = Decimal(0)
RANK: dict[str, int] = {EntryKind.PRODUCED: 0, EntryKind.STORED_IN: 1, EntryKind.STORED_OUT: 2,
        EntryKind.SELF_TREATED: 3}  # fmt: skip
MAX_ERRORS = 1000


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
            check: _Check, lk: Lookups) -> list[Step]:  # fmt: skip
    """Run the events in time order through the container state machine."""
    steps: list[Step] = []
    add = steps.append
    load: dict[int, Decimal] = {}
    over: set[int] = set()
    for ev in events:
        stage = ev.stage
        if stage == PRODUCED:
            box = ev.box
            assert box is not None
            step = Step(ev, PRODUCED, NEW)
            add(step)
            box.steps.append(step)
            box.status, box.last_at = CODED, ev.at
            continue
        box = boxes.get(ev.ref) if ev.ref else batches.get(ev.link)
        if box is None:
            check.add(ev, stage, "container_code", "ledger.import_unknown_container",
                      _("Container %(ref)s is not produced earlier in this file nor in the "
                        "ledger of this organisation.") % {"ref": ev.ref or ev.link},
                      ev.ref or ev.link)  # fmt: skip
            continue
        status = box.status
        if status is None:  # its 产生 row is bad: reported there
            continue
        ev.box = box
        if status == "":
            check.add(ev, stage, "time", "ledger.import_order",
                      _("Container %(ref)s is produced later in this file: a step cannot come "
                        "before its 产生 row.") % {"ref": box.ref}, _minute(ev.at))  # fmt: skip
            continue
        if box.last_at is not None and ev.at < box.last_at:
            check.add(ev, stage, "time", "ledger.import_order",
                      _("This is earlier than the container's previous step (%(at)s).")
                      % {"at": _minute(box.last_at)}, _minute(ev.at))  # fmt: skip
            continue
        if ev.qty is not None and box.weight is not None and ev.qty != box.weight:
            check.add(ev, stage, "quantity", "ledger.import_quantity",
                      _("The quantity differs from the container's weight (%(w)s t).")
                      % {"w": box.weight}, ev.qty)  # fmt: skip
            continue
        if ev.code and ev.code != box.code:
            check.add(ev, stage, "waste_code", "ledger.import_code_mismatch",
                      _("Container %(ref)s holds %(code)s.") % {"ref": box.ref, "code": box.code},
                      ev.code)  # fmt: skip
            continue
        fac = ev.facility
        if stage == STORED_IN:
            if status != CODED and status != OUT:
                check.add(ev, stage, "container_code", "ledger.not_storable",
                          _("Container %(ref)s is %(status)s: it cannot be stored in.")
                          % {"ref": box.ref, "status": S(status).label}, box.ref)  # fmt: skip
                continue
            assert fac is not None
            step = Step(ev, STORED_IN, status, facility_id=fac.id)
            add(step)
            box.status, box.facility_id = STORED, fac.id
            total = load.get(fac.id, ZERO) + (box.weight or 0)
            load[fac.id] = total
            if total > fac.capacity_tonnes and fac.id not in over:
                over.add(fac.id)
                lk.warnings.append(
                    _(
                        "Storage facility %(code)s holds %(load)s t at %(at)s, over its capacity "
                        "of %(capacity)s t."
                    )  # fmt: skip
                    % {
                        "code": fac.code,
                        "load": total,
                        "capacity": fac.capacity_tonnes,
                        "at": _minute(ev.at),
                    }  # fmt: skip
                )
        elif stage == STORED_OUT:
            if status != STORED or (fac is not None and fac.id != box.facility_id):
                check.add(ev, stage, "container_code" if status != STORED else "facility",
                          "ledger.not_stored",
                          _("Container %(ref)s is not in storage here: it cannot be taken out.")
                          % {"ref": box.ref}, box.ref)  # fmt: skip
                continue
            step = Step(ev, STORED_OUT, status, facility_id=box.facility_id)
            add(step)
            _take_out(box, load)
        else:
            if status not in (CODED, STORED, OUT):
                check.add(ev, stage, "container_code", "ledger.not_treatable",
                          _("Container %(ref)s is %(status)s: it cannot be treated on site.")
                          % {"ref": box.ref, "status": S(status).label}, box.ref)  # fmt: skip
                continue
            assert fac is not None
            if status == STORED:  # the action writes the 出库 first
                step = Step(ev, STORED_OUT, status, facility_id=box.facility_id, treatment="auto")
                add(step)
                box.steps.append(step)
                _take_out(box, load)
            step = Step(ev, SELF_TREATED, box.status, treatment=fac.kind, facility_id=fac.id)
            add(step)
            box.status = TREATED
        box.steps.append(step)
        box.last_at = ev.at
    return steps


def _minute(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _take_out(box: Box, load: dict[int, Decimal]) -> None:
    if box.facility_id is not None:
        load[box.facility_id] = load.get(box.facility_id, ZERO) - (box.weight or 0)
    box.status, box.facility_id = OUT, None


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
    lk = Lookups(site)
    result.warnings = lk.warnings
    events: list[Event] = []
    produced: dict[str, Box] = {}
    batches: dict[str, Box] = {}
    strings: dict[str, str] = {}
    total = 0
    for row in rows:
        ev = parse_row(row, lk, check)
        if progress and total % 10000 == 0:
            progress(total)
        total += 1
        if ev is None:
            if row.values.get("container_code") and (row.stage or stage_of(
                    row.values.get("stage"))) == PRODUCED:  # fmt: skip
                ref = str(row.values["container_code"]).strip().upper()
                produced.setdefault(ref, Box(ref, status=None))
            continue
        ev.operator = strings.setdefault(ev.operator, ev.operator)
        ev.destination = strings.setdefault(ev.destination, ev.destination)
        if ev.stage == PRODUCED:
            if ev.ref and ev.ref in produced:
                check.add(ev, ev.stage, "container_code", "ledger.import_duplicate",
                          _("Container %(ref)s is produced twice in this file.") % {"ref": ev.ref},
                          ev.ref)  # fmt: skip
                continue
            box = Box(ev.ref, status="", weight=ev.qty, code=ev.code.waste_code.code,
                      line=ev.code, site_id=site.pk, last_at=None, produced=ev)  # fmt: skip
            ev.box = box
            if ev.ref:
                produced[ev.ref] = box
            if ev.file_batch:
                batches[ev.file_batch] = box
        elif ev.ref:
            known = produced.get(ev.ref)
            if known is not None:  # one string per container code, not one per row
                ev.ref = known.ref
        events.append(ev)
    result.total = total
    if progress:
        progress(result.total)
    unknown = {ev.ref for ev in events if ev.ref and ev.stage != PRODUCED} - produced.keys()
    existing = _existing(unknown | {r for r in produced if len(r) == 37}, site.organization_id)
    for ref, box in produced.items():
        if ref in existing and box.produced is not None:
            check.add(box.produced, PRODUCED, "container_code",
                      "ledger.import_duplicate",
                      _("Container %(ref)s is already in the ledger.") % {"ref": ref}, ref)  # fmt: skip
            box.status = None
    boxes = {**existing, **produced}
    # time order, ties by stage (产生 < 入库 < 出库 < 自行利用处置), then file order: two stable sorts
    events.sort(key=lambda e: RANK[e.stage])
    events.sort(key=attrgetter("at"))
    for ev in events:  # a 产生 row's box is born "produced" and coded when replayed
        if ev.stage == PRODUCED and ev.box is not None and ev.box.status is None:
            ev.box = None
    events = [e for e in events if e.box is not None or e.stage != PRODUCED]
    steps = _replay(events, boxes, batches, check, lk)
    del events
    _check_sequences(steps, site.organization_id, check)
    if result.errors:
        result.errors.sort(key=lambda e: (e.sheet, e.row))
    return result, steps


def _check_sequences(steps: list[Step], org_id: int, check: _Check) -> None:
    """HJ 1276 codes have 3 sequence digits: at most 999 per waste code and production day."""
    counts: dict[tuple[str, dt.date], int] = {}
    tz = timezone.get_current_timezone()
    for step in steps:
        if step.kind == PRODUCED:
            ev = step.event
            day = ev.at.astimezone(tz).date()  # timezone.localdate(ev.at)
            key = (ev.code.waste_code.digits, day)
            n = counts[key] = counts.get(key, 0) + 1
            if n + _peek_ident(org_id, key) == 1000:
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
    with _no_cyclic_gc():
        result, steps = validate(actor, site, rows, progress=progress)
        if not result.ok:
            return result
        write(actor, site, steps, result, filename=filename, progress=progress)
    return result


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while importing: a million-row import keeps
    millions of objects alive until it ends, and every full collection walks all of them
    (a fifth of the import's time). Reference counting still frees everything; the collector
    is switched back on (if it was on) when the import ends, also on an error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["MAX_AGE_DAYS", "LedgerImportResult", "RowError", "STAGE_TEXT", "WasteKind",
           "import_ledger", "validate"]  # fmt: skip
