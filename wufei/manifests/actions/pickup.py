"""Pickup (装车交接, Art. 11, 13) and carrier hand-overs (联运, Art. 17).

The driver scans every container; a code not on the manifest, or a label that does not match
the manifest (waste code, weight), stops the loading. When every container is loaded the
shipper signs the hand-over — the containers leave its inventory through the ledger's
``ship_out`` (委外, with the manifest number) — and the carrier signs the pickup: the manifest
is in transit. A later carrier is added as a leg, scans every container and signs its take-over.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core.actions import check_version
from wufei.core.errors import Conflict, ValidationFailed
from wufei.ledger.actions import ship_out
from wufei.registry import validators as v
from wufei.registry.models import Driver, Organization, Vehicle

from .. import checks
from ..kinds import rules_for
from ..models import ItemStatus, Manifest, ManifestItem, ManifestLeg, ManifestStatus, SignatureStep
from ._common import (
    CARRIER,
    CARRIER_ROLES,
    SHIPPER,
    WRITERS,
    acting_org,
    current_carrier_id,
    lock_manifest,
    publish,
    record,
    require_status,
    save,
    sign,
    snapshot,
)


@dataclass
class ScanResult:
    item: ManifestItem
    already: bool  # the same container was scanned before (a replayed scan changes nothing)
    remaining: int  # containers of the manifest still to scan at this step


def _item_by_code(manifest: Manifest, code: str) -> ManifestItem:
    raw = str(code or "").strip()
    if "/c/" in raw:  # the QR carries the container's URL: …/c/<code>
        raw = raw.rsplit("/c/", 1)[1].split("?", 1)[0].strip("/")
    if not raw:
        raise ValidationFailed(
            _("Scan the container's label."), code="manifests.scan_required", field="code"
        )
    item = (
        ManifestItem.objects.select_for_update(of=("self",))
        .select_related("container", "line", "line__waste_code")
        .filter(manifest=manifest, container__ident_code=raw)
        .first()
    )
    if item is None:
        raise Conflict(
            _(
                "Container %(code)s is not on manifest %(number)s: stop loading and check the "
                "manifest with the shipper."
            )
            % {"code": raw, "number": manifest.number},
            code="manifests.scan_not_on_manifest",
            field="code",
        )
    return item


def _label_mismatch(item: ManifestItem, label_waste_code: str, label_weight: Any) -> str:
    problems = []
    if label_waste_code:
        printed = label_waste_code.replace("-", "").strip()
        if printed and printed != item.container.code_text.replace("-", ""):
            problems.append(
                _("the label says waste %(label)s, the manifest %(manifest)s")
                % {"label": label_waste_code, "manifest": item.container.code_text}
            )
    weight = (
        v.clean_tonnes(label_weight, "label_weight") if label_weight not in (None, "") else None
    )
    if weight is not None and weight != item.dispatch_tonnes:
        problems.append(
            _("the label says %(label)s t, the manifest %(manifest)s t")
            % {"label": weight, "manifest": item.dispatch_tonnes}
        )
    return "; ".join(str(p) for p in problems)


def scan_load(
    actor: Any,
    manifest: Manifest,
    code: str,
    *,
    label_waste_code: str = "",
    label_weight: Any = None,
) -> ScanResult:
    """The driver scans a container onto the vehicle (装车扫码)."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        require_status(manifest, (ManifestStatus.SUBMITTED,), _("loaded"), "manifests.not_loadable")
        acting_org(actor, manifest.carrier_id, CARRIER_ROLES, CARRIER)
        item = _item_by_code(manifest, code)
        mismatch = _label_mismatch(item, label_waste_code, label_weight)
        if mismatch:
            raise Conflict(
                _(
                    "The label of container %(code)s does not match the manifest (%(problem)s): do not load it."
                )
                % {"code": item.container, "problem": mismatch},
                code="manifests.label_mismatch",
                field="code",
            )
        already = item.status == ItemStatus.LOADED
        if not already:
            item.status = ItemStatus.LOADED
            item.loaded_at = timezone.now()
            item.loaded_by = actor if getattr(actor, "pk", None) else None
            item.last_scanned_leg = 1
            item.save(update_fields=["status", "loaded_at", "loaded_by", "last_scanned_leg"])
            record(
                actor,
                "manifests.manifest.scan_load",
                manifest,
                None,
                extra={"container": item.container.ident_code},
            )
        remaining = manifest.items.exclude(status=ItemStatus.LOADED).count()
    return ScanResult(item=item, already=already, remaining=remaining)


def _missing(manifest: Manifest, leg: int | None = None) -> list[str]:
    qs = manifest.items.select_related("container")
    if leg is None:
        qs = qs.exclude(status=ItemStatus.LOADED)
    else:
        qs = qs.filter(last_scanned_leg__lt=leg)
    return [i.container.ident_code or str(i.container_id) for i in qs]


def sign_handover(actor: Any, manifest: Manifest, *, version: int | None = None) -> Manifest:
    """移出人交付: every container is loaded; they leave the shipper's inventory."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        check_version(manifest, version)
        require_status(
            manifest, (ManifestStatus.SUBMITTED,), _("handed over"), "manifests.not_loadable"
        )
        if manifest.signatures.filter(step=SignatureStep.HANDOVER).exists():
            raise Conflict(
                _("This step of manifest %(manifest)s has already been signed.")
                % {"manifest": manifest},
                code="manifests.already_signed",
                field="status",
            )
        missing = _missing(manifest)
        if missing:
            raise Conflict(
                _("%(n)s containers have not been scanned onto the vehicle: %(list)s.")
                % {"n": len(missing), "list": ", ".join(missing[:10])},
                code="manifests.scan_missing",
                field="items",
                details={"missing": missing},
            )
        before = snapshot(manifest)
        for item in manifest.items.select_related("container", "line__method"):
            ship_out(
                actor,
                item.container,
                receiver_name=manifest.receiver.name,
                method=item.line.method,
                receiver_permit_number=(
                    manifest.receiver_permit.number if manifest.receiver_permit else ""
                ),
                manifest_number=manifest.number or "",
            )
        sign(actor, manifest, SignatureStep.HANDOVER, org, SHIPPER)
        save(manifest)
        record(actor, "manifests.manifest.handover", manifest, before)
    return manifest


def sign_pickup(actor: Any, manifest: Manifest, *, version: int | None = None) -> Manifest:
    """承运人接收: after the shipper's hand-over, the carrier signs; the trip starts."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.carrier_id, CARRIER_ROLES, CARRIER)
        check_version(manifest, version)
        require_status(
            manifest, (ManifestStatus.SUBMITTED,), _("picked up"), "manifests.not_loadable"
        )
        if not manifest.signatures.filter(step=SignatureStep.HANDOVER).exists():
            raise Conflict(
                _("The shipper has not signed the hand-over yet."),
                code="manifests.handover_missing",
                field="status",
            )
        before = snapshot(manifest)
        now = timezone.now()
        manifest.status = ManifestStatus.IN_TRANSIT
        manifest.picked_up_at = now
        manifest.legs.filter(sequence=1).update(started_at=now)
        save(manifest)
        sign(actor, manifest, SignatureStep.PICKUP, org, CARRIER, leg=1)
        record(actor, "manifests.manifest.pickup", manifest, before)
    publish(
        manifest,
        "manifest.picked_up",
        [manifest.shipper_id, manifest.receiver_id],
        _("Manifest %(number)s is on its way (%(plate)s)")
        % {"number": manifest.number, "plate": manifest.vehicle.plate},
    )
    return manifest


def add_leg(
    actor: Any,
    manifest: Manifest,
    *,
    carrier: Any,
    vehicle: Any,
    driver: Any,
    handover_place: str = "",
    version: int | None = None,
) -> ManifestLeg:
    """联运: the current carrier names the next carrier, vehicle and driver and the place."""
    place = v.clean_length(handover_place, "handover_place", _("hand-over place"), 200)
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        acting_org(actor, current_carrier_id(manifest), CARRIER_ROLES, CARRIER)
        check_version(manifest, version)
        require_status(
            manifest,
            (ManifestStatus.IN_TRANSIT,),
            _("handed to another carrier"),
            "manifests.not_in_transit",
        )
        if manifest.legs.filter(sequence__gt=manifest.current_leg).exists():
            raise Conflict(
                _("The next carrier has already been named; it must take over first."),
                code="manifests.leg_pending",
                field="carrier",
            )
        org = Organization.objects.filter(
            pk=getattr(carrier, "pk", carrier), is_active=True
        ).first()
        truck = Vehicle.objects.filter(pk=getattr(vehicle, "pk", vehicle)).first()
        person = Driver.objects.filter(pk=getattr(driver, "pk", driver)).first()
        if org is None or truck is None or person is None:
            raise ValidationFailed(
                _("Choose the next carrier, its vehicle and its driver."),
                code="manifests.leg_invalid",
                field="carrier",
            )
        checks.check_transport(
            manifest, rules_for(manifest.kind), org, truck, person, checks.total_of(manifest)
        )
        before = snapshot(manifest)
        leg = ManifestLeg.objects.create(
            manifest=manifest,
            sequence=manifest.current_leg + 1,
            carrier=org,
            vehicle=truck,
            driver=person,
            handover_place=place,
        )
        save(manifest)
        record(
            actor,
            "manifests.manifest.add_leg",
            manifest,
            before,
            extra={"leg": leg.sequence, "carrier": org.uscc},
        )
    publish(
        manifest,
        "manifest.leg_added",
        [org.pk],
        _("Manifest %(number)s will be handed to you at %(place)s")
        % {"number": manifest.number, "place": place or "-"},
    )
    return leg


def _next_leg(manifest: Manifest) -> ManifestLeg:
    leg = manifest.legs.select_related("carrier").filter(sequence=manifest.current_leg + 1).first()
    if leg is None:
        raise Conflict(
            _("No next carrier has been named for this manifest."),
            code="manifests.no_next_leg",
            field="carrier",
        )
    return leg


def scan_leg(actor: Any, manifest: Manifest, code: str) -> ScanResult:
    """The next carrier scans each container at the hand-over."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        require_status(
            manifest,
            (ManifestStatus.IN_TRANSIT,),
            _("handed to another carrier"),
            "manifests.not_in_transit",
        )
        leg = _next_leg(manifest)
        acting_org(actor, leg.carrier_id, CARRIER_ROLES, CARRIER)
        item = _item_by_code(manifest, code)
        already = item.last_scanned_leg >= leg.sequence
        if not already:
            item.last_scanned_leg = leg.sequence
            item.save(update_fields=["last_scanned_leg"])
            record(
                actor,
                "manifests.manifest.scan_leg",
                manifest,
                None,
                extra={"container": item.container.ident_code, "leg": leg.sequence},
            )
        remaining = manifest.items.filter(last_scanned_leg__lt=leg.sequence).count()
    return ScanResult(item=item, already=already, remaining=remaining)


def sign_leg(actor: Any, manifest: Manifest, *, version: int | None = None) -> Manifest:
    """The next carrier signs the take-over; it becomes the current carrier."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        check_version(manifest, version)
        require_status(
            manifest,
            (ManifestStatus.IN_TRANSIT,),
            _("handed to another carrier"),
            "manifests.not_in_transit",
        )
        leg = _next_leg(manifest)
        org = acting_org(actor, leg.carrier_id, CARRIER_ROLES, CARRIER)
        missing = _missing(manifest, leg.sequence)
        if missing:
            raise Conflict(
                _("%(n)s containers have not been scanned at the hand-over: %(list)s.")
                % {"n": len(missing), "list": ", ".join(missing[:10])},
                code="manifests.scan_missing",
                field="items",
                details={"missing": missing},
            )
        before = snapshot(manifest)
        manifest.current_leg = leg.sequence
        leg.started_at = timezone.now()
        leg.save(update_fields=["started_at"])
        save(manifest)
        sign(actor, manifest, SignatureStep.LEG_HANDOVER, org, CARRIER, leg=leg.sequence)
        record(
            actor, "manifests.manifest.leg_handover", manifest, before, extra={"leg": leg.sequence}
        )
    publish(
        manifest,
        "manifest.leg_handover",
        [manifest.shipper_id, manifest.receiver_id],
        _("Manifest %(number)s was taken over by %(org)s")
        % {"number": manifest.number, "org": leg.carrier.name},
    )
    return manifest


def loaded_tonnes(manifest: Manifest) -> Decimal:
    return sum((i.dispatch_tonnes for i in manifest.items.all()), Decimal("0"))
