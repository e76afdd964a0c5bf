"""The bureaus' steps (Art. 23–25): acceptance or notice of missing items, review and request
letter (商请函), the receiving province's reply (复函), the decision (批准 / 不予批准).

The origin province's bureau accepts, reviews and decides; the receiving province's bureau
replies. Each step closes the open step (its outcome and note) and opens the next one with its
deadline in working days (``rules.STEP_WORKDAYS``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wufei.core.actions import check_version
from wufei.core.errors import Conflict, ValidationFailed

from .. import rules
from ..models import ApprovalStatus, ApprovalStep, CrossProvinceApproval, StepKind
from ._common import (
    clean_date,
    finish_step,
    lock_approval,
    open_step,
    record,
    refuse_status,
    require_destination_bureau,
    require_origin_bureau,
    save,
    snapshot,
    start_step,
    step_snapshot,
    text,
)

Outcome = rules.Outcome


def _step(
    approval: CrossProvinceApproval, kind: str, status: str, what: str, code: str
) -> ApprovalStep:
    """The open step of ``kind`` while the approval is in ``status``, or a 409."""
    step = open_step(approval, kind) if approval.status == status else None
    if step is None:
        raise refuse_status(approval, what, code)
    return step


def _record(
    actor: Any,
    verb: str,
    approval: CrossProvinceApproval,
    before: dict[str, Any],
    done: ApprovalStep,
    started: ApprovalStep | None = None,
    reason: str = "",
) -> None:
    after = snapshot(approval)
    after["step"] = step_snapshot(done)
    if started is not None:
        after["next_step"] = {
            "step": started.kind,
            "round": started.round,
            "due_on": started.due_on,
        }
    record(actor, verb, approval, before=before, after=after, reason=reason)


def _reason(value: Any, name: str = "note") -> str:
    return text(value, name, _("reasons"), 2000, required=True)


def accept(
    actor: Any, approval: CrossProvinceApproval, *, note: Any = "", version: int | None = None
) -> CrossProvinceApproval:
    """受理 (Art. 23): the application is complete; the review starts (5 working days)."""
    note = text(note, "note", _("note"), 2000)
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_origin_bureau(actor, approval)
        check_version(approval, version)
        step = _step(
            approval,
            StepKind.ACCEPTANCE,
            ApprovalStatus.SUBMITTED,
            pgettext("approval action", "accepted"),
            "approvals.not_acceptable",
        )
        before, now = snapshot(approval), timezone.now()
        finish_step(step, actor, Outcome.ACCEPTED, note, now)
        approval.status = ApprovalStatus.ACCEPTED
        save(approval)
        review = start_step(approval, StepKind.REVIEW, now)
        _record(actor, "accept", approval, before, step, review)
    return approval


def notice_incomplete(
    actor: Any, approval: CrossProvinceApproval, *, missing: Any, version: int | None = None
) -> CrossProvinceApproval:
    """补正告知 (Art. 23): tell the applicant every missing item at once; it may change the
    application and submit again (a new round)."""
    missing = text(missing, "missing", _("missing items"), 2000, required=True)
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_origin_bureau(actor, approval)
        check_version(approval, version)
        step = _step(
            approval,
            StepKind.ACCEPTANCE,
            ApprovalStatus.SUBMITTED,
            pgettext("approval action", "sent back for missing items"),
            "approvals.not_acceptable",
        )
        before, now = snapshot(approval), timezone.now()
        finish_step(step, actor, Outcome.INCOMPLETE, missing, now)
        approval.status = ApprovalStatus.INCOMPLETE
        save(approval)
        _record(actor, "incomplete", approval, before, step, reason=missing)
    return approval


def review(
    actor: Any,
    approval: CrossProvinceApproval,
    *,
    agree: bool = True,
    note: Any = "",
    version: int | None = None,
) -> CrossProvinceApproval:
    """初审 (Art. 24), on the application and the applicant's management plan.

    Agreed: the request letter (商请函) goes to the receiving province, whose reply is due in
    10 working days — or, for a white-listed pair, the decision step starts at once.
    Not agreed: the application is refused in writing with the reasons.
    """
    note = _reason(note) if not agree else text(note, "note", _("note"), 2000)
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_origin_bureau(actor, approval)
        check_version(approval, version)
        step = _step(
            approval,
            StepKind.REVIEW,
            ApprovalStatus.ACCEPTED,
            pgettext("approval action", "reviewed"),
            "approvals.not_reviewable",
        )
        before, now = snapshot(approval), timezone.now()
        started = None
        if not agree:
            finish_step(step, actor, Outcome.REFUSED, note, now)
            approval.status = ApprovalStatus.REJECTED
            approval.decided_at = now
            approval.decision_note = note
            verb = "refuse"
        elif approval.simplified:
            finish_step(step, actor, Outcome.WHITE_LIST, note, now)
            started = start_step(approval, StepKind.DECISION, now)
            verb = "review"
        else:
            finish_step(step, actor, Outcome.REQUESTED, note, now)
            approval.status = ApprovalStatus.REQUESTED
            started = start_step(approval, StepKind.REPLY, now)
            verb = "request"
        save(approval)
        _record(actor, verb, approval, before, step, started, reason=note if not agree else "")
    return approval


def record_reply(
    actor: Any,
    approval: CrossProvinceApproval,
    *,
    agree: bool,
    note: Any = "",
    version: int | None = None,
) -> CrossProvinceApproval:
    """复函 (Art. 24): the receiving province agrees or not (with reasons); the origin bureau
    then decides within 5 working days."""
    note = _reason(note) if not agree else text(note, "note", _("note"), 2000)
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_destination_bureau(actor, approval)
        check_version(approval, version)
        step = _step(
            approval,
            StepKind.REPLY,
            ApprovalStatus.REQUESTED,
            pgettext("approval action", "given a reply"),
            "approvals.not_requested",
        )
        before, now = snapshot(approval), timezone.now()
        finish_step(step, actor, Outcome.AGREED if agree else Outcome.DISAGREED, note, now)
        approval.status = ApprovalStatus.REPLIED
        save(approval)
        decision = start_step(approval, StepKind.DECISION, now)
        _record(actor, "reply", approval, before, step, decision, reason=note if not agree else "")
    return approval


def _reply_disagreed(approval: CrossProvinceApproval) -> bool:
    last = (
        approval.steps.filter(kind=StepKind.REPLY, done_at__isnull=False)
        .order_by("-done_at", "-pk")
        .first()
    )
    return last is not None and last.outcome == Outcome.DISAGREED


def decide(
    actor: Any,
    approval: CrossProvinceApproval,
    *,
    approve: bool,
    decision_number: Any = "",
    valid_from: Any = None,
    valid_until: Any = None,
    note: Any = "",
    version: int | None = None,
) -> CrossProvinceApproval:
    """批准 / 不予批准 (Art. 25–26). Approving needs the decision number (批准文号); the
    validity is clipped to 12 months, the requested period and the receiver's permit. A
    receiving province that disagreed means no approval."""
    if approve:
        number = text(decision_number, "decision_number", _("approval number"), 50, required=True)
        start = clean_date(valid_from, "valid_from", _("valid from"), required=False)
        end = clean_date(valid_until, "valid_until", _("valid until"), required=False)
        note = text(note, "note", _("note"), 2000)
    else:
        note = _reason(note)
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_origin_bureau(actor, approval)
        check_version(approval, version)
        step = open_step(approval, StepKind.DECISION)
        if step is None or approval.status not in (
            ApprovalStatus.REPLIED,
            ApprovalStatus.ACCEPTED,
        ):
            raise refuse_status(
                approval, pgettext("approval action", "decided"), "approvals.not_decidable"
            )
        before, now = snapshot(approval), timezone.now()
        today = timezone.localdate(now)
        if approve:
            if _reply_disagreed(approval):
                raise Conflict(
                    _(
                        "The receiving province did not agree: the transfer cannot be "
                        "approved (令第23号 Art. 25)."
                    ),
                    code="approvals.reply_disagreed",
                    field="approve",
                )
            taken = (
                CrossProvinceApproval.objects.filter(decision_number=number)
                .exclude(pk=approval.pk)
                .exists()
            )
            if taken:
                raise ValidationFailed(
                    _("Approval number %(number)s is already used.") % {"number": number},
                    code="approvals.decision_number_taken",
                    field="decision_number",
                )
            permit = approval.receiver_permit
            if not permit.is_valid_on(today):
                raise ValidationFailed(
                    _("The receiver's permit %(permit)s is not valid today.")
                    % {"permit": permit.number},
                    code="approvals.permit_not_valid",
                    field="receiver_permit",
                )
            start, end = rules.clip_validity(
                decided_on=today,
                requested_from=approval.requested_from,
                requested_until=approval.requested_until,
                permit_valid_until=permit.valid_until,
                valid_from=start,
                valid_until=end,
            )
            if end < start:
                raise ValidationFailed(
                    _(
                        "No validity is left: it would start on %(start)s but must end by "
                        "%(end)s (requested period, 12 months and the receiver's permit)."
                    )
                    % {"start": start.isoformat(), "end": end.isoformat()},
                    code="approvals.validity_empty",
                    field="valid_until",
                )
            approval.status = ApprovalStatus.APPROVED
            approval.decision_number = number
            approval.valid_from, approval.valid_until = start, end
            finish_step(step, actor, Outcome.APPROVED, note, now)
        else:
            approval.status = ApprovalStatus.REJECTED
            finish_step(step, actor, Outcome.REJECTED, note, now)
        approval.decided_at = now
        approval.decision_note = note
        save(approval)
        _record(
            actor,
            "approve" if approve else "reject",
            approval,
            before,
            step,
            reason="" if approve else note,
        )
    return approval
