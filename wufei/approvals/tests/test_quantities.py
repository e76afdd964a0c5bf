"""Drawing on an approval (the API the manifests app calls): find, check, draw, release."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connections, transaction

from wufei.approvals import actions
from wufei.approvals.models import ApprovalLine
from wufei.catalog.testing import load_reference_data_for_tests
from wufei.core import audit
from wufei.core.errors import ValidationFailed
from wufei.core.models import AuditEvent
from wufei.registry.models import PermitStatus
from wufei.registry.tests.factories import OrganizationFactory

from .conftest import NOW
from .factories import approved, submitted, transfer_world

D = dt.date
ON = D(2026, 4, 1)


def refused(approval, code="900-249-08", method="R9", tonnes="1", on=ON) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as e:
        actions.check_available(approval, code, method, tonnes, on)
    assert e.value.field == "approval"
    return e.value


@pytest.mark.django_db
def test_find_and_check(w):
    approval = approved(w)
    assert actions.find_valid_approval(w.producer, w.receiver, w.oil, w.r9, ON) == approval
    assert actions.find_valid_approval(w.producer, w.receiver, "900-249-08", "R9", ON) == approval
    # another method, another receiver, before the validity: nothing
    assert actions.find_valid_approval(w.producer, w.receiver, w.oil, w.d10, ON) is None
    other = OrganizationFactory(is_receiver=True, region=w.jiangsu)
    assert actions.find_valid_approval(w.producer, other, w.oil, w.r9, ON) is None
    assert actions.find_valid_approval(w.producer, w.receiver, w.oil, w.r9, D(2026, 3, 1)) is None
    actions.check_available(approval, w.oil, w.r9, Decimal("100"), ON)  # all of it: fine
    assert refused(None).code == "approvals.none"
    assert refused(approval, on=D(2027, 3, 16)).code == "approvals.not_valid_on_date"
    e = refused(approval, method="D10")
    assert e.code == "approvals.not_covered" and "new application" in str(e.message)
    assert refused(approval, code="900-041-49", method="R9").code == "approvals.not_covered"
    e = refused(approval, tonnes="100.0001")
    assert e.code == "approvals.quantity_exceeded"
    assert e.details["remaining_tonnes"] == "100.0000"
    assert refused(approval, tonnes="0").code == "approvals.tonnes_invalid"
    w.permit.status = PermitStatus.REVOKED
    w.permit.save()
    approval.refresh_from_db()
    assert refused(approval).code == "approvals.permit_expired"
    assert actions.find_valid_approval(w.producer, w.receiver, w.oil, w.r9, ON) is None


@pytest.mark.django_db
def test_permit_expiry_is_checked_on_the_day(reference_data, clock):
    w = transfer_world(permit_until=D(2026, 6, 30))
    approval = approved(w)
    assert approval.valid_until == D(2026, 6, 30)  # clipped to the permit at the decision
    w.permit.valid_until = D(2026, 5, 31)  # the bureau shortened the permit afterwards
    w.permit.save()
    approval.refresh_from_db()
    e = refused(approval, on=D(2026, 6, 15))
    assert e.code == "approvals.permit_expired"


@pytest.mark.django_db
def test_not_approved_is_refused(w):
    approval = submitted(w)
    e = refused(approval)
    assert e.code == "approvals.not_approved" and e.details == {"status": "submitted"}


@pytest.mark.django_db
def test_draw_and_release(w):
    approval = approved(w)
    with transaction.atomic():
        line = actions.draw(w.applicant, approval, w.oil, w.r9, "60", on_date=ON)
    line.refresh_from_db()
    assert line.used_tonnes == Decimal("60") and line.remaining_tonnes == Decimal("40")
    with pytest.raises(ValidationFailed) as e, transaction.atomic():
        actions.draw(w.applicant, approval, w.oil, w.r9, "40.5", on_date=ON)
    assert e.value.code == "approvals.quantity_exceeded"
    with pytest.raises(ValidationFailed) as e, transaction.atomic():
        actions.draw(w.applicant, approval, w.oil, w.d10, "1", on_date=ON)
    assert e.value.code == "approvals.not_covered"
    with pytest.raises(ValidationFailed) as e, transaction.atomic():
        actions.draw(w.applicant, approval, "900-041-49", "R9", "1", on_date=ON)
    assert e.value.code == "approvals.not_covered"
    with transaction.atomic():
        actions.draw(w.applicant, approval, "900-249-08", "R9", "40", on_date=ON)
    with transaction.atomic():
        actions.release(w.receiver_user, approval, w.oil, w.r9, "10")
    line.refresh_from_db()
    assert line.used_tonnes == Decimal("90")
    with pytest.raises(ValidationFailed) as e, transaction.atomic():
        actions.release(w.applicant, approval, w.oil, w.r9, "90.0001")
    assert e.value.code == "approvals.release_exceeds_used"
    events = AuditEvent.objects.filter(
        action__in=["approvals.approval.draw", "approvals.approval.release"]
    )
    assert [
        (e.action.rsplit(".", 1)[1], e.after["tonnes"], e.after["used_tonnes"])
        for e in events.order_by("seq")
    ] == [
        ("draw", "60.0000", "60.0000"),
        ("draw", "40.0000", "100.0000"),
        ("release", "10.0000", "90.0000"),
    ]
    assert audit.verify() is None


@pytest.mark.django_db
def test_the_database_refuses_a_line_used_beyond_its_quantity(w):
    approval = approved(w)
    line = approval.lines.get(waste_code__code="900-249-08")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalLine.objects.filter(pk=line.pk).update(used_tonnes=Decimal("100.0001"))


@pytest.mark.django_db(transaction=True)
def test_parallel_draws_never_exceed_the_quantity():
    """Eight manifests draw 30 t each on a 100 t line at the same moment: three succeed."""
    from wufei.plans.tests.clock import frozen

    load_reference_data_for_tests()
    with frozen(NOW):
        w = transfer_world()
        approval = approved(w)
    with pytest.raises(RuntimeError):  # only inside the caller's transaction
        actions.draw(w.applicant, approval, w.oil, w.r9, "1", on_date=ON)
    results: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work() -> None:
        try:
            start.wait()
            with transaction.atomic():
                actions.draw(w.applicant, approval, "900-249-08", "R9", "30", on_date=ON)
            outcome = "ok"
        except ValidationFailed as exc:
            outcome = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["approvals.quantity_exceeded"] * 5 + ["ok"] * 3
    line = ApprovalLine.objects.get(approval=approval, waste_code__code="900-249-08")
    assert line.used_tonnes == Decimal("90")
    assert AuditEvent.objects.filter(action="approvals.approval.draw").count() == 3


@pytest.mark.django_db
def test_draw_without_a_date_checks_only_that_the_approval_has_not_expired(w):
    from wufei.plans.tests.clock import SHANGHAI, frozen

    approval = approved(w)  # valid 2026-03-16 … 2027-03-15; today is 2026-03-02
    with transaction.atomic():  # a manifest planned for a day in the validity, drawn today
        actions.draw(w.applicant, approval, w.oil, w.r9, "5")
    with frozen(dt.datetime(2027, 3, 16, 9, tzinfo=SHANGHAI)):
        with pytest.raises(ValidationFailed) as e, transaction.atomic():
            actions.draw(w.applicant, approval, w.oil, w.r9, "5")
        assert e.value.code == "approvals.not_valid_on_date"
        with transaction.atomic():  # giving back is allowed after the validity
            actions.release(w.applicant, approval, w.oil, w.r9, "5")
    assert approval.lines.get(waste_code__code="900-249-08").used_tonnes == 0
