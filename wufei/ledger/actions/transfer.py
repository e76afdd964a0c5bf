"""Transfer out (委外利用/处置 / 一般工业固废 出厂): the container leaves the unit.

Hazardous waste leaves on an electronic manifest (令第23号): the manifests app calls
:func:`ship_out` with the manifest number; without one a hazardous container is refused.
General industrial solid waste is transferred out directly (batch prefix CC).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod
from wufei.core.errors import Conflict, ValidationFailed
from wufei.plans.models import ReceiverType

from ..models import Container, EntryKind, WasteKind
from ._common import (
    STATUS,
    Result,
    clean_choice,
    last_entry,
    lock_container,
    production_batch,
    record,
    refuse_state,
    save,
    snapshot,
    text,
    write_entry,
)
from .storage import _store_out


def _method(value: Any) -> TreatmentMethod:
    if isinstance(value, TreatmentMethod):
        return value
    raw = str(value or "").strip().upper()
    found = TreatmentMethod.objects.filter(code=raw).first() if raw else None
    if found is None:
        raise ValidationFailed(
            _("Choose the utilisation/disposal method (e.g. R9, D10)."),
            code="ledger.method_unknown",
            field="method",
        )
    return found


def ship_out(
    actor: Any,
    container: Container,
    *,
    receiver_name: str,
    method: Any,
    receiver_permit_number: str = "",
    receiver_type: str = "",
    manifest_number: str = "",
    operator: str = "",
) -> Result:
    """委外: the container goes to ``receiver_name`` for ``method`` (R… utilisation → LY,
    otherwise disposal → CZ). A container still in storage is taken out first."""
    receiver_name = text(receiver_name, "receiver_name", _("receiver"), 200, required=True)
    permit = text(receiver_permit_number, "receiver_permit_number", _("permit number"), 50)
    manifest = text(manifest_number, "manifest_number", _("manifest number"), 14)
    kind = (
        clean_choice(receiver_type, "receiver_type", ReceiverType, _("receiver type"))
        if receiver_type
        else ""
    )
    chosen = _method(method)
    with transaction.atomic():
        container = lock_container(actor, container)
        if container.kind == WasteKind.HAZARDOUS and not manifest:
            raise Conflict(
                _("Hazardous waste leaves the unit on an electronic transfer manifest."),
                code="ledger.manifest_required",
                field="manifest_number",
            )
        if not container.can_ship():
            raise refuse_state(container, _("transferred out"), "ledger.not_shippable")
        before = snapshot(container)
        entries = []
        if container.status == STATUS.STORED:
            entries.append(
                _store_out(
                    actor, container, _("transfer to %(name)s") % {"name": receiver_name}, "", ""
                )
            )
        out = entries[-1] if entries else last_entry(container, EntryKind.STORED_OUT)
        entry = write_entry(
            actor,
            container,
            EntryKind.SHIPPED,
            quantity=container.weight_tonnes or Decimal("0"),
            treatment="utilisation" if chosen.kind == "utilisation" else "disposal",
            method=chosen,
            operator=text(operator, "operator", _("operator"), 50),
            production_batch=production_batch(container),
            storage_batch=out.batch_number if out else "",
            destination=receiver_name,
            receiver_name=receiver_name,
            receiver_permit_number=permit,
            receiver_type=kind,
            manifest_number=manifest,
        )
        entries.append(entry)
        container.status = STATUS.SHIPPED
        save(container)
        record(actor, "ledger.container.ship_out", container, before, entries=entries)
    return Result(container=container, entry=entry, entries=entries)
