"""Reads for pages, API and tasks; every user-facing query starts from ``restrict``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from wufei.plans.models import ManagementPlan, TransferType

from . import rules
from .actions._common import is_applicant, is_destination_bureau, is_origin_bureau
from .models import ApprovalStatus, ApprovalStep, CrossProvinceApproval, StepKind


def approvals(
    user: Any,
    *,
    q: str = "",
    status: str = "",
    province: str = "",
    applicant: str = "",
    action: str = "view",
) -> QuerySet[CrossProvinceApproval]:
    """The approvals ``user`` may see, filtered: ``province`` is a region code (origin or
    receiving province), ``applicant`` a credit code or part of the name."""
    qs = CrossProvinceApproval.objects.restrict(user, action).select_related(
        "applicant",
        "applicant_site",
        "receiver",
        "receiver_permit",
        "origin_region",
        "destination_region",
    )
    if status in ApprovalStatus.values:
        qs = qs.filter(status=status)
    province = (province or "").strip()
    if province:
        prefix = province[:2]
        qs = qs.filter(
            Q(origin_region__prefix__startswith=prefix)
            | Q(destination_region__prefix__startswith=prefix)
        )
    applicant = (applicant or "").strip()
    if applicant:
        qs = qs.filter(
            Q(applicant__uscc=applicant.upper()) | Q(applicant__name__icontains=applicant)
        )
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(decision_number__icontains=q)
            | Q(applicant__name__icontains=q)
            | Q(applicant__uscc=q.upper())
            | Q(receiver__name__icontains=q)
            | Q(receiver__uscc=q.upper())
            | Q(lines__waste_code__code=q)
        ).distinct()
    return qs


def overdue_steps(today: dt.date | None = None, user: Any = None) -> QuerySet[ApprovalStep]:
    """Open steps past their due day (the warnings app subscribes to these); with ``user``,
    only those on approvals the user may see."""
    today = today or timezone.localdate()
    qs = ApprovalStep.objects.filter(done_at__isnull=True, due_on__lt=today)
    if user is not None:
        qs = qs.filter(approval__in=CrossProvinceApproval.objects.restrict(user, "view"))
    return qs.select_related(
        "approval",
        "approval__applicant",
        "approval__receiver",
        "approval__origin_region",
        "approval__destination_region",
    ).order_by("due_on", "pk")


@dataclass
class StepRow:
    """One step as the timeline shows it."""

    step: ApprovalStep
    overdue: bool  # open and past due
    late: bool  # done after its due day
    days_left: int | None  # calendar days until due (open steps)

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0

    @property
    def outcome_label(self) -> str:
        if self.step.outcome in rules.Outcome.values:
            return str(rules.Outcome(self.step.outcome).label)
        return self.step.outcome


def step_rows(approval: CrossProvinceApproval, today: dt.date | None = None) -> list[StepRow]:
    today = today or timezone.localdate()
    rows = []
    for step in approval.steps.select_related("done_by").order_by("started_at", "pk"):
        done = timezone.localdate(step.done_at) if step.done_at else None
        rows.append(
            StepRow(
                step=step,
                overdue=done is None and today > step.due_on,
                late=done is not None and done > step.due_on,
                days_left=(step.due_on - today).days if done is None else None,
            )
        )
    return rows


@dataclass
class PlanHint:
    """Does the applicant's management plan list the line's code as a cross-province transfer
    (the review is based on it, Art. 24)? A hint for the bureau, not a block."""

    code: str
    planned: bool
    planned_tonnes: Any


def plan_hints(approval: CrossProvinceApproval) -> tuple[ManagementPlan | None, list[PlanHint]]:
    year = (approval.submitted_at or timezone.now()).year
    plan = (
        ManagementPlan.objects.filter(site=approval.applicant_site, year=year, is_current=True)
        .prefetch_related("wastes__waste_code")
        .first()
    )
    hints = []
    for line in approval.lines.select_related("waste_code"):
        rows = [
            w
            for w in (plan.wastes.all() if plan else [])
            if w.waste_code.code == line.waste_code.code
            and w.transfer_type == TransferType.CROSS_PROVINCE
        ]
        hints.append(
            PlanHint(
                code=line.waste_code.code,
                planned=bool(rows),
                planned_tonnes=sum((w.transfer_tonnes or 0 for w in rows), 0) if rows else None,
            )
        )
    return plan, hints


@dataclass
class Allowed:
    """Which buttons the detail page shows to ``user``."""

    edit: bool = False
    submit: bool = False
    withdraw: bool = False
    accept: bool = False
    review: bool = False
    reply: bool = False
    decide: bool = False

    @property
    def any_bureau(self) -> bool:
        return self.accept or self.review or self.reply or self.decide


def allowed(user: Any, approval: CrossProvinceApproval) -> Allowed:
    if not CrossProvinceApproval.objects.restrict(user, "change").filter(pk=approval.pk).exists():
        return Allowed()
    status = approval.status
    open_kinds = set(approval.steps.filter(done_at__isnull=True).values_list("kind", flat=True))
    applicant = is_applicant(user, approval)
    origin = is_origin_bureau(user, approval)
    return Allowed(
        edit=applicant and status in rules.EDITABLE,
        submit=applicant and status in rules.EDITABLE,
        withdraw=applicant and status in rules.WITHDRAWABLE,
        accept=origin and status == ApprovalStatus.SUBMITTED and StepKind.ACCEPTANCE in open_kinds,
        review=origin and status == ApprovalStatus.ACCEPTED and StepKind.REVIEW in open_kinds,
        reply=is_destination_bureau(user, approval)
        and status == ApprovalStatus.REQUESTED
        and StepKind.REPLY in open_kinds,
        decide=origin and StepKind.DECISION in open_kinds,
    )
