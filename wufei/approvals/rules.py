"""The rules of the cross-province transfer approval (跨省转移审批, 令第23号 Art. 21–28) in one place.

- Deadlines in working days (工作日, the Chinese holiday calendar with 调休 make-up days from
  ``core.workdays``): acceptance or notice of the missing items 5 (Art. 23), the origin
  bureau's review and request letter 5 (Art. 24), the receiving province's reply 10 (Art. 24),
  the decision 5 (Art. 25). A step's deadline counts from the day it starts, that day not
  counted.
- Validity (Art. 26): at most 12 months, never past the applicant's requested period, never
  past the receiver's permit (经营许可证) ``valid_until``.
- The Yangtze-delta white-list (长三角白名单, Art. 21 ¶2): for a white-listed province pair the
  reply step is skipped and the origin bureau decides right after its review.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.core.workdays import add_workdays

from .models import ApprovalStatus, ProvincePair, StepKind

#: Working days each step may take (令第23号 Art. 23–25).
STEP_WORKDAYS: dict[str, int] = {
    StepKind.ACCEPTANCE: 5,
    StepKind.REVIEW: 5,
    StepKind.REPLY: 10,
    StepKind.DECISION: 5,
}

#: An approval is valid for at most this many months (Art. 26).
MAX_VALIDITY_MONTHS = 12

#: Statuses in which the applicant may still change the application.
EDITABLE = frozenset({ApprovalStatus.DRAFT, ApprovalStatus.INCOMPLETE})
#: Statuses from which the applicant may withdraw.
WITHDRAWABLE = frozenset(
    {
        ApprovalStatus.DRAFT,
        ApprovalStatus.SUBMITTED,
        ApprovalStatus.INCOMPLETE,
        ApprovalStatus.ACCEPTED,
        ApprovalStatus.REQUESTED,
        ApprovalStatus.REPLIED,
    }
)
#: Statuses in which the procedure is running at a bureau.
IN_PROCEDURE = frozenset(
    {
        ApprovalStatus.SUBMITTED,
        ApprovalStatus.ACCEPTED,
        ApprovalStatus.REQUESTED,
        ApprovalStatus.REPLIED,
    }
)


class DocumentKind(models.TextChoices):
    """申请材料 (Art. 22): the application form and its attachments ①–④."""

    APPLICATION_FORM = "application_form", _("Application form (危险废物跨省转移申请表)")
    PERMIT_COPY = "permit_copy", _("Copy of the receiver's permit (经营许可证复印件)")
    METHOD = (
        "method",
        _("Receiver's storage/utilisation/disposal method (贮存、利用或处置方式说明)"),
    )
    CONTRACT = "contract", _("Contract or agreement with the receiver (委托协议、意向或合同)")
    OTHER = "other", _("Other documents required locally (其他材料)")


#: What an application must carry before it is submitted (Art. 22 ①–③).
REQUIRED_DOCUMENTS = (DocumentKind.PERMIT_COPY, DocumentKind.METHOD, DocumentKind.CONTRACT)


class Outcome(models.TextChoices):
    """``ApprovalStep.outcome``: how a step ended."""

    ACCEPTED = "accepted", _("Accepted (受理)")
    INCOMPLETE = "incomplete", _("Missing items requested (补正告知)")
    REQUESTED = "requested", _("Request letter sent (已发商请函)")
    WHITE_LIST = "white_list", _("Agreed; white-list pair, no reply needed (白名单)")
    REFUSED = "refused", _("Not agreed (不同意)")
    AGREED = "agreed", _("Agreed (同意)")
    DISAGREED = "disagreed", _("Disagreed (不同意)")
    APPROVED = "approved", _("Approved (批准)")
    REJECTED = "rejected", _("Not approved (不予批准)")
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant (申请人撤回)")


def due_on(kind: str, started: dt.date) -> dt.date:
    """The last day of a step started on ``started``: ``STEP_WORKDAYS[kind]`` working days
    later, the starting day not counted (a step started on a holiday counts from the next
    working day, which ``add_workdays`` does by itself)."""
    return add_workdays(started, STEP_WORKDAYS[kind])


def is_overdue(due: dt.date, today: dt.date, done: dt.date | None = None) -> bool:
    """Open and past its due day, or done after it."""
    return (done or today) > due


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_valid_until(valid_from: dt.date) -> dt.date:
    """12 months from ``valid_from``, the last day included: 2026-03-02 → 2027-03-01."""
    return add_months(valid_from, MAX_VALIDITY_MONTHS) - dt.timedelta(days=1)


def clip_validity(
    *,
    decided_on: dt.date,
    requested_from: dt.date,
    requested_until: dt.date,
    permit_valid_until: dt.date,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """The validity of a decision (Art. 26).

    ``valid_from`` defaults to the requested start and is never before the decision day;
    ``valid_until`` defaults to the requested end and is clipped to 12 months from
    ``valid_from`` and to the receiver's permit. The result may be empty (``until < from``)
    when the permit ends first: the caller refuses that.
    """
    start = max(valid_from or requested_from, decided_on)
    end = min(
        valid_until or requested_until,
        requested_until,
        latest_valid_until(start),
        permit_valid_until,
    )
    return start, end


def white_listed(origin_id: int, destination_id: int) -> bool:
    """Does the pair (origin province → receiving province) run the white-list procedure?"""
    return ProvincePair.objects.filter(
        origin_id=origin_id, destination_id=destination_id, white_list=True
    ).exists()
