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

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.errors import Conflict
from wufei.core.numbering import format_serial, next_block
from wufei.labels.ident import make_ident_code
from wufei.registry.models import Site

from .. import codes
from ..models import Container, ContainerStatus, EntryKind, LedgerEntry, WasteKind, WeighSource
from .parse import TZ

CHUNK = 5000
AUDIT_CHUNK = 5000
S = ContainerStatus

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


def _numbers(org_id: int, uscc: str, steps: list[Any]) -> list[tuple[str, Any]]:
    """(batch number, day) per step and the ident code per new container, from blocks."""
    prefixes: dict[tuple[str, str], str] = {}
    keys: list[tuple[str, Any]] = []
    batch_counts: dict[tuple[str, Any], int] = {}
    ident_counts: dict[tuple[str, Any], int] = {}
    for step in steps:
        day = step.event.at.astimezone(TZ).date()
        pk = (step.kind, step.treatment)
        prefix = prefixes.get(pk)
        if prefix is None:
            treatment = step.treatment if step.treatment != "auto" else ""
            prefix = prefixes[pk] = codes.batch_prefix(step.kind, WasteKind.HAZARDOUS, treatment)
        key = (prefix, day)
        keys.append(key)
        batch_counts[key] = batch_counts.get(key, 0) + 1
        if step.kind == EntryKind.PRODUCED:
            ik = (step.event.code.waste_code.digits, day)
            ident_counts[ik] = ident_counts.get(ik, 0) + 1
    blocks: dict[tuple[str, Any], Iterator[int]] = {}
    for (prefix, day), n in batch_counts.items():
        blocks[(prefix, day)] = iter(
            next_block(f"ledger:{org_id}:{prefix}:{day:%Y%m%d}", day.year, n)
        )
    idents: dict[tuple[str, Any], Iterator[int]] = {}
    for (digits, day), n in ident_counts.items():
        block = next_block(f"ident:{org_id}:{digits}:{day:%Y%m%d}", day.year, n)
        if block.stop - 1 > 999:
            raise Conflict(
                _("More than 999 containers of one waste code on %(day)s.") % {"day": day},
                code="ledger.ident_sequence_full",
            )
        idents[(digits, day)] = iter(block)
    out: list[tuple[str, Any]] = []
    width = codes.SEQUENCE_WIDTH
    for step, (prefix, day) in zip(steps, keys, strict=True):
        number = next(blocks[(prefix, day)])
        out.append((format_serial(f"{prefix}{day:%Y%m%d}", number, max(width, len(str(number)))),
                    day))  # fmt: skip
        if step.kind == EntryKind.PRODUCED:
            box = step.event.box
            line = step.event.code
            seq = next(idents[(line.waste_code.digits, day)])
            box.ident = make_ident_code(uscc, line.waste_code.code, day, seq)
    return out


def write(actor: Any, site: Site, steps: list[Any], result: Any, *, filename: str = "",
          progress: Callable[[int], Any] | None = None) -> None:  # fmt: skip
    org = site.organization
    ops = connection.ops
    adapt_dt = ops.adapt_datetimefield_value
    adapt_date = ops.adapt_datefield_value
    now = timezone.now()
    now_db = adapt_dt(now)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    actor_name = str(actor)[:50]
    storage_text = _("storage")
    import_id = uuid.uuid4().hex
    with transaction.atomic():
        numbers = _numbers(org.pk, org.uscc, steps)
        entries: list[list[Any]] = []
        new_boxes: list[Any] = []
        touched: dict[int, Any] = {}
        for step, (batch, _day) in zip(steps, numbers, strict=True):
            ev, box = step.event, step.event.box
            kind = step.kind
            at = ev.at
            production = storage = ""
            destination = reason = ""
            operator = ev.operator or actor_name
            transport = ""
            method_id = None
            if kind == EntryKind.PRODUCED:
                new_boxes.append(box)
                box.production_batch = batch
                destination, reason = ev.destination or storage_text, ev.remark
            elif kind == EntryKind.STORED_IN:
                production, storage = box.production_batch, ""
                transport, reason = ev.transport, ev.remark
                box.storage_batch = batch
                box.stored_since = at
            elif kind == EntryKind.STORED_OUT:
                storage = box.storage_batch
                if step.treatment == "auto":
                    operator = actor_name
                    destination = _("own treatment at %(code)s") % {"code": ev.facility.code}
                else:
                    destination, reason, transport = ev.destination, ev.remark, ev.transport
                box.out_batch = batch
                box.stored_since = None
            else:
                production, storage = box.production_batch, box.out_batch
                method_id, reason = ev.method.pk, ev.remark
            if box.pk is not None:
                touched[box.pk] = box
            box.version += 1
            entries.append([org.pk, box.site_id, box, kind, batch, adapt_dt(at), box.weight,
                            step.facility_id, method_id, operator, transport, production,
                            storage, destination, "", "", "", "", step.status_before, None,
                            reason, actor_id, now_db])  # fmt: skip
        done = 0
        total = len(steps)
        with connection.cursor() as cursor:
            sql = _insert_sql(Container, CONTAINER_COLUMNS)
            for start in range(0, len(new_boxes), CHUNK):
                chunk = new_boxes[start : start + CHUNK]
                cursor.executemany(sql, [_container_row(b, org.pk, actor_id, now_db, adapt_dt,
                                                        adapt_date) for b in chunk])  # fmt: skip
                idents = [b.ident for b in chunk]
                for s in range(0, len(idents), 900):
                    found = dict(
                        Container.objects.filter(ident_code__in=idents[s : s + 900]).values_list(
                            "ident_code", "pk"
                        )
                    )
                    for b in chunk[s : s + 900]:
                        b.pk = found[b.ident]
                done += len(chunk)
                if progress:
                    progress(min(done, total))
            sql = _insert_sql(LedgerEntry, ENTRY_COLUMNS)
            for start in range(0, len(entries), CHUNK):
                chunk_rows = entries[start : start + CHUNK]
                for row in chunk_rows:
                    row[2] = row[2].pk
                cursor.executemany(sql, chunk_rows)
                if progress:
                    progress(min(total, start + len(chunk_rows)))
        _update_existing(list(touched.values()), now)
        boxes = new_boxes + list(touched.values())
        _audit(actor, site, boxes, len(entries), import_id, filename, result.total)
    result.containers = len(new_boxes)
    result.entries = len(entries)
    result.import_id = import_id


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
