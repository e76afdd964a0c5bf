"""Arrival, receipt and treatment (Art. 12, 18): the end of the code's life (一码贯通, 闭环).

The receiver scans and weighs each container on arrival (the first scan starts the 5-working-
day receipt clock), then signs the receipt: accepted, partly refused or refused, with the
received weights, the method used and the reason for any difference. A difference in name,
quantity (beyond the kind's weight tolerance), characteristics, form or packaging is a
discrepancy: the shipper and the receiving area's bureaus are told (Art. 18). Treatment of
each accepted container, recorded by the receiver, closes the manifest once nothing is left.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core.actions import check_version
from wufei.core.errors import Conflict, ValidationFailed
from wufei.core.workdays import add_workdays
from wufei.registry import validators as v
from wufei.registry.models import Organization

from ..kinds import rules_for
from ..models import (
    ItemStatus,
    Manifest,
    ManifestStatus,
    Outcome,
    RefusalRoute,
    SignatureStep,
)
from ._common import (
    RECEIVER,
    WRITERS,
    acting_org,
    lock_manifest,
    publish,
    record,
    require_status,
    save,
    sign,
    snapshot,
    treatment_method,
)
from .pickup import ScanResult, _item_by_code

DISCREPANCY_FIELDS = ("name", "quantity", "characteristics", "form", "packaging")
DONE = (ItemStatus.TREATED, ItemStatus.RETURNED, ItemStatus.CONSOLIDATED)


def scan_arrival(actor: Any, manifest: Manifest, code: str, *, weight_tonnes: Any) -> ScanResult:
    """接收扫码称重: the receiver scans and weighs a container (again = corrects the weight)."""
    weight = v.clean_tonnes(weight_tonnes, "weight_tonnes", required=True, positive=True)
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        acting_org(actor, manifest.receiver_id, WRITERS, RECEIVER)
        require_status(
            manifest,
            (ManifestStatus.IN_TRANSIT, ManifestStatus.ARRIVED),
            _("received"),
            "manifests.not_in_transit",
        )
        if manifest.legs.filter(sequence__gt=manifest.current_leg).exists():
            raise Conflict(
                _("A carrier hand-over is pending: the next carrier must take over first."),
                code="manifests.leg_pending",
                field="status",
            )
        item = _item_by_code(manifest, code)
        before = snapshot(manifest)
        now = timezone.now()
        if manifest.status == ManifestStatus.IN_TRANSIT:
            manifest.status = ManifestStatus.ARRIVED
            manifest.arrived_at = now
            day = timezone.localdate(now)
            manifest.receipt_due_on = add_workdays(day, rules_for(manifest.kind).receipt_workdays)
            save(manifest)
        already = item.arrived_scanned_at is not None and item.received_tonnes == weight
        if not already:
            item.arrived_scanned_at = item.arrived_scanned_at or now
            item.received_tonnes = weight
            item.received_by = actor if getattr(actor, "pk", None) else None
            item.save(update_fields=["arrived_scanned_at", "received_tonnes", "received_by"])
            record(
                actor,
                "manifests.manifest.scan_arrival",
                manifest,
                before if before["status"] != manifest.status else None,
                extra={"container": item.container.ident_code, "weight_tonnes": str(weight)},
            )
        remaining = manifest.items.filter(arrived_scanned_at__isnull=True).count()
    return ScanResult(item=item, already=already, remaining=remaining)


def _bureaus_of(manifest: Manifest) -> list[int]:
    """The regulators whose jurisdiction covers the destination (接受地生态环境主管部门)."""
    code = manifest.destination_region.code
    prefixes = {code[:2], code[:4], code[:6]}
    return list(
        Organization.objects.filter(is_regulator=True, is_active=True)
        .filter(Q(region__prefix__in=prefixes))
        .values_list("pk", flat=True)
    )


def sign_receipt(
    actor: Any,
    manifest: Manifest,
    *,
    refused: dict[str, str] | None = None,
    lines: dict[int, dict[str, Any]] | None = None,
    reason: str = "",
    refusal_route: str = "",
    version: int | None = None,
) -> Manifest:
    """签收: accept, partly refuse or refuse, within 5 working days of arrival.

    ``refused``: ``{container code: reason}``; ``lines``: ``{position: {"method": "R9",
    "discrepancies": ["form", …], "note": "…"}}`` (the method defaults to the planned one).
    """
    refused = {str(k).strip(): str(r or "").strip() for k, r in (refused or {}).items()}
    lines = lines or {}
    reason = v.clean_length(reason, "reason", _("reason"), 2000)
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.receiver_id, WRITERS, RECEIVER)
        check_version(manifest, version)
        require_status(
            manifest, (ManifestStatus.ARRIVED,), _("signed for"), "manifests.not_arrived"
        )
        rules = rules_for(manifest.kind)
        before = snapshot(manifest)
        items = list(
            manifest.items.select_for_update(of=("self",)).select_related("container", "line")
        )
        codes = {i.container.ident_code for i in items}
        unknown = sorted(set(refused) - codes)
        if unknown:
            raise ValidationFailed(
                _("These containers are not on the manifest: %(list)s.")
                % {"list": ", ".join(unknown)},
                code="manifests.scan_not_on_manifest",
                field="refused",
            )
        unweighed = [
            i.container.ident_code or str(i.container_id)
            for i in items
            if i.received_tonnes is None and i.container.ident_code not in refused
        ]
        if unweighed:
            raise Conflict(
                _(
                    "Scan and weigh every container before signing (missing: %(list)s), or refuse the missing ones with a reason."
                )
                % {"list": ", ".join(unweighed[:10])},
                code="manifests.scan_missing",
                field="items",
                details={"missing": unweighed},
            )
        any_discrepancy = False
        for line in manifest.lines.select_related("method"):
            info = lines.get(line.position) or lines.get(str(line.position)) or {}  # type: ignore[call-overload]
            members = [i for i in items if i.line_id == line.pk]
            received = sum((i.received_tonnes or Decimal("0") for i in members), Decimal("0"))
            accepted = sum(
                (
                    i.received_tonnes or Decimal("0")
                    for i in members
                    if i.container.ident_code not in refused
                ),
                Decimal("0"),
            )
            dispatched = sum((i.dispatch_tonnes for i in members), Decimal("0"))
            found = [f for f in info.get("discrepancies", []) if f]
            bad = sorted(set(found) - set(DISCREPANCY_FIELDS))
            if bad:
                raise ValidationFailed(
                    _("Unknown discrepancy “%(value)s”.") % {"value": bad[0]},
                    code="manifests.discrepancy_invalid",
                    field="lines",
                )
            over = dispatched and abs(received - dispatched) / dispatched > rules.weight_tolerance
            if over and "quantity" not in found:
                found.append("quantity")
            line.received_tonnes = received
            line.accepted_tonnes = accepted
            line.received_method = treatment_method(info.get("method") or line.method, "lines")
            line.discrepancy = found
            line.note = v.clean_length(info.get("note", ""), "lines", _("note"), 300)
            refused_here = [i for i in members if i.container.ident_code in refused]
            line.outcome = (
                Outcome.REFUSED
                if refused_here and len(refused_here) == len(members)
                else Outcome.PARTLY_REFUSED
                if refused_here
                else Outcome.ACCEPTED
            )
            line.save()
            any_discrepancy = any_discrepancy or bool(found)
        for item in items:
            code = item.container.ident_code
            if code in refused:
                item.refused = True
                item.refusal_reason = refused[code][:300]
                item.status = ItemStatus.REFUSED
            else:
                item.status = ItemStatus.RECEIVED
            item.save(update_fields=["refused", "refusal_reason", "status"])
        n_refused = sum(1 for i in items if i.refused)
        outcome = (
            Outcome.REFUSED
            if n_refused == len(items)
            else Outcome.PARTLY_REFUSED
            if n_refused
            else Outcome.ACCEPTED
        )
        if (n_refused or any_discrepancy) and not reason:
            raise ValidationFailed(
                _("Give the reason for the refusal or the difference."),
                code="manifests.reason_required",
                field="reason",
            )
        if n_refused:
            try:
                RefusalRoute(refusal_route)
            except ValueError:
                raise ValidationFailed(
                    _(
                        "Say where the refused waste goes: back to the shipper or to another receiver."
                    ),
                    code="manifests.refusal_route_required",
                    field="refusal_route",
                ) from None
        if n_refused and manifest.approval is not None:
            from wufei.approvals import actions as approvals

            for line in manifest.lines.select_related("waste_code", "method"):
                back = (line.received_tonnes or Decimal("0")) - (
                    line.accepted_tonnes or Decimal("0")
                )
                if line.outcome != Outcome.ACCEPTED and back > 0:
                    approvals.release(
                        actor,
                        manifest.approval,
                        line.waste_code,
                        line.method,
                        min(back, line.quantity_tonnes),
                    )
        now = timezone.now()
        manifest.outcome = outcome
        manifest.refusal_reason = reason
        manifest.refusal_route = refusal_route if n_refused else ""
        manifest.has_discrepancy = any_discrepancy
        manifest.received_at = now
        manifest.receipt_late = bool(
            manifest.receipt_due_on and timezone.localdate(now) > manifest.receipt_due_on
        )
        manifest.status = (
            ManifestStatus.REFUSED if outcome == Outcome.REFUSED else ManifestStatus.RECEIVED
        )
        save(manifest)
        sign(actor, manifest, SignatureStep.RECEIPT, org, RECEIVER)
        record(actor, "manifests.manifest.receipt", manifest, before, reason=reason)
    publish(
        manifest,
        "manifest.received",
        [manifest.shipper_id, manifest.carrier_id],
        _("Manifest %(number)s: %(outcome)s by %(org)s")
        % {
            "number": manifest.number,
            "outcome": manifest.get_outcome_display(),
            "org": manifest.receiver.name,
        },
        reason,
    )
    if manifest.has_discrepancy or outcome != Outcome.ACCEPTED:
        publish(
            manifest,
            "manifest.discrepancy",
            [manifest.shipper_id, *_bureaus_of(manifest)],
            _("Manifest %(number)s: difference or refusal at receipt")
            % {"number": manifest.number},
            reason,
        )
    return manifest


def _maybe_close(actor: Any, manifest: Manifest, org: int) -> bool:
    if (
        manifest.items.exclude(status__in=DONE)
        .exclude(refused=True, status=ItemStatus.RETURNED)
        .exists()
    ):
        return False
    manifest.status = ManifestStatus.CLOSED
    manifest.closed_at = timezone.now()
    save(manifest)
    sign(actor, manifest, SignatureStep.TREATMENT, org, RECEIVER)
    return True


def record_treatment(
    actor: Any,
    manifest: Manifest,
    *,
    codes: list[str] | None = None,
    method: Any = None,
    note: str = "",
    version: int | None = None,
) -> Manifest:
    """利用/处置: the receiver records the treatment of accepted containers (all if ``codes``
    is empty); the manifest closes (闭环) once every container is treated or gone back."""
    note = v.clean_length(note, "note", _("note"), 300)
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.receiver_id, WRITERS, RECEIVER)
        check_version(manifest, version)
        require_status(manifest, (ManifestStatus.RECEIVED,), _("treated"), "manifests.not_received")
        before = snapshot(manifest)
        qs = manifest.items.select_for_update(of=("self",)).select_related(
            "container", "line__received_method", "line__method"
        )
        pending = qs.filter(status=ItemStatus.RECEIVED)
        if codes:
            wanted = {str(c).strip() for c in codes}
            chosen = [i for i in pending if i.container.ident_code in wanted]
            missing = sorted(wanted - {i.container.ident_code for i in chosen})
            if missing:
                raise Conflict(
                    _("These containers are not waiting for treatment on this manifest: %(list)s.")
                    % {"list": ", ".join(missing)},
                    code="manifests.not_treatable",
                    field="codes",
                )
        else:
            chosen = list(pending)
        if not chosen:
            raise Conflict(
                _("No container of this manifest is waiting for treatment."),
                code="manifests.not_treatable",
                field="codes",
            )
        chosen_method = treatment_method(method, "method") if method else None
        now = timezone.now()
        for item in chosen:
            item.status = ItemStatus.TREATED
            item.treated_at = now
            item.treatment_method = chosen_method or item.line.received_method or item.line.method
            item.treatment_note = note
            item.save(update_fields=["status", "treated_at", "treatment_method", "treatment_note"])
        closed = _maybe_close(actor, manifest, org)
        if not closed:
            save(manifest)
        record(
            actor,
            "manifests.manifest.treatment",
            manifest,
            before,
            extra={"containers": [i.container.ident_code for i in chosen]},
        )
    if closed:
        publish(
            manifest,
            "manifest.closed",
            [manifest.shipper_id],
            _("Manifest %(number)s is closed: all waste utilised or disposed of")
            % {"number": manifest.number},
        )
    return manifest
