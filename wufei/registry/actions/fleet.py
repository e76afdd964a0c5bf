"""Carriers' vehicles and drivers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Forbidden, ValidationFailed
from wufei.core.permissions import allows

from .. import validators as v
from ..models import Driver, Organization, Vehicle
from ._common import bump, record_update, reject_unknown
from .permits import _clean_date

VEHICLE_FIELDS = {
    "plate",
    "transport_permit_no",
    "load_limit_tonnes",
    "vehicle_type",
    "dangerous_goods",
    "terminal_id",
    "is_active",
}
DRIVER_FIELDS = {
    "name",
    "phone",
    "qualification_no",
    "qualification_valid_until",
    "user",
    "is_active",
}


def _carrier(actor: Any, organization: Organization, obj: Any, what: str) -> Organization:
    org = lock(actor, "view", Organization, pk=organization.pk)
    if not allows(actor, "add", obj):
        raise Forbidden(
            _("You may not add %(what)s for this organisation.") % {"what": what},
            code="registry.add_not_allowed",
        )
    if not org.is_carrier:
        raise ValidationFailed(
            _("Only carriers have vehicles and drivers."),
            code="registry.not_a_carrier",
            field="organization",
        )
    return org


def clean_vehicle_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "plate" in data:
        out["plate"] = v.clean_plate(data["plate"])
    if "transport_permit_no" in data:
        out["transport_permit_no"] = v.clean_required(
            data["transport_permit_no"],
            "transport_permit_no",
            _("road transport permit number"),
            30,
        )
    if "load_limit_tonnes" in data:
        out["load_limit_tonnes"] = v.clean_tonnes(
            data["load_limit_tonnes"], "load_limit_tonnes", required=True, positive=True
        )
    if "vehicle_type" in data:
        out["vehicle_type"] = v.clean_length(
            data["vehicle_type"], "vehicle_type", _("vehicle type"), 50
        )
    if "terminal_id" in data:
        out["terminal_id"] = v.clean_length(
            data["terminal_id"], "terminal_id", _("GNSS terminal id"), 20
        )
    for flag in ("dangerous_goods", "is_active"):
        if flag in data:
            out[flag] = bool(data[flag])
    return out


def _plate_taken(plate: str, exclude_pk: int | None = None) -> None:
    qs = Vehicle.objects.filter(plate=plate)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed(
            _("Vehicle %(plate)s is already registered.") % {"plate": plate},
            code="registry.plate_duplicate",
            field="plate",
        )


def create_vehicle(
    actor: Any,
    organization: Organization,
    *,
    plate: str,
    transport_permit_no: str,
    load_limit_tonnes: Any,
    vehicle_type: str = "",
    dangerous_goods: bool = True,
    terminal_id: str = "",
) -> Vehicle:
    data = clean_vehicle_fields(
        {
            "plate": plate,
            "transport_permit_no": transport_permit_no,
            "load_limit_tonnes": load_limit_tonnes,
            "vehicle_type": vehicle_type,
            "dangerous_goods": dangerous_goods,
            "terminal_id": terminal_id,
        }
    )
    with transaction.atomic():
        vehicle = Vehicle(organization=organization, **data)
        org = _carrier(actor, organization, vehicle, _("vehicles"))
        _plate_taken(vehicle.plate)
        try:
            with transaction.atomic():
                vehicle.save(force_insert=True)
        except IntegrityError:
            raise ValidationFailed(
                _("Vehicle %(plate)s is already registered.") % {"plate": vehicle.plate},
                code="registry.plate_duplicate",
                field="plate",
            ) from None
        audit.record(
            actor=actor,
            action="registry.vehicle.create",
            obj=vehicle,
            after=audit.snapshot(vehicle),
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
    return vehicle


def update_vehicle(
    actor: Any, vehicle: Vehicle, *, version: int | None = None, **changes: Any
) -> Vehicle:
    reject_unknown(changes, VEHICLE_FIELDS)
    data = clean_vehicle_fields(changes)
    with transaction.atomic():
        vehicle = lock(actor, "change", Vehicle, pk=vehicle.pk)
        check_version(vehicle, version)
        if "plate" in data:
            _plate_taken(data["plate"], exclude_pk=vehicle.pk)
        before = audit.snapshot(vehicle)
        for key, value in data.items():
            setattr(vehicle, key, value)
        if audit.snapshot(vehicle) != before:
            bump(vehicle)
            vehicle.save()
            record_update(
                actor,
                "registry.vehicle.update",
                vehicle,
                before,
                organization_id=vehicle.organization_id,
                region_prefix=vehicle.organization.region.prefix,
            )
    return vehicle


def _clean_user(user: Any) -> Any:
    if user in (None, ""):
        return None
    User = get_user_model()
    if isinstance(user, User):
        return user
    found = (
        User.objects.filter(pk=user).first()
        if str(user).isdigit()
        else User.objects.filter(username=user).first()
    )
    if found is None:
        raise ValidationFailed(
            _("Unknown user %(user)s.") % {"user": user}, code="registry.user_unknown", field="user"
        )
    return found


def clean_driver_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = v.clean_required(data["name"], "name", _("name"), 50)
    if "phone" in data:
        out["phone"] = v.clean_phone(data["phone"], "phone", required=True)
    if "qualification_no" in data:
        out["qualification_no"] = v.clean_required(
            data["qualification_no"], "qualification_no", _("qualification certificate number"), 30
        )
    if "qualification_valid_until" in data:
        value = data["qualification_valid_until"]
        out["qualification_valid_until"] = (
            None if value in (None, "") else _clean_date(value, "qualification_valid_until")
        )
    if "user" in data:
        out["user"] = _clean_user(data["user"])
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


def _qualification_taken(org_id: int, number: str, exclude_pk: int | None = None) -> None:
    qs = Driver.objects.filter(organization_id=org_id, qualification_no=number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed(
            _("A driver with this qualification certificate is already registered."),
            code="registry.qualification_duplicate",
            field="qualification_no",
        )


def create_driver(
    actor: Any,
    organization: Organization,
    *,
    name: str,
    phone: str,
    qualification_no: str,
    qualification_valid_until: dt.date | str | None = None,
    user: Any = None,
) -> Driver:
    data = clean_driver_fields(
        {
            "name": name,
            "phone": phone,
            "qualification_no": qualification_no,
            "qualification_valid_until": qualification_valid_until,
            "user": user,
        }
    )
    with transaction.atomic():
        driver = Driver(organization=organization, **data)
        org = _carrier(actor, organization, driver, _("drivers"))
        _qualification_taken(org.pk, driver.qualification_no)
        driver.save(force_insert=True)
        audit.record(
            actor=actor,
            action="registry.driver.create",
            obj=driver,
            after=audit.snapshot(driver),
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
    return driver


def update_driver(
    actor: Any, driver: Driver, *, version: int | None = None, **changes: Any
) -> Driver:
    reject_unknown(changes, DRIVER_FIELDS)
    data = clean_driver_fields(changes)
    with transaction.atomic():
        driver = lock(actor, "change", Driver, pk=driver.pk)
        check_version(driver, version)
        if "qualification_no" in data:
            _qualification_taken(
                driver.organization_id, data["qualification_no"], exclude_pk=driver.pk
            )
        before = audit.snapshot(driver)
        for key, value in data.items():
            setattr(driver, key, value)
        if audit.snapshot(driver) != before:
            bump(driver)
            driver.save()
            record_update(
                actor,
                "registry.driver.update",
                driver,
                before,
                organization_id=driver.organization_id,
                region_prefix=driver.organization.region.prefix,
            )
    return driver
