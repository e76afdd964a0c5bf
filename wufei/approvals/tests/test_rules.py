"""Deadlines over the Chinese holiday calendar, overdue flags, validity clipping (Art. 23–26)."""

from __future__ import annotations

import datetime as dt

import pytest

from wufei.approvals import actions, queries, rules
from wufei.approvals.models import ApprovalStatus, StepKind
from wufei.approvals.tasks import list_overdue_steps
from wufei.core.errors import ValidationFailed
from wufei.plans.tests.clock import SHANGHAI, frozen

from .factories import approved, submitted, transfer_world

D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_deadlines_skip_national_day_and_count_the_make_up_saturday():
    # 2026: 1–7 October are holidays, Saturday 10 October is a working day (调休).
    assert rules.due_on(StepKind.ACCEPTANCE, D(2026, 9, 30)) == D(2026, 10, 13)
    assert rules.due_on(StepKind.REVIEW, D(2026, 9, 30)) == D(2026, 10, 13)
    assert rules.due_on(StepKind.REPLY, D(2026, 9, 30)) == D(2026, 10, 20)
    assert rules.due_on(StepKind.DECISION, D(2026, 10, 3)) == D(2026, 10, 13)  # from a holiday
    # an ordinary week: Monday + 5 working days is the next Monday
    assert rules.due_on(StepKind.ACCEPTANCE, D(2026, 3, 2)) == D(2026, 3, 9)


def test_twelve_months_and_clipping():
    assert rules.latest_valid_until(D(2026, 3, 2)) == D(2027, 3, 1)
    assert rules.latest_valid_until(D(2028, 2, 29)) == D(2029, 2, 27)
    assert rules.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    common = {"decided_on": D(2026, 4, 1), "requested_from": D(2026, 3, 16)}
    # the requested period is longer than 12 months: 12 months from the decision day
    assert rules.clip_validity(
        **common, requested_until=D(2027, 12, 31), permit_valid_until=D(2030, 1, 1)
    ) == (D(2026, 4, 1), D(2027, 3, 31))
    # the permit ends first
    assert rules.clip_validity(
        **common, requested_until=D(2027, 12, 31), permit_valid_until=D(2026, 9, 30)
    ) == (D(2026, 4, 1), D(2026, 9, 30))
    # the bureau's own dates, still inside every limit
    assert rules.clip_validity(
        **common,
        requested_until=D(2027, 3, 15),
        permit_valid_until=D(2030, 1, 1),
        valid_from=D(2026, 5, 1),
        valid_until=D(2027, 8, 1),
    ) == (D(2026, 5, 1), D(2027, 3, 15))


@pytest.mark.django_db
def test_decision_is_clipped_to_the_permit(reference_data):
    with frozen(at(D(2026, 3, 2))):
        w = transfer_world(permit_until=D(2026, 12, 31))
        approval = approved(w, requested_until="2027-12-31")
    assert approval.valid_from == D(2026, 3, 16)
    assert approval.valid_until == D(2026, 12, 31)


@pytest.mark.django_db
def test_decision_is_clipped_to_twelve_months(reference_data):
    with frozen(at(D(2026, 3, 2))):
        w = transfer_world()
        approval = submitted(w, requested_from="2026-03-02", requested_until="2028-06-30")
        approval = actions.review(w.origin_bureau, actions.accept(w.origin_bureau, approval))
        approval = actions.record_reply(w.destination_bureau, approval, agree=True)
        approval = actions.decide(
            w.origin_bureau,
            approval,
            approve=True,
            decision_number="浙环危转〔2026〕2号",
            valid_until="2028-06-30",
        )
    assert (approval.valid_from, approval.valid_until) == (D(2026, 3, 2), D(2027, 3, 1))


@pytest.mark.django_db
def test_no_validity_left_is_refused(reference_data):
    with frozen(at(D(2026, 3, 2))):
        w = transfer_world(permit_until=D(2026, 3, 31))
        approval = submitted(w, requested_from="2026-04-01", requested_until="2026-12-31")
        approval = actions.review(w.origin_bureau, actions.accept(w.origin_bureau, approval))
        approval = actions.record_reply(w.destination_bureau, approval, agree=True)
        with pytest.raises(ValidationFailed) as e:
            actions.decide(w.origin_bureau, approval, approve=True, decision_number="X")
    assert e.value.code == "approvals.validity_empty" and e.value.field == "valid_until"


@pytest.mark.django_db
def test_steps_over_national_day_and_overdue_flags(reference_data):
    with frozen(at(D(2026, 9, 30))):
        w = transfer_world()
        approval = submitted(w, requested_from="2026-10-08", requested_until="2027-06-30")
    step = approval.steps.get()
    assert step.due_on == D(2026, 10, 13)
    assert not queries.overdue_steps(D(2026, 10, 13)).exists()  # due today is not late
    assert list(queries.overdue_steps(D(2026, 10, 14))) == [step]
    rows = queries.step_rows(approval, D(2026, 10, 14))
    assert rows[0].overdue and not rows[0].late and rows[0].days_left == -1
    # the bureau sees it, a bureau of another province does not
    assert list(queries.overdue_steps(D(2026, 10, 14), w.origin_bureau)) == [step]
    assert not queries.overdue_steps(D(2026, 10, 14), w.other_bureau).exists()
    with frozen(at(D(2026, 10, 14))):
        found = list_overdue_steps()
        approval = actions.accept(w.origin_bureau, approval)
    assert found == [
        {
            "approval": approval.pk,
            "number": approval.number,
            "step": "acceptance",
            "round": 1,
            "due_on": "2026-10-13",
            "days_overdue": 1,
            "applicant": w.producer.name,
            "origin_region": "33",
            "destination_region": "32",
        }
    ]
    assert approval.status == ApprovalStatus.ACCEPTED
    rows = queries.step_rows(approval, D(2026, 10, 14))
    assert rows[0].late and not rows[0].overdue  # accepted one day late
    assert not rows[1].overdue and rows[1].step.due_on == D(2026, 10, 21)
    assert not queries.overdue_steps(D(2026, 10, 14)).exists()
