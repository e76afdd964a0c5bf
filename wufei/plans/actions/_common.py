"""Field checks for the plan actions (each raises ``ValidationFailed`` naming its field)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod, WasteCode
from wufei.catalog.queries import find_code
from wufei.core import audit
from wufei.core.errors import ValidationFailed
from wufei.registry import validators as v
from wufei.registry.models import Facility, FacilityKind, Organization, Site

from ..models import ManagementPlan, PlanReduction, PlanWaste

T = TypeVar("T")

MIN_YEAR = 2000


def plans_code(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a registry validator, re-labelling its error code ``plans.…``."""
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        exc.code = "plans." + exc.code.split(".", 1)[-1]
        raise


def text(data: dict[str, Any], name: str, label: str, max_length: int, *, required=False) -> str:
    check = v.clean_required if required else v.clean_length
    return plans_code(check, data.get(name, ""), name, label, max_length)


def tonnes(value: Any, name: str, *, required: bool = False) -> Decimal | None:
    return plans_code(v.clean_tonnes, value, name, required=required, positive=required)


def phone(value: Any, name: str) -> str:
    return plans_code(v.clean_phone, value, name)


def clean_year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    latest = timezone.localdate().year + 1
    if not MIN_YEAR <= year <= latest:
        raise ValidationFailed(
            _("Enter the plan year (%(first)d–%(last)d).") % {"first": MIN_YEAR, "last": latest},
            code="plans.year_invalid",
            field="year",
        )
    return year


def choice(value: Any, name: str, choices: Any, label: str, *, required: bool = False) -> str:
    value = str(value or "").strip()
    if not value and not required:
        return ""
    if value not in choices.values:
        raise ValidationFailed(
            _("Choose the %(label)s.") % {"label": label}, code="plans.choice_invalid", field=name
        )
    return value


def clean_waste_code(value: Any) -> WasteCode:
    if isinstance(value, WasteCode):
        return value
    text_value = str(value or "").strip()
    found = None
    if text_value.isdigit() and len(text_value) != 8:
        found = WasteCode.objects.select_related("edition").filter(pk=int(text_value)).first()
    if found is None and text_value:
        found = find_code(text_value)
    if found is None:
        raise ValidationFailed(
            _("Enter a waste code of the catalogue (e.g. 900-249-08).")
            if not text_value
            else _("%(code)s is not in the current waste catalogue.") % {"code": text_value},
            code="plans.waste_code_unknown",
            field="waste_code",
        )
    return found


def clean_method(value: Any, name: str) -> TreatmentMethod | None:
    if value in (None, ""):
        return None
    if isinstance(value, TreatmentMethod):
        return value
    raw = str(value).strip()
    found = TreatmentMethod.objects.filter(code=raw.upper()).first()
    if found is None and raw.isdigit():
        found = TreatmentMethod.objects.filter(pk=int(raw)).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown treatment method %(code)s.") % {"code": raw},
            code="plans.method_unknown",
            field=name,
        )
    return found


def clean_facility(value: Any, name: str, site: Site, kinds: set[str]) -> Facility | None:
    """A facility of the plan's site, of one of ``kinds``; given as object, id or code."""
    if value in (None, ""):
        return None
    qs = Facility.objects.filter(site=site, is_active=True)
    if isinstance(value, Facility):
        found = qs.filter(pk=value.pk).first()
    else:
        raw = str(value).strip()
        found = qs.filter(code=raw).first() or (
            qs.filter(pk=int(raw)).first() if raw.isdigit() else None
        )
    if found is None:
        raise ValidationFailed(
            _("Choose an active facility of this site."),
            code="plans.facility_unknown",
            field=name,
        )
    if found.kind not in kinds:
        raise ValidationFailed(
            _("Facility %(code)s is a %(kind)s facility.")
            % {"code": found.code, "kind": FacilityKind(found.kind).label},
            code="plans.facility_kind",
            field=name,
        )
    return found


def clean_receiver(value: Any) -> Organization | None:
    if value in (None, ""):
        return None
    if isinstance(value, Organization):
        return value
    found = Organization.objects.filter(uscc=str(value).strip().upper(), is_active=True).first()
    if found is None:
        raise ValidationFailed(
            _("No active organisation has the credit code %(uscc)s.") % {"uscc": value},
            code="plans.receiver_unknown",
            field="receiver",
        )
    return found


def line_snapshot(line: PlanWaste) -> dict[str, Any]:
    data = audit.snapshot(line)
    for key in ("created_at", "updated_at", "version"):
        data.pop(key, None)
    data["waste_code"] = line.waste_code.code
    data["edition"] = line.waste_code.edition.code
    return data


def reduction_snapshot(reduction: PlanReduction) -> dict[str, Any]:
    return {"id": reduction.pk, "measure": reduction.measure, "effect": reduction.expected_effect}


def record(actor: Any, action: str, plan: ManagementPlan, **kwargs: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=plan,
        organization_id=plan.site.organization_id,
        region_prefix=plan.site.region.prefix,
        **kwargs,
    )
