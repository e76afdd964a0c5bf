"""The audit chain (审计日志): record events and verify the chain.

Every action calls :func:`record` inside its own transaction, so the event commits or rolls
back with the change it describes. Writers serialise on the single :class:`AuditHead` row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions take the write lock at
``BEGIN``), so the chain never forks. See docs/audit.md.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .middleware import current_request_id
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def canonical(value: Any) -> Any:
    """A JSON-safe copy (dates, decimals, models → strings/ids), stable across databases."""
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True))


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys as ids) for before/after."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        data[f.attname if f.is_relation else f.name] = getattr(obj, f.attname)
    return canonical(data)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict, dict]:
    """Only the keys that changed, for a compact update event."""
    before, after = before or {}, after or {}
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def _payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_repr": event.actor_repr,
        "organization": event.organization_id_ref,
        "region": event.region_prefix,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    body = json.dumps(_payload(event), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organization_id: int | None = None,
    region_prefix: str = "",
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain. Must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the action's transaction")
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.bulk_create([AuditHead(pk=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
        head = AuditHead.objects.select_for_update().get(pk=1)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
        object_repr = object_repr or str(obj)
    user = actor if getattr(actor, "pk", None) else None
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=user,
        actor_repr=(user.get_username() if user else str(actor or "system"))[:200],
        organization_id_ref=organization_id,
        region_prefix=region_prefix or "",
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        object_repr=(object_repr or "")[:300],
        before=canonical(before) if before is not None else None,
        after=canonical(after) if after is not None else None,
        request_id=current_request_id() or "",
        reason=reason or "",
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    AuditHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def record_many(events: list[dict[str, Any]]) -> int:
    """Append many events at once (bulk actions such as imports): one head lock, one insert.

    Each dict takes the keyword arguments of :func:`record`.
    """
    if not events:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must be called inside the action's transaction")
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.bulk_create([AuditHead(pk=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
        head = AuditHead.objects.select_for_update().get(pk=1)
    seq, prev = head.seq, head.hash
    now = timezone.now()
    request_id = current_request_id() or ""
    rows = []
    for e in events:
        obj = e.get("obj")
        actor = e.get("actor")
        user = actor if getattr(actor, "pk", None) else None
        seq += 1
        event = AuditEvent(
            seq=seq,
            at=now,
            actor=user,
            actor_repr=(user.get_username() if user else str(actor or "system"))[:200],
            organization_id_ref=e.get("organization_id"),
            region_prefix=e.get("region_prefix") or "",
            action=e["action"],
            object_type=e.get("object_type") or (obj._meta.label_lower if obj is not None else ""),
            object_id=str(e.get("object_id") or (obj.pk if obj is not None else "")),
            object_repr=(e.get("object_repr") or (str(obj) if obj is not None else ""))[:300],
            before=canonical(e["before"]) if e.get("before") is not None else None,
            after=canonical(e["after"]) if e.get("after") is not None else None,
            request_id=request_id,
            reason=e.get("reason") or "",
            prev_hash=prev,
        )
        event.hash = compute_hash(event)
        prev = event.hash
        rows.append(event)
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return len(rows)


@dataclass
class ChainProblem:
    seq: int | None
    pk: int | None
    problem: str

    def __str__(self) -> str:
        return f"row id={self.pk} seq={self.seq}: {self.problem}"


def iter_problems(batch: int = 5000) -> Iterator[ChainProblem]:
    """Walk the chain in ``seq`` order; yield every inconsistency found (first one first)."""
    prev_hash = GENESIS
    expected_seq = 1
    last_pk: int | None = None
    qs = AuditEvent.objects.order_by("seq")
    for event in qs.iterator(chunk_size=batch):
        last_pk = event.pk
        if event.seq != expected_seq:
            yield ChainProblem(
                event.seq, event.pk, f"expected seq {expected_seq} (a row is missing or moved)"
            )
            expected_seq = event.seq
        if event.prev_hash != prev_hash:
            yield ChainProblem(
                event.seq, event.pk, "prev_hash does not match the previous row's hash"
            )
        if compute_hash(event) != event.hash:
            yield ChainProblem(
                event.seq, event.pk, "content does not match its hash (row was changed)"
            )
        prev_hash = event.hash
        expected_seq += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        yield ChainProblem(
            head.seq, last_pk, "chain head does not match the last row (rows removed at the end)"
        )


def verify() -> ChainProblem | None:
    """The first problem in the chain, or ``None`` if it is intact."""
    return next(iter_problems(), None)


def history(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The audit timeline of one object (for the detail pages)."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("seq")
