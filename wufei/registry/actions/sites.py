"""Sites (生产经营场所) and facilities (设施)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod
from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import allows

from .. import validators as v
from ..models import Facility, FacilityKind, Organization, Site
from ._common import bump, record_update, reject_unknown
from .organizations import lock_org_for_refresh, refresh_management_class

SITE_FIELDS = {"name", "region", "address", "site_code", "longitude", "latitude", "is_active"}
FACILITY_FIELDS = {
    "code",
    "name",
    "kind",
    "capacity_tonnes",
    "facility_type",
    "methods",
    "is_active",
}


def _forbid_add(actor: Any, obj: Any, what: str) -> None:
    if not allows(actor, "add", obj):
        raise Forbidden(
            _("You may not add %(what)s for this organisation.") % {"what": what},
            code="registry.add_not_allowed",
        )


def clean_site_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = v.clean_required(data["name"], "name", _("site name"), 200)
    if "region" in data:
        out["region"] = v.clean_region(data["region"])
    if "address" in data:
        out["address"] = v.clean_required(data["address"], "address", _("address"), 300)
    if "site_code" in data:
        out["site_code"] = v.clean_length(
            data["site_code"], "site_code", _("site code"), 22
        ).upper()
    if "longitude" in data:
        out["longitude"] = v.clean_coordinate(data["longitude"], "longitude", -180, 180)
    if "latitude" in data:
        out["latitude"] = v.clean_coordinate(data["latitude"], "latitude", -90, 90)
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


def create_site(
    actor: Any,
    organization: Organization,
    *,
    name: str,
    region: Any,
    address: str,
    site_code: str = "",
    longitude: Any = None,
    latitude: Any = None,
) -> Site:
    data = clean_site_fields(
        {
            "name": name,
            "region": region,
            "address": address,
            "site_code": site_code,
            "longitude": longitude,
            "latitude": latitude,
        }
    )
    with transaction.atomic():
        org = lock(actor, "view", Organization, pk=organization.pk)
        site = Site(organization=org, **data)
        _forbid_add(actor, site, _("sites"))
        if not org.is_active:
            raise Conflict(
                _("The organisation is deactivated."), code="registry.organization_inactive"
            )
        site.save(force_insert=True)
        audit.record(
            actor=actor,
            action="registry.site.create",
            obj=site,
            after=audit.snapshot(site),
            organization_id=org.pk,
            region_prefix=site.region.prefix,
        )
    return site


def update_site(actor: Any, site: Site, *, version: int | None = None, **changes: Any) -> Site:
    reject_unknown(changes, SITE_FIELDS)
    data = clean_site_fields(changes)
    with transaction.atomic():
        site = lock(actor, "change", Site, pk=site.pk)
        check_version(site, version)
        before = audit.snapshot(site)
        for key, value in data.items():
            setattr(site, key, value)
        if audit.snapshot(site) != before:
            bump(site)
            site.save()
            record_update(
                actor,
                "registry.site.update",
                site,
                before,
                organization_id=site.organization_id,
                region_prefix=site.region.prefix,
            )
            if "is_active" in data:
                refresh_management_class(
                    actor, lock_org_for_refresh(site.organization_id), cause="registry.site.update"
                )
    return site


def _clean_methods(methods: Any) -> list[TreatmentMethod]:
    result = []
    for m in methods or ():
        if isinstance(m, TreatmentMethod):
            result.append(m)
            continue
        found = TreatmentMethod.objects.filter(code=str(m).strip()).first() or (
            TreatmentMethod.objects.filter(pk=m).first() if str(m).isdigit() else None
        )
        if found is None:
            raise ValidationFailed(
                _("Unknown treatment method %(code)s.") % {"code": m},
                code="registry.method_unknown",
                field="methods",
            )
        result.append(found)
    return result


def clean_facility_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "code" in data:
        out["code"] = v.clean_required(data["code"], "code", _("facility code"), 40)
    if "name" in data:
        out["name"] = v.clean_required(data["name"], "name", _("facility name"), 200)
    if "kind" in data:
        if data["kind"] not in FacilityKind.values:
            raise ValidationFailed(
                _("Choose storage, utilisation or disposal."),
                code="registry.facility_kind_invalid",
                field="kind",
            )
        out["kind"] = data["kind"]
    if "facility_type" in data:
        out["facility_type"] = v.clean_length(data["facility_type"], "facility_type", _("type"), 50)
    if "capacity_tonnes" in data:
        out["capacity_tonnes"] = v.clean_tonnes(
            data["capacity_tonnes"], "capacity_tonnes", required=True, positive=True
        )
    if "methods" in data:
        out["methods"] = _clean_methods(data["methods"])
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


def _code_taken(site: Site, code: str, exclude_pk: int | None = None) -> None:
    qs = Facility.objects.filter(site=site, code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed(
            _("This site already has a facility with code %(code)s.") % {"code": code},
            code="registry.facility_code_duplicate",
            field="code",
        )


def _facility_snapshot(facility: Facility) -> dict:
    data = audit.snapshot(facility)
    data["methods"] = sorted(m.code for m in facility.methods.all()) if facility.pk else []
    return data


def create_facility(
    actor: Any,
    site: Site,
    *,
    code: str,
    name: str,
    kind: str,
    capacity_tonnes: Any,
    facility_type: str = "",
    methods: Any = (),
) -> Facility:
    data = clean_facility_fields(
        {
            "code": code,
            "name": name,
            "kind": kind,
            "capacity_tonnes": capacity_tonnes,
            "facility_type": facility_type,
            "methods": methods,
        }
    )
    methods_list = data.pop("methods")
    with transaction.atomic():
        site = lock(actor, "view", Site, pk=site.pk)
        facility = Facility(site=site, **data)
        _forbid_add(actor, facility, _("facilities"))
        org = lock_org_for_refresh(site.organization_id)
        _code_taken(site, facility.code)
        facility.save(force_insert=True)
        facility.methods.set(methods_list)
        audit.record(
            actor=actor,
            action="registry.facility.create",
            obj=facility,
            after=_facility_snapshot(facility),
            organization_id=org.pk,
            region_prefix=site.region.prefix,
        )
        refresh_management_class(actor, org, cause="registry.facility.create")
    return facility


def update_facility(
    actor: Any, facility: Facility, *, version: int | None = None, **changes: Any
) -> Facility:
    reject_unknown(changes, FACILITY_FIELDS)
    data = clean_facility_fields(changes)
    with transaction.atomic():
        facility = lock(actor, "change", Facility, pk=facility.pk)
        check_version(facility, version)
        org = lock_org_for_refresh(facility.site.organization_id)
        if "code" in data:
            _code_taken(facility.site, data["code"], exclude_pk=facility.pk)
        before = _facility_snapshot(facility)
        methods_list = data.pop("methods", None)
        for key, value in data.items():
            setattr(facility, key, value)
        if methods_list is not None:
            facility.methods.set(methods_list)
        if _facility_snapshot(facility) != before:
            bump(facility)
            facility.save()
            old, new = audit.diff(before, _facility_snapshot(facility))
            for k in ("updated_at", "version"):
                old.pop(k, None)
                new.pop(k, None)
            audit.record(
                actor=actor,
                action="registry.facility.update",
                obj=facility,
                before=old,
                after=new,
                organization_id=org.pk,
                region_prefix=facility.site.region.prefix,
            )
            refresh_management_class(actor, org, cause="registry.facility.update")
    return facility
