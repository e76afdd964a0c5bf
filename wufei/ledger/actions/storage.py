"""即入库 and after: into storage (入库), out of storage (出库), own utilisation/disposal
(自行利用/处置), and reversing entries (冲销)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod
from wufei.core.actions import lock
from wufei.core.errors import Conflict, ValidationFailed
from wufei.registry.models import Facility, FacilityKind

from ..models import Container, EntryKind, LedgerEntry
from ._common import (
    STATUS,
    Result,
    last_entry,
    lock_container,
    operator_name,
    production_batch,
    record,
    refuse_state,
    save,
    snapshot,
    text,
    write_entry,
)


def facility_load(facility: Facility) -> Decimal:
    """Tonnes in the storage facility now (containers stored there)."""
    total = Container.objects.filter(facility=facility, status=STATUS.STORED).aggregate(
        t=Sum("weight_tonnes")
    )["t"]
    return total or Decimal("0")


def _lock_facility(actor: Any, container: Container, facility: Any, kinds: set[str]) -> Facility:
    pk = facility.pk if isinstance(facility, Facility) else facility
    if pk in (None, ""):
        raise ValidationFailed(
            _("Choose a facility."), code="ledger.facility_required", field="facility"
        )
    found = lock(actor, "view", Facility, pk=pk)
    if found.site.organization_id != container.organization_id or not found.is_active:
        raise ValidationFailed(
            _("Choose an active facility of %(org)s.") % {"org": container.organization.name},
            code="ledger.facility_unknown",
            field="facility",
        )
    if found.kind not in kinds:
        raise ValidationFailed(
            _("Facility %(code)s is a %(kind)s facility.")
            % {"code": found.code, "kind": FacilityKind(found.kind).label},
            code="ledger.facility_kind",
            field="facility",
        )
    return found


def store_in(
    actor: Any,
    container: Container,
    facility: Facility,
    *,
    allow_over_capacity: bool = False,
    reason: str = "",
    operator: str = "",
    transport_operator: str = "",
) -> Result:
    """即入库: scan the container into a storage facility of its organisation (HWRK…).

    A facility that the container would push over its capacity refuses it, unless
    ``allow_over_capacity`` is given with a reason: then it is stored and the result (and the
    inventory) carry the warning.
    """
    reason = text(reason, "reason", _("reason"), 2000)
    with transaction.atomic():
        container = lock_container(actor, container)
        if not container.can_store_in():
            raise refuse_state(container, _("stored in"), "ledger.not_storable")
        place = _lock_facility(actor, container, facility, {FacilityKind.STORAGE})
        warnings: list[str] = []
        load = facility_load(place) + (container.weight_tonnes or Decimal("0"))
        if load > place.capacity_tonnes:
            message = _(
                "Storage facility %(code)s would hold %(load)s t, over its capacity of "
                "%(capacity)s t."
            ) % {"code": place.code, "load": f"{load:.4f}", "capacity": place.capacity_tonnes}
            if not allow_over_capacity:
                raise Conflict(
                    message
                    + " "
                    + _("Move waste out first, or confirm the overload with a reason."),
                    code="ledger.over_capacity",
                    field="facility",
                    details={
                        "load_tonnes": str(load),
                        "capacity_tonnes": str(place.capacity_tonnes),
                    },
                )
            if not reason:
                raise ValidationFailed(
                    _("Give the reason for storing over the facility's capacity."),
                    code="ledger.reason_required",
                    field="reason",
                )
            warnings.append(message)
        before = snapshot(container)
        entry = write_entry(
            actor,
            container,
            EntryKind.STORED_IN,
            quantity=container.weight_tonnes or Decimal("0"),
            facility=place,
            operator=operator_name(actor, operator),
            transport_operator=text(transport_operator, "transport_operator", _("operator"), 50),
            production_batch=production_batch(container),
            reason=reason if warnings else "",
        )
        container.status = STATUS.STORED
        container.facility = place
        container.stored_since = entry.at
        save(container)
        record(
            actor,
            "ledger.container.store_in",
            container,
            before,
            entries=[entry],
            reason=reason if warnings else "",
        )
    return Result(container=container, entry=entry, entries=[entry], warnings=warnings)


def _store_out(
    actor: Any, container: Container, destination: str, operator: str, transport_operator: str
) -> LedgerEntry:
    stored = last_entry(container, EntryKind.STORED_IN)
    entry = write_entry(
        actor,
        container,
        EntryKind.STORED_OUT,
        quantity=container.weight_tonnes or Decimal("0"),
        facility=container.facility,
        operator=operator_name(actor, operator),
        transport_operator=text(transport_operator, "transport_operator", _("operator"), 50),
        storage_batch=stored.batch_number if stored else "",
        destination=destination,
    )
    container.status = STATUS.OUT
    container.facility = None
    container.stored_since = None
    return entry


def store_out(
    actor: Any,
    container: Container,
    *,
    destination: str,
    operator: str = "",
    transport_operator: str = "",
) -> Result:
    """出库: take the container out of storage (HWCK…) to ``destination`` (去向)."""
    destination = text(destination, "destination", _("destination"), 200, required=True)
    with transaction.atomic():
        container = lock_container(actor, container)
        if not container.can_store_out():
            raise refuse_state(container, _("taken out of storage"), "ledger.not_stored")
        before = snapshot(container)
        entry = _store_out(actor, container, destination, operator, transport_operator)
        save(container)
        record(actor, "ledger.container.store_out", container, before, entries=[entry])
    return Result(container=container, entry=entry, entries=[entry])


def _clean_method(value: Any, facility: Facility) -> TreatmentMethod:
    if isinstance(value, TreatmentMethod):
        method: TreatmentMethod | None = value
    else:
        raw = str(value or "").strip().upper()
        method = TreatmentMethod.objects.filter(code=raw).first() if raw else None
    if method is None:
        raise ValidationFailed(
            _("Choose the utilisation/disposal method (e.g. R9, D10)."),
            code="ledger.method_unknown",
            field="method",
        )
    allowed = list(facility.methods.all())
    if allowed and method not in allowed:
        raise ValidationFailed(
            _("Facility %(code)s is not set up for method %(method)s.")
            % {"code": facility.code, "method": method.code},
            code="ledger.method_not_of_facility",
            field="method",
        )
    return method


def self_treat(
    actor: Any,
    container: Container,
    facility: Facility,
    method: Any,
    *,
    operator: str = "",
) -> Result:
    """自行利用/处置 in an own utilisation or disposal facility (HWZXLY… / HWZXCZ…).

    A container still in storage is taken out first (出库 entry to that facility), so the
    ledger shows both steps.
    """
    with transaction.atomic():
        container = lock_container(actor, container)
        if not container.can_self_treat():
            raise refuse_state(container, _("treated on site"), "ledger.not_treatable")
        place = _lock_facility(
            actor, container, facility, {FacilityKind.UTILISATION, FacilityKind.DISPOSAL}
        )
        chosen = _clean_method(method, place)
        before = snapshot(container)
        entries = []
        storage_batch = ""
        if container.status == STATUS.STORED:
            out = _store_out(
                actor, container, _("own treatment at %(code)s") % {"code": place.code}, "", ""
            )
            entries.append(out)
            storage_batch = out.batch_number
        else:
            previous = last_entry(container, EntryKind.STORED_OUT)
            storage_batch = previous.batch_number if previous else ""
        entry = write_entry(
            actor,
            container,
            EntryKind.SELF_TREATED,
            quantity=container.weight_tonnes or Decimal("0"),
            treatment=place.kind,
            facility=place,
            method=chosen,
            operator=operator_name(actor, operator),
            production_batch=production_batch(container),
            storage_batch=storage_batch,
        )
        entries.append(entry)
        container.status = STATUS.SELF_TREATED
        save(container)
        record(actor, "ledger.container.self_treat", container, before, entries=entries)
    return Result(container=container, entry=entry, entries=entries)


def reverse_entry(actor: Any, entry: LedgerEntry, *, reason: str) -> Result:
    """冲销: cancel the container's latest step with a reversing entry and a reason.

    Only the latest entry of a container that is not reversed may be reversed (undo one step
    at a time); the container returns to its status before that step. Reversing the
    generation entry cancels the container (status ``reversed``).
    """
    reason = text(reason, "reason", _("reason"), 2000, required=True)
    with transaction.atomic():
        original = lock(actor, "view", LedgerEntry, pk=entry.pk)
        container = lock_container(actor, original.container_id)
        if original.kind == EntryKind.REVERSAL:
            raise Conflict(
                _("A reversing entry cannot itself be reversed."),
                code="ledger.reverse_reversal",
            )
        if LedgerEntry.objects.filter(reversal_of=original).exists():
            raise Conflict(
                _("Entry %(batch)s is already reversed.") % {"batch": original.batch_number},
                code="ledger.already_reversed",
            )
        latest = (
            LedgerEntry.objects.filter(container=container)
            .exclude(kind=EntryKind.REVERSAL)
            .filter(reversed_by__isnull=True)
            .order_by("-at", "-pk")
            .first()
        )
        if latest is None or latest.pk != original.pk:
            raise Conflict(
                _("Only the latest step of a container can be reversed: reverse %(batch)s first.")
                % {"batch": latest.batch_number if latest else "—"},
                code="ledger.not_latest",
                details={"latest": latest.batch_number if latest else None},
            )
        before = snapshot(container)
        reversal = write_entry(
            actor,
            container,
            EntryKind.REVERSAL,
            quantity=-original.quantity_tonnes,
            facility=original.facility,
            method=original.method,
            operator=operator_name(actor, ""),
            reversal_of=original,
            reason=reason,
        )
        _undo(container, original)
        save(container)
        record(
            actor,
            "ledger.entry.reverse",
            container,
            before,
            entries=[reversal],
            reason=reason,
        )
    return Result(container=container, entry=reversal, entries=[reversal])


def _undo(container: Container, original: LedgerEntry) -> None:
    if original.kind == EntryKind.PRODUCED:
        container.status = STATUS.REVERSED
        container.facility = None
        container.stored_since = None
        return
    container.status = original.status_before or container.status
    if original.kind == EntryKind.STORED_IN:
        container.facility = None
        container.stored_since = None
    elif original.kind == EntryKind.STORED_OUT:
        stored = last_entry(container, EntryKind.STORED_IN)
        container.facility = original.facility
        container.stored_since = stored.at if stored else timezone.now()
