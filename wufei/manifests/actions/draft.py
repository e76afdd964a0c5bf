"""Draft, submit (number and sign) and cancel a manifest (令第23号 Art. 10, 14–16, 21)."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod
from wufei.core.actions import check_version
from wufei.core.errors import Conflict, ValidationFailed
from wufei.core.numbering import format_serial, next_number
from wufei.core.permissions import allows
from wufei.ledger.models import Container
from wufei.registry import validators as v
from wufei.registry.models import Driver, Organization, Permit, Site, Vehicle

from .. import checks
from ..kinds import rules_for
from ..models import (
    ItemStatus,
    Manifest,
    ManifestItem,
    ManifestKind,
    ManifestLeg,
    ManifestLine,
    ManifestStatus,
    SignatureStep,
)
from ._common import (
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


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _org(value: Any, field: str, label: str) -> Organization:
    found = Organization.objects.filter(pk=_pk(value), is_active=True).first() if value else None
    if found is None:
        raise ValidationFailed(
            _("Choose the %(what)s.") % {"what": label},
            code=f"manifests.{field}_required",
            field=field,
        )
    return found


def _containers(actor: Any, shipper: Organization, values: list[Any]) -> list[Container]:
    if not values:
        raise ValidationFailed(
            _("Add the containers to ship from the storage."),
            code="manifests.containers_required",
            field="containers",
        )
    ids, codes = [], []
    for value in values:
        if isinstance(value, Container):
            ids.append(value.pk)
        elif isinstance(value, int) or str(value).isdigit() and len(str(value)) < 12:
            ids.append(int(value))
        else:
            codes.append(str(value).strip())
    qs = (
        Container.objects.restrict(actor, "change")
        .select_for_update(of=("self",))
        .select_related("waste_code", "waste_code__category", "general_category", "site")
        .filter(organization=shipper)
    )
    found = list(qs.filter(pk__in=ids)) + (list(qs.filter(ident_code__in=codes)) if codes else [])
    known = {c.pk for c in found} | {c.ident_code for c in found}
    missing = [str(x) for x in ids + codes if x not in known]
    if missing:
        raise ValidationFailed(
            _("These containers are not in your ledger: %(list)s.") % {"list": ", ".join(missing)},
            code="manifests.container_unknown",
            field="containers",
        )
    unique = list(OrderedDict((c.pk, c) for c in found).values())
    for c in unique:
        if not c.can_ship() or c.weight_tonnes is None or not c.ident_code:
            raise Conflict(
                _(
                    "Container %(code)s is %(status)s: only weighed, coded containers in storage can be shipped."
                )
                % {"code": c, "status": c.get_status_display()},
                code="manifests.container_not_shippable",
                field="containers",
            )
    return unique


def _kind_of(containers: list[Container], requested: str | None) -> str:
    if requested:
        try:
            return ManifestKind(requested)
        except ValueError:
            raise ValidationFailed(
                _("Choose the manifest kind."), code="manifests.kind_invalid", field="kind"
            ) from None
    if all(c.kind == "general" for c in containers):
        return ManifestKind.GENERAL
    if all(c.waste_code and c.waste_code.category.code == "HW01" for c in containers):
        return ManifestKind.MEDICAL
    return ManifestKind.HAZARDOUS


def _check_kind(kind: str, containers: list[Container]) -> None:
    rules = rules_for(kind)
    for c in containers:
        category = c.waste_code.category.code if c.waste_code else ""
        if (
            c.kind != rules.container_kind
            or (rules.categories and category not in rules.categories)
            or (category and category in rules.excluded_categories)
        ):
            raise ValidationFailed(
                _("Container %(code)s (%(waste)s) cannot go on a %(kind)s manifest.")
                % {"code": c, "waste": c.code_text, "kind": ManifestKind(kind).label},
                code="manifests.kind_mismatch",
                field="containers",
            )


def _exemption(code: Any, method: TreatmentMethod, value: Any) -> Any:
    """The claimed 豁免清单 row for a line, if any: it must suspend the permit at that stage."""
    if value in (None, ""):
        return None
    if code is None:
        raise ValidationFailed(
            _("Only hazardous waste has exemptions."),
            code="manifests.exemption_invalid",
            field="exemptions",
        )
    allowed = {e.pk: e for e in checks.permit_exemptions(code, method)}
    found = allowed.get(_pk(value)) or allowed.get(int(value) if str(value).isdigit() else None)
    if found is None:
        raise ValidationFailed(
            _(
                "The exemption list has no row that frees %(code)s from the permit for method %(method)s."
            )
            % {"code": code.code, "method": method.code},
            code="manifests.exemption_invalid",
            field="exemptions",
        )
    return found


def _lines_for(
    manifest: Manifest, containers: list[Container], methods: Any, exemptions: Any = None
) -> None:
    """Group the containers into waste lines (code, name, form, packaging)."""
    groups: OrderedDict[tuple[Any, ...], list[Container]] = OrderedDict()
    for c in containers:
        key = (c.waste_code_id, c.general_category_id, c.internal_name, c.form, c.package_type)
        groups.setdefault(key, []).append(c)
    for position, members in enumerate(groups.values(), start=1):
        first = members[0]
        code = first.code_text
        chosen = methods.get(code) if isinstance(methods, dict) else methods
        line = ManifestLine.objects.create(
            manifest=manifest,
            position=position,
            waste_code=first.waste_code,
            general_category=first.general_category,
            name=first.internal_name,
            form=first.form,
            hazard=first.waste_code.hazard if first.waste_code else "",
            hazardous_components=first.hazardous_components,
            package_type=first.package_type,
            package_count=sum(c.count for c in members),
            quantity_tonnes=sum((c.weight_tonnes or Decimal("0") for c in members), Decimal("0")),
            method=treatment_method(chosen, "methods", code),
        )
        claimed = (exemptions or {}).get(code) if isinstance(exemptions, dict) else None
        if claimed:
            line.exemption = _exemption(first.waste_code, line.method, claimed)
            line.save(update_fields=["exemption"])
        ManifestItem.objects.bulk_create(
            ManifestItem(
                manifest=manifest,
                line=line,
                container=c,
                dispatch_tonnes=c.weight_tonnes or Decimal("0"),
            )
            for c in members
        )


def _apply(actor: Any, manifest: Manifest, data: dict[str, Any]) -> list[Container]:
    """Set parties, transport and containers of a draft from ``data``."""
    site = (
        Site.objects.filter(pk=_pk(data.get("shipper_site")), is_active=True)
        .select_related("region", "organization")
        .first()
        if data.get("shipper_site")
        else None
    )
    if site is None or (manifest.shipper_id and site.organization_id != manifest.shipper_id):
        raise ValidationFailed(
            _("Choose one of your sites."), code="manifests.site_required", field="shipper_site"
        )
    manifest.shipper = site.organization
    manifest.shipper_site = site
    manifest.receiver = _org(data.get("receiver"), "receiver", _("receiver (接受人)"))
    manifest.carrier = _org(data.get("carrier"), "carrier", _("carrier (承运人)"))
    vehicle = (
        Vehicle.objects.filter(pk=_pk(data.get("vehicle"))).first() if data.get("vehicle") else None
    )
    if vehicle is None or vehicle.organization_id != manifest.carrier.pk:
        raise ValidationFailed(
            _("Choose a vehicle of the carrier."),
            code="manifests.vehicle_required",
            field="vehicle",
        )
    driver = (
        Driver.objects.filter(pk=_pk(data.get("driver"))).first() if data.get("driver") else None
    )
    if driver is None or driver.organization_id != manifest.carrier.pk:
        raise ValidationFailed(
            _("Choose a driver of the carrier."), code="manifests.driver_required", field="driver"
        )
    manifest.vehicle, manifest.driver = vehicle, driver
    receiver_site = None
    if data.get("receiver_site"):
        receiver_site = (
            Site.objects.filter(pk=_pk(data["receiver_site"]), organization=manifest.receiver)
            .select_related("region")
            .first()
        )
        if receiver_site is None:
            raise ValidationFailed(
                _("Choose a site of the receiver."),
                code="manifests.receiver_site_invalid",
                field="receiver_site",
            )
    manifest.receiver_site = receiver_site
    permit = None
    if data.get("receiver_permit"):
        permit = Permit.objects.filter(
            pk=_pk(data["receiver_permit"]), organization=manifest.receiver
        ).first()
        if permit is None:
            raise ValidationFailed(
                _("Choose a permit of the receiver."),
                code="manifests.permit_invalid",
                field="receiver_permit",
            )
    manifest.receiver_permit = permit
    day = data.get("planned_pickup_on")
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
    manifest.planned_pickup_on = day
    manifest.planned_arrival_at = data.get("planned_arrival_at") or None
    manifest.route_note = v.clean_length(data.get("route_note", ""), "route_note", _("route"), 300)
    manifest.emergency_measures = v.clean_length(
        data.get("emergency_measures", ""), "emergency_measures", _("emergency measures"), 2000
    )
    manifest.origin_region = site.region
    manifest.destination_region = (
        receiver_site.region if receiver_site else manifest.receiver.region
    )
    manifest.is_cross_province = (
        manifest.origin_region.code[:2] != manifest.destination_region.code[:2]
    )
    containers = _containers(actor, manifest.shipper, list(data.get("containers") or []))
    manifest.kind = _kind_of(containers, data.get("kind"))
    _check_kind(manifest.kind, containers)
    on_other = checks.open_manifest_of([c.pk for c in containers], exclude=manifest)
    if on_other:
        listed = ", ".join(f"{c} ({on_other[c.pk]})" for c in containers if c.pk in on_other)
        raise Conflict(
            _("These containers are already on another open manifest: %(list)s.")
            % {"list": listed},
            code="manifests.container_on_other_manifest",
            field="containers",
        )
    return containers


DRAFT_FIELDS = (
    "shipper_site",
    "receiver",
    "receiver_site",
    "receiver_permit",
    "carrier",
    "vehicle",
    "driver",
    "planned_pickup_on",
    "planned_arrival_at",
    "route_note",
    "emergency_measures",
    "containers",
    "methods",
    "exemptions",
    "kind",
)


def create_draft(actor: Any, **data: Any) -> Manifest:
    """草稿: the shipper (移出人) fills the manifest; nothing is checked against permits yet."""
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        manifest = Manifest(created_by=actor if getattr(actor, "pk", None) else None)
        containers = _apply(actor, manifest, data)
        if not allows(actor, "add", manifest):
            acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        manifest.save()
        _lines_for(manifest, containers, data.get("methods"), data.get("exemptions"))
        ManifestLeg.objects.create(
            manifest=manifest,
            sequence=1,
            carrier=manifest.carrier,
            vehicle=manifest.vehicle,
            driver=manifest.driver,
        )
        record(actor, "manifests.manifest.create", manifest, None)
    return manifest


def update_draft(
    actor: Any, manifest: Manifest, *, version: int | None = None, **data: Any
) -> Manifest:
    """Change a draft: every field is given again (the form sends the whole draft)."""
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        check_version(manifest, version)
        require_status(manifest, (ManifestStatus.DRAFT,), _("edited"), "manifests.not_draft")
        before = snapshot(manifest)
        containers = _apply(actor, manifest, data)
        manifest.items.all().delete()
        manifest.lines.all().delete()
        manifest.legs.all().delete()
        _lines_for(manifest, containers, data.get("methods"), data.get("exemptions"))
        ManifestLeg.objects.create(
            manifest=manifest,
            sequence=1,
            carrier=manifest.carrier,
            vehicle=manifest.vehicle,
            driver=manifest.driver,
        )
        save(manifest)
        record(actor, "manifests.manifest.update", manifest, before)
    return manifest


def _number(manifest: Manifest, when: dt.datetime) -> str:
    """Art. 15: year (4) + origin province (2) + city (2) + 6-digit serial per city."""
    code = manifest.origin_region.code
    prefix = f"{when.year}{code[:2]}{code[2:4]}"
    serial = next_number(f"manifest:{code[:4]}", when.year)
    return format_serial(prefix, serial, 6)


def _approval_lines(
    manifest: Manifest, lines: list[ManifestLine]
) -> list[tuple[ManifestLine, Any]]:
    from wufei.approvals import actions as approvals

    out = []
    for line in lines:
        approval = manifest.approval or approvals.find_valid_approval(
            manifest.shipper,
            manifest.receiver,
            line.waste_code,
            line.method,
            manifest.planned_pickup_on,
        )
        if approval is None:
            raise ValidationFailed(
                _(
                    "A cross-province transfer of %(code)s to %(org)s needs an approved "
                    "cross-province transfer application (跨省转移审批) valid on %(day)s."
                )
                % {
                    "code": line.code_text,
                    "org": manifest.receiver.name,
                    "day": manifest.planned_pickup_on,
                },
                code="manifests.approval_missing",
                field="approval",
            )
        approvals.check_available(
            approval, line.waste_code, line.method, line.quantity_tonnes, manifest.planned_pickup_on
        )
        if manifest.approval is not None and approval.pk != manifest.approval_id:
            raise ValidationFailed(
                _("All wastes of one manifest must draw on the same approval."),
                code="manifests.approval_mixed",
                field="approval",
            )
        manifest.approval = approval
        out.append((line, approval))
    return out


def submit(actor: Any, manifest: Manifest, *, version: int | None = None) -> Manifest:
    """提交: check everything (each with its own error), number, sign; the carrier and the
    receiver are told."""
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        check_version(manifest, version)
        require_status(manifest, (ManifestStatus.DRAFT,), _("submitted"), "manifests.not_draft")
        before = snapshot(manifest)
        rules = rules_for(manifest.kind)
        lines = list(manifest.lines.select_related("waste_code", "waste_code__category", "method"))
        items = list(manifest.items.select_related("container"))
        if not items:
            raise ValidationFailed(
                _("Add the containers to ship from the storage."),
                code="manifests.containers_required",
                field="containers",
            )
        fresh = _containers(actor, manifest.shipper, [i.container_id for i in items])
        _check_kind(manifest.kind, fresh)
        on_other = checks.open_manifest_of([c.pk for c in fresh], exclude=manifest)
        if on_other:
            raise Conflict(
                _("These containers are already on another open manifest: %(list)s.")
                % {"list": ", ".join(sorted(on_other.values()))},
                code="manifests.container_on_other_manifest",
                field="containers",
            )
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
        if manifest.is_cross_province and rules.approval_required_cross_province:
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
    publish(
        manifest,
        "manifest.submitted",
        [manifest.carrier_id, manifest.receiver_id],
        _("Manifest %(number)s submitted by %(org)s")
        % {"number": manifest.number, "org": manifest.shipper.name},
    )
    return manifest


def cancel(actor: Any, manifest: Manifest, *, reason: str, version: int | None = None) -> Manifest:
    """作废: only before pickup; the number is never reused; an approval's quantity returns."""
    reason = v.clean_required(reason, "reason", _("reason"), 2000)
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org = acting_org(actor, manifest.shipper_id, WRITERS, SHIPPER)
        check_version(manifest, version)
        require_status(
            manifest,
            (ManifestStatus.DRAFT, ManifestStatus.SUBMITTED),
            _("cancelled"),
            "manifests.not_cancellable",
        )
        if manifest.signatures.filter(step=SignatureStep.HANDOVER).exists():
            raise Conflict(
                _(
                    "The waste has been handed over: correct the manifest with a revision request instead."
                ),
                code="manifests.not_cancellable",
                field="status",
            )
        before = snapshot(manifest)
        was_submitted = manifest.status == ManifestStatus.SUBMITTED
        if was_submitted and manifest.approval is not None:
            from wufei.approvals import actions as approvals

            for line in manifest.lines.select_related("waste_code", "method"):
                approvals.release(
                    actor, manifest.approval, line.waste_code, line.method, line.quantity_tonnes
                )
        manifest.items.update(status=ItemStatus.LISTED, loaded_at=None, loaded_by=None)
        manifest.status = ManifestStatus.CANCELLED
        manifest.cancelled_at = timezone.now()
        manifest.cancel_reason = reason
        save(manifest)
        if manifest.number:
            sign(actor, manifest, SignatureStep.CANCEL, org, SHIPPER)
        record(actor, "manifests.manifest.cancel", manifest, before, reason=reason)
    if was_submitted:
        publish(
            manifest,
            "manifest.cancelled",
            [manifest.carrier_id, manifest.receiver_id],
            _("Manifest %(number)s was cancelled") % {"number": manifest.number},
            reason,
        )
    return manifest
