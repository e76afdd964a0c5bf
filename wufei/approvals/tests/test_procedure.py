"""The procedure of 令第23号 Art. 22–26 through the actions, step by step, with the deadlines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wufei.approvals import actions
from wufei.approvals.models import ApprovalStatus, ApprovalStep, StepKind
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.plans.tests.clock import SHANGHAI, frozen

from .factories import attach_documents, draft, submitted, white_list

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def steps(approval) -> list[tuple[str, int, str, str]]:
    return [
        (s.kind, s.round, s.due_on.isoformat(), s.outcome)
        for s in ApprovalStep.objects.filter(approval=approval).order_by("started_at", "pk")
    ]


def test_full_procedure_with_missing_items_round(w):
    approval = draft(w)
    assert approval.status == ApprovalStatus.DRAFT and approval.number is None
    assert approval.origin_region == w.zhejiang and approval.destination_region == w.jiangsu
    assert approval.receiver_permit == w.permit
    assert [
        (line.waste_code.code, line.method.code, line.quantity_tonnes)
        for line in approval.lines.order_by("pk")
    ] == [
        ("900-249-08", "R9", Decimal("100.0000")),
        ("900-041-49", "D10", Decimal("20.0000")),
    ]
    with pytest.raises(ValidationFailed) as e:
        actions.submit(w.applicant, approval)
    assert e.value.code == "approvals.documents_missing" and e.value.field == "documents"
    attach_documents(w, approval)
    approval = actions.submit(w.applicant, approval)  # Monday 2 March 2026
    assert approval.status == ApprovalStatus.SUBMITTED
    assert approval.number == "KS202633000001"
    assert steps(approval) == [("acceptance", 1, "2026-03-09", "")]

    with frozen(at("2026-03-04")):
        approval = actions.notice_incomplete(
            w.origin_bureau, approval, missing="委托合同未盖章；缺运输方案"
        )
    assert approval.status == ApprovalStatus.INCOMPLETE
    with pytest.raises(Conflict) as e:
        actions.accept(w.origin_bureau, approval)
    assert e.value.code == "approvals.not_acceptable" and e.value.field == "status"

    with frozen(at("2026-03-05")):
        approval = actions.update_application(w.applicant, approval, purpose="废矿物油再生（补正）")
        approval = actions.submit(w.applicant, approval)
    assert approval.number == "KS202633000001"  # the number stays on resubmission
    with frozen(at("2026-03-06")):
        approval = actions.accept(w.origin_bureau, approval, note="材料齐全")
    assert approval.status == ApprovalStatus.ACCEPTED
    with frozen(at("2026-03-10")):
        approval = actions.review(w.origin_bureau, approval, agree=True, note="同意，发商请函")
    assert approval.status == ApprovalStatus.REQUESTED
    with frozen(at("2026-03-20")):
        approval = actions.record_reply(w.destination_bureau, approval, agree=True, note="同意接收")
    assert approval.status == ApprovalStatus.REPLIED
    with frozen(at("2026-03-23")):
        approval = actions.decide(
            w.origin_bureau, approval, approve=True, decision_number="浙环危转〔2026〕8号"
        )
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.decision_number == "浙环危转〔2026〕8号"
    # validity: from the requested start (after the decision day) to the requested end
    assert (approval.valid_from, approval.valid_until) == (
        dt.date(2026, 3, 23),
        dt.date(2027, 3, 15),
    )
    assert steps(approval) == [
        ("acceptance", 1, "2026-03-09", "incomplete"),
        ("acceptance", 2, "2026-03-12", "accepted"),
        ("review", 2, "2026-03-13", "requested"),
        ("reply", 2, "2026-03-24", "agreed"),
        ("decision", 2, "2026-03-27", "approved"),
    ]
    verbs = list(
        AuditEvent.objects.filter(
            object_id=str(approval.pk), action__startswith="approvals.approval."
        )
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert verbs == [
        "approvals.approval.create",
        "approvals.approval.add_document",
        "approvals.approval.add_document",
        "approvals.approval.add_document",
        "approvals.approval.submit",
        "approvals.approval.incomplete",
        "approvals.approval.update",
        "approvals.approval.resubmit",
        "approvals.approval.accept",
        "approvals.approval.request",
        "approvals.approval.reply",
        "approvals.approval.approve",
    ]
    incomplete = AuditEvent.objects.get(action="approvals.approval.incomplete")
    assert incomplete.reason == "委托合同未盖章；缺运输方案"


def test_white_listed_pair_skips_the_reply(w):
    white_list(w)
    approval = submitted(w)
    assert approval.simplified
    approval = actions.accept(w.origin_bureau, approval)
    approval = actions.review(w.origin_bureau, approval, agree=True)
    assert approval.status == ApprovalStatus.ACCEPTED  # no request letter
    with pytest.raises(Conflict) as e:
        actions.record_reply(w.destination_bureau, approval, agree=True)
    assert e.value.code == "approvals.not_requested"
    approval = actions.decide(
        w.origin_bureau, approval, approve=True, decision_number="浙白〔2026〕1号"
    )
    assert approval.status == ApprovalStatus.APPROVED
    assert [s[0] for s in steps(approval)] == ["acceptance", "review", "decision"]
    assert steps(approval)[1][3] == "white_list"


def test_disagreeing_reply_means_no_approval(w):
    approval = submitted(w)
    approval = actions.accept(w.origin_bureau, approval)
    approval = actions.review(w.origin_bureau, approval, agree=True)
    with pytest.raises(ValidationFailed) as e:
        actions.record_reply(w.destination_bureau, approval, agree=False, note="")
    assert e.value.field == "note"  # reasons are required
    approval = actions.record_reply(
        w.destination_bureau, approval, agree=False, note="处置能力不足"
    )
    with pytest.raises(Conflict) as e:
        actions.decide(w.origin_bureau, approval, approve=True, decision_number="X1")
    assert e.value.code == "approvals.reply_disagreed"
    approval = actions.decide(w.origin_bureau, approval, approve=False, note="接受地不同意")
    assert approval.status == ApprovalStatus.REJECTED and approval.decision_note == "接受地不同意"


def test_review_can_refuse_with_reasons(w):
    approval = actions.accept(w.origin_bureau, submitted(w))
    approval = actions.review(w.origin_bureau, approval, agree=False, note="管理计划未列明跨省转移")
    assert approval.status == ApprovalStatus.REJECTED
    assert steps(approval)[-1][0] == "review" and steps(approval)[-1][3] == "refused"


def test_only_the_right_bureau_acts(w):
    approval = submitted(w)
    with pytest.raises(NotFound):  # another province's bureau does not even see it
        actions.accept(w.other_bureau, approval)
    with pytest.raises(NotFound):  # nor does a city bureau: this is the province's procedure
        actions.accept(w.city_bureau, approval)
    with pytest.raises(Forbidden) as e:  # the receiving province sees it but does not accept
        actions.accept(w.destination_bureau, approval)
    assert e.value.code == "approvals.not_origin_bureau" and e.value.field == "origin_region"
    with pytest.raises(Forbidden):  # the applicant does not accept its own application
        actions.accept(w.applicant, approval)
    approval = actions.review(w.origin_bureau, actions.accept(w.origin_bureau, approval))
    with pytest.raises(Forbidden) as e:  # the origin bureau does not write the reply
        actions.record_reply(w.origin_bureau, approval, agree=True)
    assert e.value.code == "approvals.not_destination_bureau"
    with pytest.raises(NotFound):
        actions.record_reply(w.other_bureau, approval, agree=True)
    with pytest.raises(Forbidden) as e:  # the receiver is a party, not the applicant
        actions.withdraw(w.receiver_user, approval)
    assert e.value.code == "approvals.not_applicant"
    assert not AuditEvent.objects.filter(action="approvals.approval.reply").exists()


def test_withdraw_closes_the_open_step(w):
    approval = actions.accept(w.origin_bureau, submitted(w))
    approval = actions.withdraw(w.applicant, approval, reason="改为省内处置")
    assert approval.status == ApprovalStatus.WITHDRAWN
    assert steps(approval)[-1][0] == StepKind.REVIEW and steps(approval)[-1][3] == "withdrawn"
    with pytest.raises(Conflict) as e:
        actions.withdraw(w.applicant, approval)
    assert e.value.code == "approvals.not_withdrawable"


def test_stale_version_is_refused(w):
    approval = submitted(w)
    with pytest.raises(Conflict) as e:
        actions.accept(w.origin_bureau, approval, version=approval.version - 1)
    assert e.value.code == "stale_version"
