"""Hazardous-waste operating permits (危险废物经营许可证), recorded by the issuing bureau."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from wufei.catalog.models import WasteCategory, WasteCode
from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import allows

from .. import validators as v
from ..models import Organization, Permit, PermitScope, PermitStatus, Site
from ._common import bump, reject_unknown
from .organizations import lock_org_for_refresh, refresh_management_class
from .sites import _clean_methods

PERMIT_FIELDS = {
    "number",
    "issuer",
    "issued_on",
    "valid_from",
    "valid_until",
    "scopes",
    "site",
    "is_comprehensive",
}


def _clean_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value or "").strip()) if value else None
    if parsed is None:
        raise ValidationFailed(
            _("Enter a date (YYYY-MM-DD)."), code="registry.date_invalid", field=field
        )
    return parsed


def clean_scopes(scopes: Any) -> list[dict[str, Any]]:
    """Each scope: a waste code or a category, capacity in t/yr (> 0) and treatment methods."""
    if not scopes:
        raise ValidationFailed(
            _("List at least one licensed waste code or category."),
            code="registry.permit_scopes_required",
            field="scopes",
        )
    cleaned = []
    seen: set[tuple] = set()
    for i, scope in enumerate(scopes):
        field = f"scopes.{i}"
        code = scope.get("waste_code")
        category = scope.get("category")
        if code is not None and not isinstance(code, WasteCode):
            code = (
                WasteCode.objects.filter(code=str(code))
                .order_by("-edition__effective_from")
                .first()
            )
            if code is None:
                raise ValidationFailed(
                    _("Unknown waste code %(code)s.") % {"code": scope.get("waste_code")},
                    code="registry.waste_code_unknown",
                    field=f"{field}.waste_code",
                )
        if category is not None and not isinstance(category, WasteCategory):
            category = (
                WasteCategory.objects.filter(code=str(category))
                .order_by("-edition__effective_from")
                .first()
            )
            if category is None:
                raise ValidationFailed(
                    _("Unknown waste category %(code)s.") % {"code": scope.get("category")},
                    code="registry.category_unknown",
                    field=f"{field}.category",
                )
        if code is None and category is None:
            raise ValidationFailed(
                _("Each licensed line needs a waste code or a category."),
                code="registry.permit_scope_empty",
                field=f"{field}.waste_code",
            )
        if code is not None and category is not None and code.category_id != category.pk:
            raise ValidationFailed(
                _("Waste code %(code)s is not in category %(category)s.")
                % {"code": code.code, "category": category.code},
                code="registry.permit_scope_mismatch",
                field=f"{field}.category",
            )
        if code is not None:
            category = None  # a code line is the narrower licence
        key = (code.pk if code else None, category.pk if category else None)
        if key in seen:
            raise ValidationFailed(
                _("The same waste code or category is listed twice."),
                code="registry.permit_scope_duplicate",
                field=f"{field}.waste_code",
            )
        seen.add(key)
        capacity = v.clean_tonnes(
            scope.get("annual_capacity_tonnes"),
            f"{field}.annual_capacity_tonnes",
            required=True,
            positive=True,
        )
        methods = _clean_methods(scope.get("methods") or ())
        cleaned.append(
            {
                "waste_code": code,
                "category": category,
                "annual_capacity_tonnes": capacity,
                "methods": methods,
            }
        )
    return cleaned


def _permit_snapshot(permit: Permit) -> dict:
    data = audit.snapshot(permit)
    data["scopes"] = (
        [
            {
                "waste_code": s.waste_code.code if s.waste_code else None,
                "category": s.category.code if s.category else None,
                "annual_capacity_tonnes": str(s.annual_capacity_tonnes),
                "methods": sorted(m.code for m in s.methods.all()),
            }
            for s in permit.scopes.select_related("waste_code", "category").order_by("pk")
        ]
        if permit.pk
        else []
    )
    return data


def _write_scopes(permit: Permit, scopes: list[dict[str, Any]]) -> None:
    permit.scopes.all().delete()
    for scope in scopes:
        row = PermitScope.objects.create(
            permit=permit,
            waste_code=scope["waste_code"],
            category=scope["category"],
            annual_capacity_tonnes=scope["annual_capacity_tonnes"],
        )
        row.methods.set(scope["methods"])


def _check_validity(issued_on: dt.date, valid_from: dt.date, valid_until: dt.date) -> None:
    if valid_until < valid_from:
        raise ValidationFailed(
            _("The permit must end after it starts."),
            code="registry.permit_dates_invalid",
            field="valid_until",
        )
    if issued_on > valid_from + dt.timedelta(days=366):
        raise ValidationFailed(
            _("The permit cannot be issued long after it starts."),
            code="registry.permit_dates_invalid",
            field="issued_on",
        )


def _clean_site(site: Any, org: Organization) -> Site | None:
    if site in (None, ""):
        return None
    if not isinstance(site, Site):
        site = Site.objects.filter(pk=site).first()
    if site is None or site.organization_id != org.pk:
        raise ValidationFailed(
            _("The site must belong to the permit holder."),
            code="registry.site_not_holder",
            field="site",
        )
    return site


def create_permit(
    actor: Any,
    organization: Organization,
    *,
    number: str,
    issuer: str,
    issued_on: Any,
    valid_from: Any,
    valid_until: Any,
    scopes: list[dict[str, Any]],
    site: Any = None,
    is_comprehensive: bool = True,
) -> Permit:
    """Record a permit (the issuing bureau, i.e. a regulator whose jurisdiction covers the holder)."""
    number = v.clean_required(number, "number", _("permit number"), 50)
    issuer = v.clean_required(issuer, "issuer", _("issuing authority"), 100)
    issued_on, valid_from, valid_until = (
        _clean_date(issued_on, "issued_on"),
        _clean_date(valid_from, "valid_from"),
        _clean_date(valid_until, "valid_until"),
    )
    _check_validity(issued_on, valid_from, valid_until)
    cleaned = clean_scopes(scopes)
    with transaction.atomic():
        org = lock(actor, "view", Organization, pk=organization.pk)
        permit = Permit(
            organization=org,
            number=number,
            issuer=issuer,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            is_comprehensive=bool(is_comprehensive),
        )
        if not allows(actor, "add", permit):
            raise Forbidden(
                _("Only the issuing bureau may record permits."), code="registry.add_not_allowed"
            )
        if not (org.is_receiver or org.is_collector):
            raise ValidationFailed(
                _("Only receivers (licensed operators) and micro collectors hold permits."),
                code="registry.permit_holder_role",
                field="organization",
            )
        permit.site = _clean_site(site, org)
        org = lock_org_for_refresh(org.pk)
        if Permit.objects.filter(number=number).exists():
            raise ValidationFailed(
                _("Permit number %(number)s is already registered.") % {"number": number},
                code="registry.permit_number_duplicate",
                field="number",
            )
        try:
            with transaction.atomic():
                permit.save(force_insert=True)
        except IntegrityError:
            raise ValidationFailed(
                _("Permit number %(number)s is already registered.") % {"number": number},
                code="registry.permit_number_duplicate",
                field="number",
            ) from None
        _write_scopes(permit, cleaned)
        audit.record(
            actor=actor,
            action="registry.permit.create",
            obj=permit,
            after=_permit_snapshot(permit),
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
        refresh_management_class(actor, org, cause="registry.permit.create")
    return permit


def update_permit(
    actor: Any, permit: Permit, *, version: int | None = None, **changes: Any
) -> Permit:
    reject_unknown(changes, PERMIT_FIELDS)
    with transaction.atomic():
        permit = lock(actor, "change", Permit, pk=permit.pk)
        check_version(permit, version)
        org = lock_org_for_refresh(permit.organization_id)
        before = _permit_snapshot(permit)
        if "number" in changes:
            number = v.clean_required(changes["number"], "number", _("permit number"), 50)
            if Permit.objects.filter(number=number).exclude(pk=permit.pk).exists():
                raise ValidationFailed(
                    _("Permit number %(number)s is already registered.") % {"number": number},
                    code="registry.permit_number_duplicate",
                    field="number",
                )
            permit.number = number
        if "issuer" in changes:
            permit.issuer = v.clean_required(
                changes["issuer"], "issuer", _("issuing authority"), 100
            )
        for field in ("issued_on", "valid_from", "valid_until"):
            if field in changes:
                setattr(permit, field, _clean_date(changes[field], field))
        if "is_comprehensive" in changes:
            permit.is_comprehensive = bool(changes["is_comprehensive"])
        if "site" in changes:
            permit.site = _clean_site(changes["site"], org)
        _check_validity(permit.issued_on, permit.valid_from, permit.valid_until)
        if "scopes" in changes:
            _write_scopes(permit, clean_scopes(changes["scopes"]))
        after = _permit_snapshot(permit)
        if after != before:
            bump(permit)
            permit.save()
            old, new = audit.diff(before, _permit_snapshot(permit))
            for k in ("updated_at", "version"):
                old.pop(k, None)
                new.pop(k, None)
            audit.record(
                actor=actor,
                action="registry.permit.update",
                obj=permit,
                before=old,
                after=new,
                organization_id=org.pk,
                region_prefix=org.region.prefix,
            )
            refresh_management_class(actor, org, cause="registry.permit.update")
    return permit


def set_permit_status(actor: Any, permit: Permit, status: str, *, reason: str) -> Permit:
    """Suspend, revoke or restore a permit (a revoked permit stays revoked)."""
    reason = (reason or "").strip()
    if status not in PermitStatus.values:
        raise ValidationFailed(
            _("Choose a permit status."), code="registry.permit_status_invalid", field="status"
        )
    if not reason:
        raise ValidationFailed(
            _("Give the reason."), code="registry.reason_required", field="reason"
        )
    with transaction.atomic():
        permit = lock(actor, "change", Permit, pk=permit.pk)
        org = lock_org_for_refresh(permit.organization_id)
        if permit.status == status:
            raise Conflict(
                _("The permit already has this status."),
                code="registry.permit_status_unchanged",
                field="status",
            )
        if permit.status == PermitStatus.REVOKED:
            raise Conflict(
                _("A revoked permit cannot be changed."),
                code="registry.permit_revoked",
                field="status",
            )
        before = {"status": permit.status}
        updated = Permit.objects.filter(pk=permit.pk, status=permit.status).update(
            status=status, version=permit.version + 1
        )
        if not updated:
            raise Conflict(
                _("This record was changed by someone else. Reload it and try again."),
                code="stale_version",
                field="status",
            )
        permit.refresh_from_db()
        audit.record(
            actor=actor,
            action=f"registry.permit.{status}",
            obj=permit,
            before=before,
            after={"status": status},
            organization_id=org.pk,
            region_prefix=org.region.prefix,
            reason=reason,
        )
        refresh_management_class(actor, org, cause=f"registry.permit.{status}")
    return permit
