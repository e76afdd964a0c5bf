"""Writing a validated ledger import: numbers in blocks, rows in bulk, one transaction.

The rows are the ones the actions write (``produce_container`` → ``store_in`` → ``store_out``
→ ``self_treat``): a coded container per 产生 row, one entry per step with its batch number,
the links 产生批次编码 / 入库批次编码 filled the same way. Numbers come from
``core.numbering.next_block`` (one reservation per prefix and day), so they are contiguous,
never repeated, and a rollback consumes none. Rows go in with ``executemany`` of plain tuples
(the ORM's per-object cost would dominate a million rows); the column lists are checked against
the models by the tests.

Audit: one event per written chunk of up to ``AUDIT_CHUNK`` containers (action
``ledger.container.import``, object ``ledger.import`` / ``<import id>:<part>``) listing the
containers' codes, the number of entries and the import's totals — not one event per
container, which would double the import's time. See docs/ledger-import.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.errors import Conflict
from wufei.core.numbering import next_block
from wufei.labels.ident import make_ident_code
from wufei.registry.models import Site

from .. import codes
from ..models import Container, ContainerStatus, EntryKind, LedgerEntry, WasteKind, WeighSource
from .parse import TZ

CHUNK = 5000
AUDIT_CHUNK = 5000
#: SQLite page cache while writing (KiB; the default is 2,000).
BULK_CACHE_KIB = 64 * 1024
S = ContainerStatus
PRODUCED, STORED_IN, STORED_OUT = EntryKind.PRODUCED, EntryKind.STORED_IN, EntryKind.STORED_OUT

CONTAINER_COLUMNS = [
    "ident_code", "organization_id", "site_id", "kind", "waste_code_id", "general_category_id",
    "general_class", "plan_waste_id", "internal_name", "process", "form",
    "hazardous_components", "package_type", "volume_litres", "count", "weight_tonnes",
    "weighed_by", "scale_device_id", "weighed_at", "produced_on", "status", "facility_id",
    "stored_since", "coded_at", "created_by_id", "created_at", "updated_at", "version",
]  # fmt: skip
ENTRY_COLUMNS = [
    "organization_id", "site_id", "container_id", "kind", "batch_number", "at",
    "quantity_tonnes", "facility_id", "method_id", "operator", "transport_operator",
    "production_batch", "storage_batch", "destination", "receiver_name",
    "receiver_permit_number", "receiver_type", "manifest_number", "status_before",
    "reversal_of_id", "reason", "recorded_by_id", "created_at",
]  # fmt: skip


def _insert_sql(model: Any, columns: list[str]) -> str:
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {q(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608


class _Numbers:
    """Batch numbers per step and HJ 1276 codes per new container, reserved in blocks: one
    ``next_block`` per prefix and day, one per waste code and day (at most 999 a day)."""

    def __init__(self, org_id: int, uscc: str, steps: list[Any]) -> None:
        self.uscc = uscc
        prefixes: dict[tuple[str, str], str] = {}
        keys: dict[tuple[str, dt.date], tuple[str, dt.date]] = {}  # one tuple per key
        self._keys: list[tuple[str, dt.date]] = []  # (prefix, day) per step
        batch_counts: dict[tuple[str, dt.date], int] = {}
        ident_counts: dict[tuple[str, dt.date], int] = {}
        for step in steps:
            day = step.event.at.astimezone(TZ).date()
            prefix = prefixes.get((step.kind, step.treatment))
            if prefix is None:
                treatment = step.treatment if step.treatment != "auto" else ""
                prefix = prefixes[(step.kind, step.treatment)] = codes.batch_prefix(
                    step.kind, WasteKind.HAZARDOUS, treatment
                )
            key = keys.setdefault((prefix, day), (prefix, day))
            self._keys.append(key)
            batch_counts[key] = batch_counts.get(key, 0) + 1
            if step.kind == PRODUCED:
                ik = (step.event.code.waste_code.digits, day)
                ident_counts[ik] = ident_counts.get(ik, 0) + 1
        self._batches: dict[tuple[str, dt.date], tuple[str, Iterator[int]]] = {}
        for (prefix, day), n in batch_counts.items():
            block = next_block(f"ledger:{org_id}:{prefix}:{day:%Y%m%d}", day.year, n)
            self._batches[(prefix, day)] = (f"{prefix}{day:%Y%m%d}", iter(block))
        self._idents: dict[tuple[str, dt.date], Iterator[int]] = {}
        self._ident_heads: dict[tuple[str, dt.date], str] = {}
        for (digits, day), n in ident_counts.items():
            block = next_block(f"ident:{org_id}:{digits}:{day:%Y%m%d}", day.year, n)
            if block.stop - 1 > 999:
                raise Conflict(
                    _("More than 999 containers of one waste code on %(day)s.") % {"day": day},
                    code="ledger.ident_sequence_full",
                )
            self._idents[(digits, day)] = iter(block)

    def batches(self) -> Iterator[str]:
        """The batch number of each step, in step order."""
        width = codes.SEQUENCE_WIDTH
        for key in self._keys:
            head, numbers = self._batches[key]
            yield head + str(next(numbers)).zfill(width)

    def ident(self, step: Any) -> str:
        """The HJ 1276 code of a 产生 step's container (steps in order): ``make_ident_code``
        for the first of each waste code and day, the same head with the next sequence after."""
        waste_code = step.event.code.waste_code
        day = step.event.at.astimezone(TZ).date()
        key = (waste_code.digits, day)
        seq = next(self._idents[key])
        head = self._ident_heads.get(key)
        if head is None:
            code = make_ident_code(self.uscc, waste_code.code, day, seq)
            self._ident_heads[key] = code[:-3]
            return code
        return f"{head}{seq:03d}"


def write(actor: Any, site: Site, steps: list[Any], result: Any, *, filename: str = "",
          progress: Callable[[int], Any] | None = None) -> None:  # fmt: skip
    org = site.organization
    now = timezone.now()
    adapt_dt = _datetime_adapter()
    adapt_date = connection.ops.adapt_datefield_value
    now_db = adapt_dt(now)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    import_id = uuid.uuid4().hex
    total = len(steps)
    with transaction.atomic(), _bulk_cache():
        numbers = _Numbers(org.pk, org.uscc, steps)
        new_boxes: list[Any] = []
        touched: dict[int, Any] = {}
        for step in steps:  # the codes, and each container's state after its last step
            box = step.event.box
            kind = step.kind
            if kind == PRODUCED:
                new_boxes.append(box)
                box.ident = numbers.ident(step)
            elif kind == STORED_IN:
                box.stored_since = step.event.at
            elif kind == STORED_OUT:
                box.stored_since = None
            if box.pk is not None:
                touched[box.pk] = box
            box.version += 1
        with connection.cursor() as cursor:
            sql = _insert_sql(Container, CONTAINER_COLUMNS)
            done = 0
            for start in range(0, len(new_boxes), CHUNK):
                chunk = new_boxes[start : start + CHUNK]
                last_pk = Container.objects.aggregate(m=Max("pk"))["m"] or 0
                cursor.executemany(sql, [_container_row(b, org.pk, actor_id, now_db, adapt_dt,
                                                        adapt_date) for b in chunk])  # fmt: skip
                # ours are the new rows above last_pk (others' are told apart by the code)
                found = dict(
                    Container.objects.filter(pk__gt=last_pk).values_list("ident_code", "pk")
                )
                for b in chunk:
                    b.pk = found[b.ident]
                done += len(chunk)
                if progress:
                    progress(min(done, total))
            sql = _insert_sql(LedgerEntry, ENTRY_COLUMNS)
            rows: list[tuple[Any, ...]] = []
            done = 0
            for row in _entry_rows(steps, numbers, org.pk, actor, adapt_dt(now), adapt_dt):
                rows.append(row)
                if len(rows) == CHUNK:
                    cursor.executemany(sql, rows)
                    done += len(rows)
                    rows = []
                    if progress:
                        progress(min(total, done))
            if rows:
                cursor.executemany(sql, rows)
                if progress:
                    progress(total)
        _update_existing(list(touched.values()), now)
        boxes = new_boxes + list(touched.values())
        _audit(actor, site, boxes, total, import_id, filename, result.total)
    result.containers = len(new_boxes)
    result.entries = total
    result.import_id = import_id


def _entry_rows(steps: list[Any], numbers: _Numbers, org_id: int, actor: Any, now_db: Any,
                adapt_dt: Callable[[Any], Any]) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """The entry rows in step order, filling the links (产生批次编码 / 入库批次编码) as the
    actions do: each step reads the batch numbers of the container's earlier steps."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    actor_name = str(actor)[:50]
    storage_text = _("storage")
    for step, batch in zip(steps, numbers.batches(), strict=True):
        ev, box = step.event, step.event.box
        kind = step.kind
        production = storage = destination = reason = transport = ""
        operator = ev.operator or actor_name
        method_id = None
        if kind == PRODUCED:
            box.production_batch = batch
            destination, reason = ev.destination or storage_text, ev.remark
        elif kind == STORED_IN:
            production = box.production_batch
            transport, reason = ev.transport, ev.remark
            box.storage_batch = batch
        elif kind == STORED_OUT:
            storage = box.storage_batch
            if step.treatment == "auto":
                operator = actor_name
                destination = _("own treatment at %(code)s") % {"code": ev.facility.code}
            else:
                destination, reason, transport = ev.destination, ev.remark, ev.transport
            box.out_batch = batch
        else:
            production, storage = box.production_batch, box.out_batch
            method_id, reason = ev.method.pk, ev.remark
        yield (org_id, box.site_id, box.pk, kind, batch, adapt_dt(ev.at), box.weight,
               step.facility_id, method_id, operator, transport, production, storage,
               destination, "", "", "", "", step.status_before, None, reason, actor_id,
               now_db)  # fmt: skip


def _container_row(b: Any, org_id: int, actor_id: Any, now_db: Any, adapt_dt: Any,
                   adapt_date: Any) -> tuple[Any, ...]:  # fmt: skip
    ev = b.produced
    line = ev.code
    at_db = adapt_dt(ev.at)
    return (
        b.ident, org_id, b.site_id, WasteKind.HAZARDOUS, line.waste_code_id, None, "", line.pk,
        ev.name, line.process, line.form, line.hazardous_components, ev.package, ev.volume,
        ev.count, b.weight, WeighSource.MANUAL, None, at_db,
        adapt_date(ev.at.astimezone(TZ).date()), b.status, b.facility_id,
        adapt_dt(b.stored_since) if b.status == S.STORED else None, at_db, actor_id, now_db,
        now_db, b.version,
    )  # fmt: skip


def _datetime_adapter() -> Callable[[Any], Any]:
    """``connection.ops.adapt_datetimefield_value`` for the import's aware datetimes; on SQLite
    the same text (UTC, no offset) without the per-call checks, which cost seconds a million."""
    ops = connection.ops
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return ops.adapt_datetimefield_value
    tz = connection.timezone

    def adapt(value: Any) -> Any:
        if value is None or value.tzinfo is None:
            return ops.adapt_datetimefield_value(value)
        return str(value.astimezone(tz).replace(tzinfo=None))

    return adapt


@contextmanager
def _bulk_cache() -> Iterator[None]:
    """On SQLite, a larger page cache for this connection while the import writes (the
    indexes of a million new rows do not fit the default 2 MiB); restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _update_existing(boxes: list[Any], now: Any) -> None:
    """Containers already in the ledger that the file moved on: same version as read, or the
    import stops (someone changed them meanwhile)."""
    for b in boxes:
        steps = len(b.steps)
        updated = Container.objects.filter(pk=b.pk, version=b.version - steps).update(
            status=b.status,
            facility_id=b.facility_id,
            stored_since=b.stored_since if b.status == S.STORED else None,
            version=b.version,
            updated_at=now,
        )
        if not updated:
            raise Conflict(
                _("Container %(ref)s changed while the file was imported: import it again.")
                % {"ref": b.ref},
                code="ledger.import_stale",
            )


def _audit(actor: Any, site: Site, boxes: list[Any], entries: int, import_id: str,
           filename: str, rows: int) -> None:  # fmt: skip
    parts = max(1, -(-len(boxes) // AUDIT_CHUNK))
    events = []
    for part in range(parts):
        chunk = boxes[part * AUDIT_CHUNK : (part + 1) * AUDIT_CHUNK]
        events.append({
            "actor": actor,
            "action": "ledger.container.import",
            "object_type": "ledger.import",
            "object_id": f"{import_id}:{part + 1}",
            "object_repr": f"{filename or 'import'} ({part + 1}/{parts})",
            "after": {
                "import": import_id, "file": filename, "site": site.pk, "rows": rows,
                "part": part + 1, "parts": parts, "entries_total": entries,
                "containers_total": len(boxes),
                "containers": [b.ident for b in chunk],
                "entries": sum(len(b.steps) for b in chunk),
            },
            "organization_id": site.organization_id,
            "region_prefix": site.region.prefix,
        })  # fmt: skip
    audit.record_many(events)


__all__ = ["CONTAINER_COLUMNS", "ENTRY_COLUMNS", "Decimal", "write"]
