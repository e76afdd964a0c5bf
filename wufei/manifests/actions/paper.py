"""Paper manifests entered back (纸质联单补录, 令第23号 Art. 20).

When the electronic manifest could not be run, the transfer happens on paper and the shipper
(移出人) enters it back within 10 working days after the transfer. The entry creates the
manifest directly in its final state — received, or closed when the receiver's treatment is
known — with ``is_paper``, the paper number, the transfer date, the receiver's received
quantities and the scan (kept with its SHA-256). It gets a normal 14-digit number (year of the
transfer) and a PAPER signature. An entry more than 10 working days after the transfer is
flagged ``paper_entered_late``. Containers from the ledger, if given, leave the shipper's
inventory as with a hand-over (``ship_out`` with the number); without containers the lines are
given directly (waste that was never in the platform's ledger).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import GeneralWasteCategory
from wufei.catalog.queries import find_code, normalize_code
from wufei.core.errors import Conflict, ValidationFailed
from wufei.core.workdays import workdays_between
from wufei.ledger.actions import ship_out
from wufei.ledger.models import PackageType
from wufei.plans.models import WasteForm
from wufei.registry import validators as v
from wufei.registry.models import Driver, Permit, Site, Vehicle

from .. import checks
from ..models import (
    ItemStatus,
    Manifest,
    ManifestKind,
    ManifestLeg,
    ManifestLine,
    ManifestStatus,
    Outcome,
    SignatureStep,
)
from ._common import SHIPPER, WRITERS, acting_org, publish, record, sign, treatment_method
from .draft import _check_kind, _containers, _kind_of, _lines_for, _number, _org, _pk

#: Art. 20: back-entry within 10 working days after the transfer is completed.
PAPER_WORKDAYS = 10
SCAN_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
SCAN_MAX_BYTES = 20 * 1024 * 1024


def _scan(scan_file: Any) -> tuple[bytes, str]:
    if scan_file is None:
        raise ValidationFailed(
            _("Upload the scan of the paper manifest."),
            code="manifests.scan_file_required",
            field="scan_file",
        )
    name = str(getattr(scan_file, "name", "") or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in SCAN_TYPES:
        raise ValidationFailed(
            _("The scan must be a PDF, JPEG or PNG file."),
            code="manifests.scan_file_type",
            field="scan_file",
        )
    if hasattr(scan_file, "seek"):
        scan_file.seek(0)
    data = scan_file.read(SCAN_MAX_BYTES + 1)
    if not data or len(data) > SCAN_MAX_BYTES:
        raise ValidationFailed(
            _("The scan must not be empty and at most 20 MB."),
            code="manifests.scan_file_size",
            field="scan_file",
        )
    return bytes(data), ext


def _day(value: Any) -> dt.date:
    day = value
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if isinstance(day, dt.datetime):
        day = day.date()
    today = timezone.localdate()
    if not isinstance(day, dt.date) or day > today or day < today - dt.timedelta(days=3660):
        raise ValidationFailed(
            _("Enter the transfer date of the paper manifest (not in the future)."),
            code="manifests.paper_date_invalid",
            field="transferred_on",
        )
    return day


def _line_rows(manifest: Manifest, rows: list[dict[str, Any]]) -> None:
    """Lines given directly (no ledger containers): code or SW class, name, form, packaging,
    quantity, method and the received quantity."""
    if not rows:
        raise ValidationFailed(
            _("Give the containers from the ledger or the waste lines of the paper manifest."),
            code="manifests.containers_required",
            field="lines",
        )
    kinds = set()
    for position, row in enumerate(rows, start=1):
        raw_code = str(row.get("waste_code") or "").strip()
        code = general = None
        if raw_code:
            text = normalize_code(raw_code)
            code = find_code(text) if text else None
            if code is None:
                raise ValidationFailed(
                    _("%(code)s is not in the current waste catalogue.") % {"code": raw_code},
                    code="manifests.waste_code_unknown",
                    field="lines",
                )
            kinds.add("medical" if code.category.code == "HW01" else "hazardous")
        else:
            general = GeneralWasteCategory.objects.filter(
                code_2021=str(row.get("general_category") or "").strip().upper()
            ).first()
            if general is None:
                raise ValidationFailed(
                    _("Give each line's waste code (e.g. 900-249-08) or general class (SWxx)."),
                    code="manifests.waste_code_unknown",
                    field="lines",
                )
            kinds.add("general")
        form = str(row.get("form") or "").strip()
        package = str(row.get("package_type") or "").strip()
        if form not in WasteForm.values or package not in PackageType.values:
            raise ValidationFailed(
                _("Give each line's form and package type."),
                code="manifests.line_invalid",
                field="lines",
            )
        quantity = v.clean_tonnes(row.get("quantity_tonnes"), "lines", required=True, positive=True)
        received = v.clean_tonnes(
            row.get("received_tonnes", quantity), "lines", required=True, positive=True
        )
        method = treatment_method(row.get("method"), "methods", code.code if code else "")
        ManifestLine.objects.create(
            manifest=manifest,
            position=position,
            waste_code=code,
            general_category=general,
            name=v.clean_required(row.get("name"), "lines", _("waste name"), 100),
            form=form,
            hazard=code.hazard if code else "",
            package_type=package,
            package_count=int(row.get("package_count") or 0),
            quantity_tonnes=quantity,
            method=method,
            received_tonnes=received,
            accepted_tonnes=received,
            received_method=method,
            outcome=Outcome.ACCEPTED,
        )
    if len(kinds) > 1:
        raise ValidationFailed(
            _("One manifest carries one kind of waste (hazardous, medical or general)."),
            code="manifests.kind_mismatch",
            field="lines",
        )
    manifest.kind = ManifestKind(kinds.pop())


def enter_paper_manifest(
    actor: Any,
    *,
    shipper_site: Any,
    receiver: Any,
    carrier: Any,
    vehicle: Any,
    driver: Any,
    paper_number: str,
    transferred_on: Any,
    scan_file: Any,
    containers: list[Any] | None = None,
    methods: Any = None,
    received: dict[str, Any] | None = None,
    lines: list[dict[str, Any]] | None = None,
    closed: bool = False,
    receiver_site: Any = None,
    receiver_permit: Any = None,
    kind: str | None = None,
) -> Manifest:
    """纸质联单补录 by the shipper: the manifest in its final state (received or closed).

    ``received``: ``{container code: tonnes}`` as the receiver wrote them on paper (default: the
    dispatch weight). ``closed``: the receiver's treatment is completed (闭环).
    """
    paper_number = v.clean_required(paper_number, "paper_number", _("paper manifest number"), 30)
    day = _day(transferred_on)
    data, ext = _scan(scan_file)
    received = {str(k).strip(): val for k, val in (received or {}).items()}
    with transaction.atomic():
        site = (
            Site.objects.filter(pk=_pk(shipper_site), is_active=True)
            .select_related("region", "organization")
            .first()
            if shipper_site
            else None
        )
        if site is None:
            raise ValidationFailed(
                _("Choose one of your sites."), code="manifests.site_required", field="shipper_site"
            )
        org = acting_org(actor, site.organization_id, WRITERS, SHIPPER)
        if Manifest.objects.filter(
            shipper_id=org, is_paper=True, paper_number=paper_number
        ).exists():
            raise Conflict(
                _("Paper manifest %(number)s has already been entered.") % {"number": paper_number},
                code="manifests.paper_duplicate",
                field="paper_number",
            )
        m = Manifest(created_by=actor if getattr(actor, "pk", None) else None)
        m.shipper, m.shipper_site = site.organization, site
        m.receiver = _org(receiver, "receiver", _("receiver (接受人)"))
        if not (m.receiver.is_receiver or m.receiver.is_collector) or m.receiver.pk == org:
            raise ValidationFailed(
                _("%(org)s is not a registered receiver (utilisation/disposal unit or collector).")
                % {"org": m.receiver.name},
                code="manifests.receiver_invalid",
                field="receiver",
            )
        m.carrier = _org(carrier, "carrier", _("carrier (承运人)"))
        m.vehicle = Vehicle.objects.filter(pk=_pk(vehicle), organization=m.carrier).first()  # type: ignore[assignment]
        m.driver = Driver.objects.filter(pk=_pk(driver), organization=m.carrier).first()  # type: ignore[assignment]
        if m.vehicle is None or m.driver is None:
            raise ValidationFailed(
                _("Choose a vehicle and a driver of the carrier."),
                code="manifests.vehicle_required",
                field="vehicle" if m.vehicle is None else "driver",
            )
        m.receiver_site = (
            Site.objects.filter(pk=_pk(receiver_site), organization=m.receiver).first()
            if receiver_site
            else None
        )
        m.receiver_permit = (
            Permit.objects.filter(pk=_pk(receiver_permit), organization=m.receiver).first()
            if receiver_permit
            else None
        )
        m.origin_region = site.region
        m.destination_region = m.receiver_site.region if m.receiver_site else m.receiver.region
        m.is_cross_province = m.origin_region.code[:2] != m.destination_region.code[:2]
        m.planned_pickup_on = day
        chosen = _containers(actor, site.organization, list(containers)) if containers else []
        if chosen:
            m.kind = _kind_of(chosen, kind)
            _check_kind(m.kind, chosen)
            on_other = checks.open_manifest_of([c.pk for c in chosen])
            if on_other:
                raise Conflict(
                    _("These containers are already on another open manifest: %(list)s.")
                    % {"list": ", ".join(sorted(on_other.values()))},
                    code="manifests.container_on_other_manifest",
                    field="containers",
                )
            unknown = sorted(set(received) - {c.ident_code for c in chosen})
            if unknown:
                raise ValidationFailed(
                    _("These containers are not on the manifest: %(list)s.")
                    % {"list": ", ".join(unknown)},
                    code="manifests.scan_not_on_manifest",
                    field="received",
                )
        else:
            m.kind = ManifestKind.HAZARDOUS
        now = timezone.now()
        m.number = _number(m, dt.datetime.combine(day, dt.time()))
        m.is_paper = True
        m.paper_number = paper_number
        m.paper_transferred_on = day
        m.paper_scan_sha256 = hashlib.sha256(data).hexdigest()
        m.paper_entered_late = workdays_between(day, timezone.localdate(now)) > PAPER_WORKDAYS
        m.submitted_at = m.picked_up_at = m.arrived_at = m.received_at = now
        m.outcome = Outcome.ACCEPTED
        m.status = ManifestStatus.CLOSED if closed else ManifestStatus.RECEIVED
        m.closed_at = now if closed else None
        m.save()
        m.paper_scan.save(
            f"{m.number}-{m.paper_scan_sha256[:12]}{ext}", ContentFile(data), save=False
        )
        if chosen:
            _lines_for(m, chosen, methods)
            _receive_items(actor, m, received, closed, now)
        else:
            _line_rows(m, list(lines or []))
        ManifestLeg.objects.create(
            manifest=m,
            sequence=1,
            carrier=m.carrier,
            vehicle=m.vehicle,
            driver=m.driver,
            started_at=now,
        )
        m.version += 1
        m.save()
        sign(actor, m, SignatureStep.PAPER, org, SHIPPER)
        record(
            actor,
            "manifests.manifest.paper_entry",
            m,
            None,
            extra={"paper_scan_sha256": m.paper_scan_sha256},
        )
    publish(
        m,
        "manifest.paper_entered",
        [m.carrier_id, m.receiver_id],
        _("Paper manifest %(paper)s entered as %(number)s by %(org)s")
        % {"paper": paper_number, "number": m.number, "org": m.shipper.name},
    )
    return m


def _receive_items(
    actor: Any, m: Manifest, received: dict[str, Any], closed: bool, now: dt.datetime
) -> None:
    """The containers leave the shipper's ledger and carry the paper's received weights."""
    for line in m.lines.select_related("method"):
        total = Decimal("0")
        for item in line.items.select_related("container"):
            ship_out(
                actor,
                item.container,
                receiver_name=m.receiver.name,
                method=line.method,
                receiver_permit_number=m.receiver_permit.number if m.receiver_permit else "",
                manifest_number=m.number or "",
            )
            code = item.container.ident_code or ""
            weight: Decimal = v.clean_tonnes(
                received.get(code, item.dispatch_tonnes), "received", required=True, positive=True
            ) or Decimal("0")
            item.received_tonnes = weight
            item.arrived_scanned_at = now
            item.loaded_at = now
            item.last_scanned_leg = 1
            item.status = ItemStatus.TREATED if closed else ItemStatus.RECEIVED
            if closed:
                item.treated_at = now
                item.treatment_method = line.method
            item.save()
            total += weight
        line.received_tonnes = line.accepted_tonnes = total
        line.received_method = line.method
        line.outcome = Outcome.ACCEPTED
        line.save()
