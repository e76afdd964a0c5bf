"""Organisations (单位) and their management class (HJ 1259-2022 §4.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import allows, principal

from .. import validators as v
from ..models import (
    Facility,
    FacilityKind,
    ManagementClass,
    Organization,
    OrgRole,
    Permit,
    PermitStatus,
)
from ._common import bump, record_update, reject_unknown

KEY_TONNES = Decimal("100")
SIMPLIFIED_TONNES = Decimal("10")

# Fields an organisation's own administrator may change; the rest only a regulator.
SELF_SERVICE_FIELDS = {
    "name",
    "address",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "contact_email",
    "industry_code",
    "industry_name",
    "annual_hazardous_tonnes",
}
REGULATOR_FIELDS = {"uscc", "region", "roles", "is_active"}


def clean_organization_fields(
    data: dict[str, Any], *, regions: dict | None = None
) -> dict[str, Any]:
    """Validate the fields present in ``data``; returns model field values (roles → flags)."""
    out: dict[str, Any] = {}
    if "uscc" in data:
        out["uscc"] = v.clean_uscc(data["uscc"])
    if "name" in data:
        out["name"] = v.clean_required(data["name"], "name", _("organisation name"), 200)
    if "region" in data:
        out["region"] = v.clean_region(data["region"], regions=regions)
    if "address" in data:
        out["address"] = v.clean_length(data["address"], "address", _("address"), 300)
    if "legal_representative" in data:
        out["legal_representative"] = v.clean_length(
            data["legal_representative"], "legal_representative", _("legal representative"), 50
        )
    if "contact_name" in data:
        out["contact_name"] = v.clean_length(
            data["contact_name"], "contact_name", _("contact person"), 50
        )
    if "contact_phone" in data:
        out["contact_phone"] = v.clean_phone(data["contact_phone"], "contact_phone")
    if "contact_email" in data:
        out["contact_email"] = v.clean_email(data["contact_email"], "contact_email")
    if "industry_code" in data:
        out["industry_code"] = v.clean_industry_code(data["industry_code"])
    if "industry_name" in data:
        out["industry_name"] = v.clean_length(
            data["industry_name"], "industry_name", _("industry"), 100
        )
    if "annual_hazardous_tonnes" in data:
        out["annual_hazardous_tonnes"] = v.clean_tonnes(
            data["annual_hazardous_tonnes"], "annual_hazardous_tonnes"
        )
    if "roles" in data:
        roles = v.clean_roles(data["roles"])
        for role in OrgRole.values:
            out[f"is_{role}"] = role in roles
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


def _uscc_taken(uscc: str, exclude_pk: int | None = None) -> None:
    qs = Organization.objects.filter(uscc=uscc)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed(
            _("An organisation with unified social credit code %(uscc)s is already registered.")
            % {"uscc": uscc},
            code="registry.uscc_duplicate",
            field="uscc",
        )


def derive_management_class(org: Organization, *, today=None) -> str:
    """HJ 1259-2022 §4.2: the class the rules give (``""`` for a unit that is not a producer).

    key (重点监管): ≥100 t/yr, or an active own utilisation/disposal facility, or a valid
    hazardous-waste operating permit; simplified (简化管理): ≥10 t/yr; registered (登记管理) otherwise.
    """
    if not org.is_producer:
        return ""
    tonnes = Decimal(str(org.annual_hazardous_tonnes or 0))
    if tonnes >= KEY_TONNES:
        return ManagementClass.KEY
    if org.pk is not None:
        today = today or timezone.localdate()
        if Facility.objects.filter(
            site__organization=org,
            is_active=True,
            site__is_active=True,
            kind__in=[FacilityKind.UTILISATION, FacilityKind.DISPOSAL],
        ).exists():
            return ManagementClass.KEY
        if Permit.objects.filter(
            organization=org,
            status=PermitStatus.VALID,
            valid_from__lte=today,
            valid_until__gte=today,
        ).exists():
            return ManagementClass.KEY
    if tonnes >= SIMPLIFIED_TONNES:
        return ManagementClass.SIMPLIFIED
    return ManagementClass.REGISTERED


def _apply_derivation(org: Organization) -> None:
    org.management_class_derived = derive_management_class(org)
    if not org.management_class_overridden:
        org.management_class = org.management_class_derived


def refresh_management_class(actor: Any, org: Organization, *, cause: str = "") -> Organization:
    """Re-derive the class of ``org`` (after a facility or permit change); call inside the
    action's transaction with the organisation row locked. Audited when it changes."""
    before = audit.snapshot(org)
    _apply_derivation(org)
    if (org.management_class, org.management_class_derived) != (
        before["management_class"],
        before["management_class_derived"],
    ):
        bump(org)
        org.save(
            update_fields=["management_class", "management_class_derived", "version", "updated_at"]
        )
        record_update(
            actor,
            "registry.organization.management_class_derived",
            org,
            before,
            organization_id=org.pk,
            region_prefix=org.region.prefix,
            reason=cause,
        )
    return org


def lock_org_for_refresh(org_id: int) -> Organization:
    """The owning organisation, locked without a permission check (the caller already checked
    that the actor may change the facility or permit that moves the class)."""
    return Organization.objects.select_for_update().select_related("region").get(pk=org_id)


def create_organization(
    actor: Any,
    *,
    uscc: str,
    name: str,
    region: Any,
    roles: list[str] | str,
    address: str = "",
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    industry_code: str = "",
    industry_name: str = "",
    annual_hazardous_tonnes: Any = None,
) -> Organization:
    """Register an organisation (regulators in their jurisdiction, platform administrators)."""
    data = clean_organization_fields(
        {
            "uscc": uscc,
            "name": name,
            "region": region,
            "roles": roles,
            "address": address,
            "legal_representative": legal_representative,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "industry_code": industry_code,
            "industry_name": industry_name,
            "annual_hazardous_tonnes": annual_hazardous_tonnes,
        }
    )
    org = Organization(**data)
    if not allows(actor, "add", org):
        raise Forbidden(
            _("You may not register organisations in %(region)s.") % {"region": org.region.name},
            code="registry.region_outside_jurisdiction",
            field="region",
        )
    _apply_derivation(org)
    with transaction.atomic():
        _uscc_taken(org.uscc)
        try:
            with transaction.atomic():
                org.save(force_insert=True)
        except IntegrityError:  # a concurrent registration of the same code
            raise ValidationFailed(
                _("An organisation with unified social credit code %(uscc)s is already registered.")
                % {"uscc": org.uscc},
                code="registry.uscc_duplicate",
                field="uscc",
            ) from None
        audit.record(
            actor=actor,
            action="registry.organization.create",
            obj=org,
            after=audit.snapshot(org),
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
    return org


def update_organization(
    actor: Any, org: Organization, *, version: int | None = None, **changes: Any
) -> Organization:
    """Change an organisation. Its administrators change contacts, industry and annual amount;
    regulators (and platform administrators) also the code, region, roles and active flag."""
    reject_unknown(changes, SELF_SERVICE_FIELDS | REGULATOR_FIELDS)
    data = clean_organization_fields(changes)
    with transaction.atomic():
        org = lock(actor, "change", Organization, pk=org.pk)
        check_version(org, version)
        p = principal(actor)
        is_authority = bool(p and (p.is_platform_admin or p.in_jurisdiction(org.region.prefix)))
        restricted = sorted(set(changes) & REGULATOR_FIELDS)
        if restricted and not is_authority:
            raise Forbidden(
                _("Only the supervising bureau may change this field."),
                code="registry.field_regulator_only",
                field=restricted[0],
            )
        if "region" in data and not (
            p and (p.is_platform_admin or p.in_jurisdiction(data["region"].prefix))
        ):
            raise ValidationFailed(
                _("The new region is outside your jurisdiction."),
                code="registry.region_outside_jurisdiction",
                field="region",
            )
        if "uscc" in data and data["uscc"] != org.uscc:
            _uscc_taken(data["uscc"], exclude_pk=org.pk)
        before = audit.snapshot(org)
        for key, value in data.items():
            setattr(org, key, value)
        _apply_derivation(org)
        if audit.snapshot(org) != before:
            bump(org)
            org.save()
            record_update(
                actor,
                "registry.organization.update",
                org,
                before,
                organization_id=org.pk,
                region_prefix=org.region.prefix,
            )
    return org


def _require_city_bureau(actor: Any, org: Organization) -> None:
    """HJ 1259 §4.2.2: only a bureau of a prefecture-level city or higher sets a class."""
    p = principal(actor)
    prefix = org.region.prefix
    if not (p and any(len(j) <= 4 and prefix.startswith(j) for j in p.jurisdictions)):
        raise Forbidden(
            _(
                "Only an ecology and environment bureau at city level or above whose jurisdiction covers this "
                "organisation may set its management class."
            ),
            code="registry.override_not_allowed",
            field="management_class",
        )


def override_management_class(
    actor: Any, org: Organization, management_class: str, *, reason: str
) -> Organization:
    """A city (or provincial) bureau sets the class itself, with a reason (HJ 1259 §4.2.2)."""
    reason = (reason or "").strip()
    if management_class not in ManagementClass.values:
        raise ValidationFailed(
            _("Choose a management class."),
            code="registry.management_class_invalid",
            field="management_class",
        )
    if not reason:
        raise ValidationFailed(
            _("Give the reason for setting the class."),
            code="registry.reason_required",
            field="reason",
        )
    with transaction.atomic():
        org = lock(actor, "view", Organization, pk=org.pk)
        _require_city_bureau(actor, org)
        if not org.is_producer:
            raise Conflict(
                _("Only producers have a management class."),
                code="registry.not_a_producer",
                field="management_class",
            )
        before = audit.snapshot(org)
        org.management_class = management_class
        org.management_class_overridden = True
        org.management_class_reason = reason
        org.management_class_derived = derive_management_class(org)
        bump(org)
        org.save()
        record_update(
            actor,
            "registry.organization.management_class_override",
            org,
            before,
            organization_id=org.pk,
            region_prefix=org.region.prefix,
            reason=reason,
        )
    return org


def clear_management_class_override(actor: Any, org: Organization, *, reason: str) -> Organization:
    """Return to the derived class."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for setting the class."),
            code="registry.reason_required",
            field="reason",
        )
    with transaction.atomic():
        org = lock(actor, "view", Organization, pk=org.pk)
        _require_city_bureau(actor, org)
        if not org.management_class_overridden:
            raise Conflict(
                _("The management class is not set by a bureau."),
                code="registry.not_overridden",
                field="management_class",
            )
        before = audit.snapshot(org)
        org.management_class_overridden = False
        org.management_class_reason = ""
        _apply_derivation(org)
        bump(org)
        org.save()
        record_update(
            actor,
            "registry.organization.management_class_clear",
            org,
            before,
            organization_id=org.pk,
            region_prefix=org.region.prefix,
            reason=reason,
        )
    return org
