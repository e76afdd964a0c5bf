"""Refused waste (拒收废物的去向, 令第23号 Art. 18): a linked manifest for the refused containers.

Two routes, both a new manifest with ``parent`` = the original and ``link_kind``:

* ``return`` (退回): the receiver, who holds the refused waste, is the 移出人 of a new manifest
  back to the original shipper. The receiver fills it because it is the one handing the waste
  to the carrier (Art. 10 duties fall on whoever hands it over); the shipper receives it.
  The containers are not in the receiver's ledger (they left the shipper's ledger as
  "shipped"), so the hand-over writes nothing in any ledger; when the shipper has signed the
  receipt it stores them back with :func:`store_returned`: the shipped entry is reversed
  (冲销, with the return manifest's number as reason) and the container is stored in again
  (入库), so the shipper's ledger and inventory hold it again.
* ``redirect`` (转其他接受人): the original shipper stays 移出人 and sends the refused
  containers from the receiver's premises to another licensed receiver; the new receiver's
  permit is checked as on any submit. At the hand-over the shipper's shipped entry to the first
  receiver is reversed and a new one written to the new receiver with the new number.

The original's refused items become RETURNED when the linked manifest is submitted; the
original closes (闭环) once nothing is left on it. The main-path actions run the rest
(``scan_load``, ``sign_pickup``, ``scan_arrival``, ``sign_receipt``, ``record_treatment``);
a linked manifest is submitted with :func:`submit_linked` and handed over with
:func:`sign_linked_handover` instead of ``submit`` / ``sign_handover``.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core.actions import check_version
from wufei.core.errors import Conflict, ValidationFailed
from wufei.ledger.actions import reverse_entry, ship_out, store_in
from wufei.ledger.models import EntryKind, LedgerEntry
from wufei.registry.models import Driver, Permit, Site, Vehicle

from .. import checks
from ..kinds import rules_for
from ..models import (
    ItemStatus,
    LinkKind,
    Manifest,
    ManifestItem,
    ManifestLeg,
    ManifestLine,
    ManifestStatus,
    SignatureStep,
)
from ._common import (
    RECEIVER,
    SHIPPER,
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
from .draft import _approval_lines, _number, _org, _pk
from .pickup import _missing
from .receipt import DONE


def _refused_items(manifest: Manifest) -> list[ManifestItem]:
    return list(
        manifest.items.select_for_update(of=("self",))
        .select_related("container", "line", "line__method")
        .filter(status=ItemStatus.REFUSED)
    )


def _transport(carrier: Any, vehicle: Any, driver: Any) -> tuple[Any, Vehicle, Driver]:
    org = _org(carrier, "carrier", _("carrier (承运人)"))
    found_vehicle = Vehicle.objects.filter(pk=_pk(vehicle), organization=org).first()
    if found_vehicle is None:
        raise ValidationFailed(
            _("Choose a vehicle of the carrier."),
            code="manifests.vehicle_required",
            field="vehicle",
        )
    found_driver = Driver.objects.filter(pk=_pk(driver), organization=org).first()
    if found_driver is None:
        raise ValidationFailed(
            _("Choose a driver of the carrier."), code="manifests.driver_required", field="driver"
        )
    return org, found_vehicle, found_driver


def _date(value: Any) -> dt.date:
    day = value
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, dt.date):
        raise ValidationFailed(
            _("Enter the planned transfer date."),
            code="manifests.date_required",
            field="planned_pickup_on",
        )
    return day


def create_linked_manifest(
    actor: Any,
    manifest: Manifest,
    route: str,
    *,
    carrier: Any,
    vehicle: Any,
    driver: Any,
    planned_pickup_on: Any,
    receiver: Any = None,
    receiver_site: Any = None,
    receiver_permit: Any = None,
    shipper_site: Any = None,
    methods: Any = None,
) -> Manifest:
    """A draft for the refused containers of ``manifest``: ``route`` "return" (by the
    receiver, back to the shipper) or "redirect" (by the shipper, to another receiver)."""
    try:
        kind = LinkKind(route)
    except ValueError:
        kind = None
    if kind not in (LinkKind.RETURN, LinkKind.REDIRECT):
        raise ValidationFailed(
            _("Say where the refused waste goes: back to the shipper or to another receiver."),
            code="manifests.refusal_route_required",
            field="route",
        )
    day = _date(planned_pickup_on)
    with transaction.atomic():
        original = lock_manifest(actor, manifest)
        party = RECEIVER if kind == LinkKind.RETURN else SHIPPER
        acting_org(
            actor,
            original.receiver_id if kind == LinkKind.RETURN else original.shipper_id,
            WRITERS,
            party,
        )
        require_status(
            original,
            (ManifestStatus.RECEIVED, ManifestStatus.REFUSED),
            _("followed by a manifest for refused waste"),
            "manifests.not_received",
        )
        items = _refused_items(original)
        if not items:
            raise Conflict(
                _("Manifest %(manifest)s has no refused container waiting to go back or on.")
                % {"manifest": original},
                code="manifests.nothing_refused",
                field="items",
            )
        on_other = checks.open_manifest_of([i.container_id for i in items], exclude=original)
        if on_other:
            raise Conflict(
                _("These containers are already on another open manifest: %(list)s.")
                % {"list": ", ".join(sorted(on_other.values()))},
                code="manifests.container_on_other_manifest",
                field="items",
            )
        carrier_org, found_vehicle, found_driver = _transport(carrier, vehicle, driver)
        new = Manifest(
            kind=original.kind,
            created_by=actor if getattr(actor, "pk", None) else None,
            parent=original,
            link_kind=kind,
            carrier=carrier_org,
            vehicle=found_vehicle,
            driver=found_driver,
            planned_pickup_on=day,
        )
        if kind == LinkKind.RETURN:
            site = (
                Site.objects.filter(pk=_pk(shipper_site), organization=original.receiver).first()
                if shipper_site
                else original.receiver_site
                or Site.objects.filter(organization=original.receiver, is_active=True).first()
            )
            if site is None:
                raise ValidationFailed(
                    _("Choose one of your sites."),
                    code="manifests.site_required",
                    field="shipper_site",
                )
            new.shipper, new.shipper_site = original.receiver, site
            new.receiver, new.receiver_site = original.shipper, original.shipper_site
            new.route_note = _("Return of waste refused on manifest %(number)s") % {
                "number": original.number
            }
        else:
            target = _org(receiver, "receiver", _("receiver (接受人)"))
            if target.pk in (original.receiver_id, original.shipper_id):
                raise ValidationFailed(
                    _("Choose another receiver than the one that refused the waste."),
                    code="manifests.receiver_invalid",
                    field="receiver",
                )
            new.shipper, new.shipper_site = original.shipper, original.shipper_site
            new.receiver = target
            new.receiver_site = (
                Site.objects.filter(pk=_pk(receiver_site), organization=target).first()
                if receiver_site
                else None
            )
            new.receiver_permit = (
                Permit.objects.filter(pk=_pk(receiver_permit), organization=target).first()
                if receiver_permit
                else None
            )
            new.route_note = _("Waste refused on manifest %(number)s, collected at %(org)s") % {
                "number": original.number,
                "org": original.receiver.name,
            }
        new.origin_region = new.shipper_site.region
        new.destination_region = (
            new.receiver_site.region if new.receiver_site else new.receiver.region
        )
        new.is_cross_province = new.origin_region.code[:2] != new.destination_region.code[:2]
        new.emergency_measures = original.emergency_measures
        new.save()
        groups: OrderedDict[int, list[ManifestItem]] = OrderedDict()
        for item in items:
            groups.setdefault(item.line_id, []).append(item)
        for position, members in enumerate(groups.values(), start=1):
            old = members[0].line
            weights = [i.received_tonnes or i.dispatch_tonnes for i in members]
            chosen = methods.get(old.code_text) if isinstance(methods, dict) else methods
            line = ManifestLine.objects.create(
                manifest=new,
                position=position,
                waste_code=old.waste_code,
                general_category=old.general_category,
                name=old.name,
                form=old.form,
                hazard=old.hazard,
                hazardous_components=old.hazardous_components,
                package_type=old.package_type,
                package_count=sum(i.container.count for i in members),
                quantity_tonnes=sum(weights, Decimal("0")),
                method=treatment_method(chosen, "methods", old.code_text) if chosen else old.method,
                exemption=old.exemption if kind == LinkKind.REDIRECT and not chosen else None,
            )
            ManifestItem.objects.bulk_create(
                ManifestItem(manifest=new, line=line, container=i.container, dispatch_tonnes=w)
                for i, w in zip(members, weights, strict=True)
            )
        ManifestLeg.objects.create(
            manifest=new,
            sequence=1,
            carrier=carrier_org,
            vehicle=found_vehicle,
            driver=found_driver,
        )
        record(
            actor,
            "manifests.manifest.create_linked",
            new,
            None,
            extra={"parent": original.number, "link_kind": kind},
        )
    return new


def _close_if_done(actor: Any, manifest: Manifest, org: int, role: str) -> bool:
    if manifest.items.exclude(status__in=DONE).exists():
        return False
    manifest.status = ManifestStatus.CLOSED
    manifest.closed_at = timezone.now()
    save(manifest)
    sign(actor, manifest, SignatureStep.TREATMENT, org, role)
    return True


def _linked(manifest: Manifest) -> None:
    if manifest.parent_id is None or manifest.link_kind not in (LinkKind.RETURN, LinkKind.REDIRECT):
        raise Conflict(
            _("Manifest %(manifest)s is not a manifest for refused waste.")
            % {"manifest": manifest},
            code="manifests.not_linked",
            field="parent",
        )


def submit_linked(actor: Any, manifest: Manifest, *, version: int | None = None) -> Manifest:
    """提交 a return or redirect manifest: numbered and signed; the original's refused
    containers become RETURNED and the original closes when nothing is left on it."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        check_version(manifest, version)
        _linked(manifest)
        require_status(manifest, (ManifestStatus.DRAFT,), _("submitted"), "manifests.not_draft")
        original = lock_manifest(actor, manifest.parent_id)  # type: ignore[arg-type]
        before = snapshot(manifest)
        rules = rules_for(manifest.kind)
        lines = list(manifest.lines.select_related("waste_code", "waste_code__category", "method"))
        containers = list(manifest.items.values_list("container_id", flat=True))
        pending = list(
            original.items.select_for_update(of=("self",)).filter(
                container_id__in=containers, status=ItemStatus.REFUSED
            )
        )
        if len(pending) != len(containers):
            raise Conflict(
                _("Some of these containers have already gone back or on from manifest %(number)s.")
                % {"number": original.number},
                code="manifests.nothing_refused",
                field="items",
            )
        if manifest.link_kind == LinkKind.REDIRECT:
            checks.check_plan(manifest, rules, lines)
            checks.check_receiver(manifest, rules, lines)
        checks.check_transport(
            manifest,
            rules,
            manifest.carrier,
            manifest.vehicle,
            manifest.driver,
            checks.line_totals(lines),
        )
        if (
            manifest.link_kind == LinkKind.REDIRECT
            and manifest.is_cross_province
            and rules.approval_required_cross_province
        ):
            from wufei.approvals import actions as approvals

            for line, approval in _approval_lines(manifest, lines):
                approvals.draw(actor, approval, line.waste_code, line.method, line.quantity_tonnes)
        now = timezone.now()
        manifest.number = _number(manifest, timezone.localtime(now))
        manifest.status = ManifestStatus.SUBMITTED
        manifest.submitted_at = now
        save(manifest)
        sign(actor, manifest, SignatureStep.SUBMIT, org, SHIPPER)
        record(actor, "manifests.manifest.submit", manifest, before)
        o_before = snapshot(original)
        for item in pending:
            item.status = ItemStatus.RETURNED
            item.save(update_fields=["status"])
        role = RECEIVER if manifest.link_kind == LinkKind.RETURN else SHIPPER
        closed = _close_if_done(actor, original, org, role)
        if not closed:
            save(original)
        record(
            actor,
            "manifests.manifest.refused_waste_linked",
            original,
            o_before,
            extra={"linked": manifest.number, "link_kind": manifest.link_kind},
        )
    publish(
        manifest,
        "manifest.submitted",
        [manifest.carrier_id, manifest.receiver_id],
        _("Manifest %(number)s submitted by %(org)s")
        % {"number": manifest.number, "org": manifest.shipper.name},
    )
    if closed:
        publish(
            original,
            "manifest.closed",
            [original.shipper_id, original.receiver_id],
            _("Manifest %(number)s is closed: the refused waste left on manifest %(linked)s")
            % {"number": original.number, "linked": manifest.number},
        )
    return manifest


def _shipped_entry(container_id: int) -> LedgerEntry | None:
    return (
        LedgerEntry.objects.filter(
            container_id=container_id, kind=EntryKind.SHIPPED, reversed_by__isnull=True
        )
        .order_by("-at", "-pk")
        .first()
    )


def sign_linked_handover(actor: Any, manifest: Manifest, *, version: int | None = None) -> Manifest:
    """移出人交付 of a linked manifest. Redirect: the shipper's shipped entry to the refusing
    receiver is reversed and a new one written to the new receiver. Return: no ledger change
    (the containers are in no ledger until the shipper stores them back)."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        check_version(manifest, version)
        _linked(manifest)
        require_status(
            manifest, (ManifestStatus.SUBMITTED,), _("handed over"), "manifests.not_loadable"
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
        if manifest.link_kind == LinkKind.REDIRECT:
            parent = manifest.parent
            assert parent is not None
            for item in manifest.items.select_related("container", "line__method"):
                entry = _shipped_entry(item.container_id)
                if entry is not None:
                    reverse_entry(
                        actor,
                        entry,
                        reason=_("Refused by %(org)s on manifest %(old)s; sent on manifest %(new)s")
                        % {
                            "org": parent.receiver.name,
                            "old": parent.number,
                            "new": manifest.number,
                        },
                    )
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


def store_returned(
    actor: Any,
    manifest: Manifest,
    facility: Any,
    *,
    allow_over_capacity: bool = False,
    reason: str = "",
    version: int | None = None,
) -> Manifest:
    """退回入库: after signing the receipt of a return manifest, the original shipper stores
    the containers back: the shipped entry is reversed and the container stored in again.
    The return manifest then closes."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.receiver_id, WRITERS, RECEIVER)
        check_version(manifest, version)
        _linked(manifest)
        if manifest.link_kind != LinkKind.RETURN:
            raise Conflict(
                _("Only returned waste is stored back by its shipper."),
                code="manifests.not_linked",
                field="link_kind",
            )
        require_status(
            manifest, (ManifestStatus.RECEIVED,), _("stored back"), "manifests.not_received"
        )
        before = snapshot(manifest)
        items = list(
            manifest.items.select_for_update(of=("self",))
            .select_related("container")
            .filter(status=ItemStatus.RECEIVED)
        )
        if not items:
            raise Conflict(
                _("No container of this manifest is waiting to be stored back."),
                code="manifests.not_treatable",
                field="items",
            )
        parent = manifest.parent
        assert parent is not None
        codes = []
        for item in items:
            entry = _shipped_entry(item.container_id)
            if entry is not None:
                reverse_entry(
                    actor,
                    entry,
                    reason=_("Refused on manifest %(old)s and returned on manifest %(new)s")
                    % {"old": parent.number, "new": manifest.number},
                )
            store_in(
                actor,
                item.container,
                facility,
                allow_over_capacity=allow_over_capacity,
                reason=reason,
            )
            item.status = ItemStatus.RETURNED
            item.treated_at = timezone.now()
            item.save(update_fields=["status", "treated_at"])
            codes.append(item.container.ident_code)
        if not _close_if_done(actor, manifest, org, RECEIVER):
            save(manifest)
        record(
            actor,
            "manifests.manifest.store_returned",
            manifest,
            before,
            extra={"containers": codes},
            reason=reason,
        )
    return manifest
