"""Networked scales (联网电子秤): register a scale, rotate its token, take its readings."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import lock
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.permissions import allows
from wufei.registry.models import Facility, Organization

from ..models import Container, ReadingOutcome, ScaleDevice, ScaleReading, WeighSource
from ._common import STATUS, ScaleActor, check_plausible, refuse_state, text
from .produce import record_weight

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def device_for_token(token: str) -> ScaleDevice | None:
    """The active scale whose token this is (compared by hash)."""
    if not token:
        return None
    return (
        ScaleDevice.objects.select_related("organization")
        .filter(token_hash=hash_token(token), is_active=True)
        .first()
    )


def _audit(actor: Any, action: str, device: ScaleDevice, **kwargs: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=device,
        organization_id=device.organization_id,
        region_prefix=device.organization.region.prefix,
        **kwargs,
    )


def register_scale(
    actor: Any,
    organization: Organization,
    *,
    device_id: str,
    name: str = "",
    facility: Facility | None = None,
) -> tuple[ScaleDevice, str]:
    """A new scale of ``organization``; returns it and its token (shown this once)."""
    device_id = text(device_id, "device_id", _("device id"), 64, required=True)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        org = lock(actor, "view", Organization, pk=organization.pk)
        device = ScaleDevice(
            organization=org,
            device_id=device_id,
            name=text(name, "name", _("name"), 100),
            facility=facility,
            token_hash=hash_token(token),
        )
        if not allows(actor, "add", device):
            raise Forbidden(
                _("Only an administrator of the organisation may register scales."),
                code="ledger.add_not_allowed",
            )
        if facility is not None and facility.site.organization_id != org.pk:
            raise ValidationFailed(
                _("Choose a facility of this organisation."),
                code="ledger.facility_unknown",
                field="facility",
            )
        if ScaleDevice.objects.filter(device_id=device_id).exists():
            raise Conflict(
                _("A scale with the device id %(id)s is already registered.") % {"id": device_id},
                code="ledger.device_exists",
                field="device_id",
            )
        device.save(force_insert=True)
        after = audit.snapshot(device)
        after.pop("token_hash", None)
        _audit(actor, "ledger.scale.register", device, after=after)
    return device, token


def rotate_scale_token(actor: Any, device: ScaleDevice) -> tuple[ScaleDevice, str]:
    """A new token for the scale; the old one stops working at once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        device = lock(actor, "change", ScaleDevice, pk=device.pk)
        device.token_hash = hash_token(token)
        device.version += 1
        device.save()
        _audit(actor, "ledger.scale.rotate_token", device)
    return device, token


def _clean_kg(value: Any) -> Decimal:
    try:
        kg = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, AttributeError):
        kg = Decimal("-1")
    if not kg.is_finite() or kg <= 0 or kg >= Decimal("1e9"):
        raise ValidationFailed(
            _("weight_kg must be a positive number of kilograms."),
            code="ledger.weight_invalid",
            field="weight_kg",
        )
    return kg.quantize(Decimal("0.1"))


def _find_container(device: ScaleDevice, ref: Any) -> Container:
    raw = str(ref or "").strip().upper()
    qs = Container.objects.select_related("site__region", "organization").filter(
        organization_id=device.organization_id
    )
    found = None
    if raw.isdigit() and len(raw) < 18:
        found = qs.filter(pk=int(raw)).first()
    elif raw:
        found = qs.filter(ident_code=raw).first()
    if found is None:
        raise NotFound(
            _("No container %(ref)s of this scale's organisation.") % {"ref": raw or "—"},
            code="not_found",
            field="container",
        )
    return found


def record_scale_reading(
    device: ScaleDevice, *, reading_id: str, container: Any, weight_kg: Any
) -> tuple[ScaleReading, bool]:
    """Take one reading from a scale; returns ``(reading, created)``.

    Idempotent by (scale, reading id): the same reading again returns the first result and
    writes nothing; the same reading id with another container or weight is a conflict. An
    unweighed container takes the weight (即称重, its generation entry is written); a weighed
    one keeps its label weight and the reading is kept as a check (the inventory warns when
    they differ by more than the tolerance). Implausible weights are refused and not kept.
    """
    reading_id = text(reading_id, "reading_id", _("reading id"), 64, required=True)
    kg = _clean_kg(weight_kg)
    tonnes = (kg / 1000).quantize(Decimal("0.0001"))
    actor = ScaleActor(device_id=device.device_id, organization_id=device.organization_id)
    existing = ScaleReading.objects.filter(device=device, reading_id=reading_id).first()
    if existing is not None:
        return _replay(existing, container, kg), False
    try:
        with transaction.atomic():
            locked = _find_container(device, container)
            locked = Container.objects.select_for_update().get(pk=locked.pk)
            if locked.status == STATUS.REVERSED:
                raise refuse_state(locked, _("weighed"), "ledger.container_reversed")
            check_plausible(locked, tonnes, "weight_kg")
            if locked.can_weigh():
                record_weight(
                    actor,
                    locked,
                    tonnes,
                    source=WeighSource.SCALE,
                    device=device,
                    _locked=True,
                )
                outcome, deviation = ReadingOutcome.APPLIED, None
            else:
                outcome = ReadingOutcome.CHECKED
                deviation = tonnes - (locked.weight_tonnes or Decimal("0"))
            reading = ScaleReading.objects.create(
                device=device,
                reading_id=reading_id,
                container=locked,
                weight_kg=kg,
                weight_tonnes=tonnes,
                outcome=outcome,
                deviation_tonnes=deviation,
            )
    except IntegrityError:
        existing = ScaleReading.objects.filter(device=device, reading_id=reading_id).first()
        if existing is None:
            raise
        return _replay(existing, container, kg), False
    return reading, True


def _replay(existing: ScaleReading, container: Any, kg: Decimal) -> ScaleReading:
    ref = str(container or "").strip().upper()
    same_container = ref in (str(existing.container_id), existing.container.ident_code or "")
    if not same_container or existing.weight_kg != kg:
        raise Conflict(
            _("Reading %(id)s was already received with another container or weight.")
            % {"id": existing.reading_id},
            code="ledger.reading_reused",
            field="reading_id",
        )
    return existing
