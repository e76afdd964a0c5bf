"""Create, edit, file (备案) and amend management plans (HJ 1259 §5)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import allows
from wufei.registry.models import Site

from .. import rules
from ..models import ManagementPlan, PlanReduction, PlanStatus, PlanWaste
from ._common import clean_year, line_snapshot, phone, record, reduction_snapshot, text
from .completeness import completeness

PLAN_FIELDS = {
    "technical_lead",
    "technical_lead_phone",
    "eia_reference",
    "pollutant_permit_number",
    "amendment_reason",
}


def clean_plan_fields(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - PLAN_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="plans.field_not_editable",
            field=unknown[0],
        )
    out: dict[str, Any] = {}
    if "technical_lead" in data:
        out["technical_lead"] = text(data, "technical_lead", _("technical lead"), 50)
    if "technical_lead_phone" in data:
        out["technical_lead_phone"] = phone(data["technical_lead_phone"], "technical_lead_phone")
    if "eia_reference" in data:
        out["eia_reference"] = text(data, "eia_reference", _("EIA number"), 100)
    if "pollutant_permit_number" in data:
        out["pollutant_permit_number"] = text(
            data, "pollutant_permit_number", _("pollutant discharge permit number"), 50
        )
    if "amendment_reason" in data:
        out["amendment_reason"] = text(data, "amendment_reason", _("reason"), 2000)
    return out


def lock_draft(actor: Any, plan: ManagementPlan | int) -> ManagementPlan:
    """The plan, locked, if the actor may change it and it is still a draft."""
    pk = plan.pk if isinstance(plan, ManagementPlan) else plan
    locked = lock(actor, "change", ManagementPlan, pk=pk)
    if not locked.can_edit():
        raise Conflict(
            _("Plan %(plan)s is %(status)s and can no longer be changed; amend it instead.")
            % {"plan": locked, "status": locked.get_status_display()},
            code="plans.not_draft",
            field="status",
        )
    return locked


def create_plan(actor: Any, site: Site, year: Any, **fields: Any) -> ManagementPlan:
    """A draft plan (version 1) for ``site`` and ``year``; one per site and year."""
    year = clean_year(year)
    data = clean_plan_fields(fields)
    data.pop("amendment_reason", None)
    with transaction.atomic():
        site = lock(actor, "view", Site, pk=site.pk)
        plan = ManagementPlan(site=site, year=year, **data)
        if not allows(actor, "add", plan):
            raise Forbidden(
                _("You may not write management plans for this site."),
                code="plans.add_not_allowed",
            )
        if not site.is_active or not site.organization.is_active:
            raise Conflict(_("The site is deactivated."), code="plans.site_inactive", field="site")
        existing = ManagementPlan.objects.filter(site=site, year=year).order_by("-revision").first()
        if existing is not None:
            raise Conflict(
                _(
                    "This site already has a management plan for %(year)d (version %(revision)d, "
                    "%(status)s): open it, or amend it once it is filed."
                )
                % {
                    "year": year,
                    "revision": existing.revision,
                    "status": existing.get_status_display(),
                },
                code="plans.plan_exists",
                field="year",
                details={"plan": existing.pk},
            )
        plan.management_class = site.organization.management_class
        plan.created_by = actor if getattr(actor, "pk", None) else None
        plan.save(force_insert=True)
        record(actor, "plans.plan.create", plan, after=audit.snapshot(plan))
    return plan


def update_plan(
    actor: Any, plan: ManagementPlan, *, version: int | None = None, **changes: Any
) -> ManagementPlan:
    """Change the Table A.1 items the plan itself holds (while it is a draft)."""
    data = clean_plan_fields(changes)
    with transaction.atomic():
        plan = lock_draft(actor, plan)
        check_version(plan, version)
        before = audit.snapshot(plan)
        for key, value in data.items():
            setattr(plan, key, value)
        old, new = audit.diff(before, audit.snapshot(plan))
        for key in ("updated_at", "version"):
            old.pop(key, None)
            new.pop(key, None)
        if new:
            plan.version += 1
            plan.save()
            record(actor, "plans.plan.update", plan, before=old, after=new)
    return plan


def basic_info(plan: ManagementPlan) -> dict[str, Any]:
    """Table A.1 (and A.2's facilities) as they stand: the snapshot kept with a filing."""
    site, org = plan.site, plan.site.organization
    return audit.canonical(
        {
            "organization_name": org.name,
            "uscc": org.uscc,
            "registered_address": org.address,
            "site_name": site.name,
            "site_code": site.site_code,
            "site_address": site.address,
            "region_code": site.region.code,
            "region_name": site.region.name,
            "industry_code": org.industry_code,
            "industry_name": org.industry_name,
            "longitude": site.longitude,
            "latitude": site.latitude,
            "management_class": plan.management_class,
            "legal_representative": org.legal_representative,
            "contact_name": org.contact_name,
            "contact_phone": org.contact_phone,
            "technical_lead": plan.technical_lead,
            "technical_lead_phone": plan.technical_lead_phone,
            "eia_reference": plan.eia_reference,
            "pollutant_permit_number": plan.pollutant_permit_number,
            "facilities": [
                {
                    "code": f.code,
                    "name": f.name,
                    "kind": f.kind,
                    "type": f.facility_type,
                    "capacity_tonnes": f.capacity_tonnes,
                }
                for f in site.facilities.filter(is_active=True).order_by("code")
            ],
        }
    )


def receipt_digest(plan: ManagementPlan) -> str:
    """A check code over the filed content, printed on the receipt (a changed row shows)."""
    body = {
        "filing_number": plan.filing_number,
        "filed_at": plan.filed_at,
        "basic_info": plan.basic_info,
        "wastes": [line_snapshot(w) for w in plan.wastes.select_related("waste_code__edition")],
        "reductions": [reduction_snapshot(r) for r in plan.reductions.all()],
    }
    raw = json.dumps(audit.canonical(body), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def file_plan(actor: Any, plan: ManagementPlan, *, version: int | None = None) -> ManagementPlan:
    """备案: check completeness by management class, give the filing number, keep the A.1
    snapshot; filing an amendment supersedes the version it amends. Filing after 31 March is
    accepted and flagged (``is_late``)."""
    with transaction.atomic():
        plan = lock_draft(actor, plan)
        check_version(plan, version)
        org = plan.site.organization
        problems = completeness(plan, org.management_class)
        if problems:
            raise ValidationFailed(
                problems[0].message,
                code="plans.incomplete",
                field=problems[0].field,
                details={"problems": [p.as_dict() for p in problems]},
            )
        before = audit.snapshot(plan)
        now = timezone.now()
        previous = None
        if plan.supersedes_id is not None:
            previous = ManagementPlan.objects.select_for_update().get(pk=plan.supersedes_id)
            if previous.status != PlanStatus.FILED or not previous.is_current:
                raise Conflict(
                    _("The version this amendment replaces is no longer the current one."),
                    code="plans.supersedes_stale",
                    field="supersedes",
                )
            prev_before = audit.snapshot(previous)
            previous.status = PlanStatus.SUPERSEDED
            previous.is_current = False
            previous.version += 1
            previous.save()
            record(
                actor,
                "plans.plan.supersede",
                previous,
                before={"status": prev_before["status"], "is_current": True},
                after={"status": previous.status, "is_current": False, "by": plan.pk},
            )
        plan.management_class = org.management_class
        plan.filing_number = rules.filing_number(plan.site.region.code, plan.year)
        plan.filed_at = now
        plan.filed_by = actor if getattr(actor, "pk", None) else None
        plan.is_late = timezone.localdate(now) > rules.filing_deadline(plan.year)
        plan.basic_info = basic_info(plan)
        plan.status = PlanStatus.FILED
        plan.is_current = True
        plan.receipt_digest = receipt_digest(plan)
        plan.version += 1
        plan.save()
        old, new = audit.diff(before, audit.snapshot(plan))
        record(
            actor,
            "plans.plan.file",
            plan,
            before=old,
            after=new,
            reason=_("Filed after the deadline of %(date)s.")
            % {"date": rules.filing_deadline(plan.year).isoformat()}
            if plan.is_late
            else "",
        )
    return plan


def amend_plan(actor: Any, plan: ManagementPlan, *, reason: str) -> ManagementPlan:
    """A new draft version copied from the current filed plan; the filed one stays in force
    until the amendment is filed."""
    reason_text = text(
        {"reason": reason}, "reason", _("reason for the amendment"), 2000, required=True
    )
    with transaction.atomic():
        plan = lock(actor, "change", ManagementPlan, pk=plan.pk)
        if not plan.can_amend():
            raise Conflict(
                _("Only the current filed plan can be amended."),
                code="plans.not_amendable",
                field="status",
            )
        draft = ManagementPlan.objects.filter(
            site=plan.site, year=plan.year, status=PlanStatus.DRAFT
        ).first()
        if draft is not None:
            raise Conflict(
                _("An amendment (version %(revision)d) is already being drafted.")
                % {"revision": draft.revision},
                code="plans.amendment_open",
                details={"plan": draft.pk},
            )
        last = ManagementPlan.objects.filter(site=plan.site, year=plan.year).aggregate(
            m=Max("revision")
        )["m"]
        new = ManagementPlan.objects.create(
            site=plan.site,
            year=plan.year,
            revision=(last or 0) + 1,
            supersedes=plan,
            is_current=False,
            status=PlanStatus.DRAFT,
            management_class=plan.site.organization.management_class,
            technical_lead=plan.technical_lead,
            technical_lead_phone=plan.technical_lead_phone,
            eia_reference=plan.eia_reference,
            pollutant_permit_number=plan.pollutant_permit_number,
            amendment_reason=reason_text,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        for line in plan.wastes.all():
            line.pk = None
            line.plan = new
            line.version = 1
            line.save(force_insert=True)
        PlanReduction.objects.bulk_create(
            PlanReduction(plan=new, measure=r.measure, expected_effect=r.expected_effect)
            for r in plan.reductions.all()
        )
        after = audit.snapshot(new)
        after["wastes"] = PlanWaste.objects.filter(plan=new).count()
        record(actor, "plans.plan.amend", new, after=after, reason=reason_text)
    return new
