"""What submitting a manifest checks (令第23号 Art. 10, 11, 13, 14, 21), each with its own error.

Every check raises :class:`ValidationFailed` naming the field, in the user's language. They
read; they do not write (the approval quantity is drawn by the submit action itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod, WasteCode
from wufei.catalog.queries import is_exempt
from wufei.core.errors import ValidationFailed
from wufei.plans.queries import plan_amend_hint, planned_waste
from wufei.registry.models import Driver, Organization, Permit, PermitScope, Vehicle

from .kinds import KindRules
from .models import Manifest, ManifestLine, ManifestStatus

COUNTED = (
    ManifestStatus.SUBMITTED,
    ManifestStatus.IN_TRANSIT,
    ManifestStatus.ARRIVED,
    ManifestStatus.RECEIVED,
    ManifestStatus.CLOSED,
)


def check_plan(manifest: Manifest, rules: KindRules, lines: Iterable[ManifestLine]) -> None:
    """Art. 14: the site's filed management plan lists each waste and its transfer."""
    if not rules.plan_required:
        return
    year = manifest.planned_pickup_on.year
    for line in lines:
        if line.waste_code is None:
            continue
        planned = planned_waste(manifest.shipper_site_id, year, line.waste_code)
        if planned is None:
            raise ValidationFailed(
                _("Waste %(code)s is not in the site's management plan for %(year)s.")
                % {"code": line.waste_code.code, "year": year}
                + " "
                + plan_amend_hint(manifest.shipper_site_id, year),
                code="manifests.not_in_plan",
                field="lines",
            )
        if not planned.transfer_type and not (planned.transfer_tonnes or 0):
            raise ValidationFailed(
                _(
                    "The management plan lists %(code)s without a transfer out: amend the plan's "
                    "transfer section (Table A.7) before shipping it."
                )
                % {"code": line.waste_code.code},
                code="manifests.transfer_not_planned",
                field="lines",
            )
        if manifest.is_cross_province and planned.transfer_type == "in_province":
            raise ValidationFailed(
                _(
                    "The management plan plans %(code)s for transfer within the province; a "
                    "cross-province transfer needs the plan amended."
                )
                % {"code": line.waste_code.code},
                code="manifests.transfer_not_planned",
                field="lines",
            )


def permit_exemptions(code: WasteCode, method: TreatmentMethod) -> list[Any]:
    """The 豁免清单 rows that suspend the permit for ``code`` at the method's stage. They apply
    only when their condition is met, so the shipper must claim one explicitly on the line."""
    stage = "utilisation" if method.kind == "utilisation" else "disposal"
    return [e for e in is_exempt(code, stage) if e.suspends_permit]


def _exempt_from_permit(line: ManifestLine) -> bool:
    if line.exemption_id is None or line.waste_code is None:
        return False
    return any(e.pk == line.exemption_id for e in permit_exemptions(line.waste_code, line.method))


def used_capacity(scope: PermitScope, year: int, exclude: Manifest | None = None) -> Decimal:
    """Tonnes of the scope's codes already sent to the permit this year on live manifests."""
    codes = (
        Q(waste_code=scope.waste_code_id)
        if scope.waste_code_id
        else Q(waste_code__category=scope.category_id)
    )
    qs = ManifestLine.objects.filter(
        codes,
        manifest__receiver_permit=scope.permit_id,
        manifest__status__in=COUNTED,
        manifest__planned_pickup_on__year=year,
    )
    if exclude is not None and exclude.pk:
        qs = qs.exclude(manifest=exclude)
    total = Decimal("0")
    for row in qs.values("quantity_tonnes", "accepted_tonnes"):
        total += (
            row["accepted_tonnes"] if row["accepted_tonnes"] is not None else row["quantity_tonnes"]
        )
    return total


def check_receiver(manifest: Manifest, rules: KindRules, lines: list[ManifestLine]) -> None:
    """Art. 10: the receiver is qualified — a valid permit covering code, method and the
    remaining annual capacity — unless the 豁免清单 suspends the permit for that stage."""
    receiver: Organization = manifest.receiver
    day: dt.date = manifest.planned_pickup_on
    if not receiver.is_active or not (receiver.is_receiver or receiver.is_collector):
        raise ValidationFailed(
            _("%(org)s is not a registered receiver (utilisation/disposal unit or collector).")
            % {"org": receiver.name},
            code="manifests.receiver_invalid",
            field="receiver",
        )
    if receiver.pk == manifest.shipper_id:
        raise ValidationFailed(
            _(
                "The receiver cannot be the shipper itself: record own utilisation/disposal in the ledger."
            ),
            code="manifests.receiver_is_shipper",
            field="receiver",
        )
    if not rules.permit_required:
        return
    needing = [
        line for line in lines if line.waste_code is not None and not _exempt_from_permit(line)
    ]
    if not needing:
        return
    permit: Permit | None = manifest.receiver_permit
    if permit is None:
        permit = (
            Permit.objects.filter(
                organization=receiver, valid_from__lte=day, valid_until__gte=day, status="valid"
            )
            .order_by("-valid_until")
            .first()
        )
        manifest.receiver_permit = permit
    if permit is None or permit.organization_id != receiver.pk:
        raise ValidationFailed(
            _("%(org)s holds no hazardous-waste operating permit (经营许可证) valid on %(day)s.")
            % {"org": receiver.name, "day": day},
            code="manifests.permit_missing",
            field="receiver_permit",
        )
    if not permit.is_valid_on(day):
        raise ValidationFailed(
            _("Permit %(number)s of %(org)s is not valid on %(day)s (valid %(start)s – %(end)s).")
            % {
                "number": permit.number,
                "org": receiver.name,
                "day": day,
                "start": permit.valid_from,
                "end": permit.valid_until,
            },
            code="manifests.permit_expired",
            field="receiver_permit",
        )
    scopes = list(permit.scopes.select_related("waste_code").prefetch_related("methods"))
    for line in needing:
        code = line.waste_code
        assert code is not None
        # A micro collector's permit is collection-only (收集): its scopes list the codes it
        # may collect and no method — the method on the line is the final receiver's.
        collection_only = receiver.is_collector and not receiver.is_receiver
        scope = next(
            (
                s
                for s in scopes
                if s.covers(code)
                and (line.method in s.methods.all() or (collection_only and not s.methods.all()))
            ),
            None,
        )
        if scope is None:
            raise ValidationFailed(
                _("Permit %(number)s of %(org)s does not cover %(code)s with method %(method)s.")
                % {
                    "number": permit.number,
                    "org": receiver.name,
                    "code": code.code,
                    "method": line.method.code,
                },
                code="manifests.permit_scope",
                field="lines",
            )
        used = used_capacity(scope, day.year, exclude=manifest)
        if used + line.quantity_tonnes > scope.annual_capacity_tonnes:
            raise ValidationFailed(
                _(
                    "Permit %(number)s has %(left)s t left this year for %(code)s; this manifest "
                    "carries %(qty)s t."
                )
                % {
                    "number": permit.number,
                    "left": max(scope.annual_capacity_tonnes - used, Decimal("0")),
                    "code": code.code,
                    "qty": line.quantity_tonnes,
                },
                code="manifests.permit_capacity",
                field="lines",
            )


def check_transport(
    manifest: Manifest,
    rules: KindRules,
    carrier: Organization,
    vehicle: Vehicle,
    driver: Driver,
    total: Decimal,
    *,
    field_prefix: str = "",
) -> None:
    """Art. 11, 13: carrier, vehicle and driver are registered, valid and fit for the load."""
    day = manifest.planned_pickup_on
    if not carrier.is_active or not carrier.is_carrier:
        raise ValidationFailed(
            _("%(org)s is not a registered carrier.") % {"org": carrier.name},
            code="manifests.carrier_invalid",
            field=f"{field_prefix}carrier",
        )
    if vehicle.organization_id != carrier.pk or not vehicle.is_active:
        raise ValidationFailed(
            _("Vehicle %(plate)s is not an active vehicle of %(org)s.")
            % {"plate": vehicle.plate, "org": carrier.name},
            code="manifests.vehicle_invalid",
            field=f"{field_prefix}vehicle",
        )
    if rules.dangerous_goods_vehicle and not vehicle.dangerous_goods:
        raise ValidationFailed(
            _("Vehicle %(plate)s is not licensed for dangerous goods.") % {"plate": vehicle.plate},
            code="manifests.vehicle_not_dangerous_goods",
            field=f"{field_prefix}vehicle",
        )
    if total > vehicle.load_limit_tonnes:
        raise ValidationFailed(
            _("The load of %(total)s t exceeds vehicle %(plate)s's limit of %(limit)s t.")
            % {"total": total, "plate": vehicle.plate, "limit": vehicle.load_limit_tonnes},
            code="manifests.vehicle_overload",
            field=f"{field_prefix}vehicle",
        )
    if driver.organization_id != carrier.pk or not driver.is_active:
        raise ValidationFailed(
            _("%(name)s is not an active driver of %(org)s.")
            % {"name": driver.name, "org": carrier.name},
            code="manifests.driver_invalid",
            field=f"{field_prefix}driver",
        )
    until = driver.qualification_valid_until
    if rules.dangerous_goods_vehicle and until is not None and until < day:
        raise ValidationFailed(
            _("Driver %(name)s's qualification expired on %(day)s.")
            % {"name": driver.name, "day": until},
            code="manifests.driver_expired",
            field=f"{field_prefix}driver",
        )


def line_totals(lines: Iterable[ManifestLine]) -> Decimal:
    return sum((line.quantity_tonnes for line in lines), Decimal("0"))


def open_manifest_of(container_ids: list[int], exclude: Manifest | None = None) -> dict[int, str]:
    """Containers already on another live manifest: ``{container id: manifest label}``."""
    from .models import ItemStatus, ManifestItem

    qs = ManifestItem.objects.filter(
        container_id__in=container_ids,
        manifest__status__in=(
            ManifestStatus.DRAFT,
            ManifestStatus.SUBMITTED,
            ManifestStatus.IN_TRANSIT,
            ManifestStatus.ARRIVED,
        ),
    ).exclude(status=ItemStatus.RETURNED)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(manifest=exclude)
    return {
        row["container_id"]: row["manifest__number"] or f"#{row['manifest_id']}"
        for row in qs.values("container_id", "manifest_id", "manifest__number")
    }


def total_of(manifest: Manifest) -> Decimal:
    return manifest.lines.aggregate(t=Sum("quantity_tonnes"))["t"] or Decimal("0")
