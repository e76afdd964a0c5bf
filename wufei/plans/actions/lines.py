"""Waste lines (Tables A.3, A.4, A.5, A.7) and reduction measures (A.6) of a draft plan."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import ValidationFailed
from wufei.registry.models import FacilityKind, Site

from ..models import (
    ManagementPlan,
    PlanReduction,
    PlanWaste,
    ReceiverType,
    TransferType,
    WasteForm,
)
from ._common import (
    choice,
    clean_facility,
    clean_method,
    clean_receiver,
    clean_waste_code,
    line_snapshot,
    record,
    reduction_snapshot,
    text,
    tonnes,
)
from .plans import lock_draft

WASTE_FIELDS = {
    "source_facility",
    "process",
    "internal_name",
    "waste_code",
    "hazardous_components",
    "form",
    "annual_tonnes",
    "internal_treatment",
    "storage_facility",
    "packaging",
    "storage_remaining_tonnes",
    "treatment_facility",
    "treatment_method",
    "treatment_tonnes",
    "transfer_type",
    "transfer_tonnes",
    "transfer_method",
    "receiver_type",
    "receiver",
    "receiver_permit_number",
}
REQUIRED = ("process", "internal_name", "waste_code", "form", "annual_tonnes")


def clean_waste_fields(data: dict[str, Any], site: Site, *, partial: bool) -> dict[str, Any]:
    unknown = sorted(set(data) - WASTE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="plans.field_not_editable",
            field=unknown[0],
        )
    if not partial:
        for name in REQUIRED:
            data.setdefault(name, "")
    out: dict[str, Any] = {}
    simple = {
        "source_facility": (_("generating facility"), 100, False),
        "process": (_("generating process (产生环节)"), 200, True),
        "internal_name": (_("internal name (单位内部名称)"), 100, True),
        "hazardous_components": (_("hazardous components"), 200, False),
        "internal_treatment": (_("internal treatment and destination"), 300, False),
        "packaging": (_("packaging"), 100, False),
        "receiver_permit_number": (_("receiver's permit number"), 50, False),
    }
    for name, (label, length, required) in simple.items():
        if name in data:
            out[name] = text(data, name, str(label), length, required=required)
    if "waste_code" in data:
        out["waste_code"] = clean_waste_code(data["waste_code"])
    if "form" in data:
        out["form"] = choice(data["form"], "form", WasteForm, _("form (形态)"), required=True)
    if "annual_tonnes" in data:
        out["annual_tonnes"] = tonnes(data["annual_tonnes"], "annual_tonnes", required=True)
    for name in ("storage_remaining_tonnes", "treatment_tonnes", "transfer_tonnes"):
        if name in data:
            out[name] = tonnes(data[name], name)
    if "storage_facility" in data:
        out["storage_facility"] = clean_facility(
            data["storage_facility"], "storage_facility", site, {FacilityKind.STORAGE}
        )
    if "treatment_facility" in data:
        out["treatment_facility"] = clean_facility(
            data["treatment_facility"],
            "treatment_facility",
            site,
            {FacilityKind.UTILISATION, FacilityKind.DISPOSAL},
        )
    for name in ("treatment_method", "transfer_method"):
        if name in data:
            out[name] = clean_method(data[name], name)
    if "transfer_type" in data:
        out["transfer_type"] = choice(
            data["transfer_type"], "transfer_type", TransferType, _("transfer type")
        )
    if "receiver_type" in data:
        out["receiver_type"] = choice(
            data["receiver_type"], "receiver_type", ReceiverType, _("receiver type")
        )
    if "receiver" in data:
        out["receiver"] = clean_receiver(data["receiver"])
    return out


def _fill_permit(line: PlanWaste) -> None:
    """A receiver chosen from the registry brings its valid permit number when none is given."""
    if line.receiver is not None and not line.receiver_permit_number:
        from django.utils import timezone

        today = timezone.localdate()
        permit = next(
            (p for p in line.receiver.permits.order_by("-valid_until") if p.is_valid_on(today)),
            None,
        )
        if permit is not None:
            line.receiver_permit_number = permit.number


def _unique_code(plan: ManagementPlan, line: PlanWaste) -> None:
    clash = PlanWaste.objects.filter(plan=plan, waste_code__code=line.waste_code.code)
    if line.pk:
        clash = clash.exclude(pk=line.pk)
    if clash.exists():
        raise ValidationFailed(
            _("Waste code %(code)s is already listed in this plan: edit that line.")
            % {"code": line.waste_code.code},
            code="plans.waste_duplicate",
            field="waste_code",
        )


def add_plan_waste(actor: Any, plan: ManagementPlan, **fields: Any) -> PlanWaste:
    with transaction.atomic():
        plan = lock_draft(actor, plan)
        data = clean_waste_fields(dict(fields), plan.site, partial=False)
        line = PlanWaste(plan=plan, **data)
        _unique_code(plan, line)
        _fill_permit(line)
        line.save(force_insert=True)
        plan.version += 1
        plan.save(update_fields=["version", "updated_at"])
        record(actor, "plans.waste.add", plan, after=line_snapshot(line))
    return line


def update_plan_waste(
    actor: Any, line: PlanWaste, *, version: int | None = None, **changes: Any
) -> PlanWaste:
    with transaction.atomic():
        plan = lock_draft(actor, line.plan_id)
        line = lock(actor, "change", PlanWaste, pk=line.pk, plan=plan)
        check_version(line, version)
        data = clean_waste_fields(dict(changes), plan.site, partial=True)
        before = line_snapshot(line)
        for key, value in data.items():
            setattr(line, key, value)
        if "waste_code" in data:
            _unique_code(plan, line)
        _fill_permit(line)
        old, new = audit.diff(before, line_snapshot(line))
        if new:
            line.version += 1
            line.save()
            plan.version += 1
            plan.save(update_fields=["version", "updated_at"])
            record(
                actor,
                "plans.waste.update",
                plan,
                before={"line": line.pk, **old},
                after={"line": line.pk, **new},
            )
    return line


def remove_plan_waste(actor: Any, line: PlanWaste) -> None:
    with transaction.atomic():
        plan = lock_draft(actor, line.plan_id)
        line = lock(actor, "change", PlanWaste, pk=line.pk, plan=plan)
        before = line_snapshot(line)
        line.delete()
        plan.version += 1
        plan.save(update_fields=["version", "updated_at"])
        record(actor, "plans.waste.remove", plan, before=before)


def add_plan_reduction(
    actor: Any, plan: ManagementPlan, *, measure: str, expected_effect: str = ""
) -> PlanReduction:
    data = {"measure": measure, "expected_effect": expected_effect}
    measure = text(data, "measure", _("reduction measure"), 2000, required=True)
    effect = text(data, "expected_effect", _("expected effect"), 200)
    with transaction.atomic():
        plan = lock_draft(actor, plan)
        reduction = PlanReduction.objects.create(plan=plan, measure=measure, expected_effect=effect)
        plan.version += 1
        plan.save(update_fields=["version", "updated_at"])
        record(actor, "plans.reduction.add", plan, after=reduction_snapshot(reduction))
    return reduction


def remove_plan_reduction(actor: Any, reduction: PlanReduction) -> None:
    with transaction.atomic():
        plan = lock_draft(actor, reduction.plan_id)
        reduction = lock(actor, "change", PlanReduction, pk=reduction.pk, plan=plan)
        before = reduction_snapshot(reduction)
        reduction.delete()
        plan.version += 1
        plan.save(update_fields=["version", "updated_at"])
        record(actor, "plans.reduction.remove", plan, before=before)
