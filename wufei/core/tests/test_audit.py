"""The audit chain: every change, deletion or reordering of a row is detected."""

from __future__ import annotations

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from wufei.core import audit
from wufei.core.models import AuditEvent, AuditHead, User

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def bypass_append_only():
    """What an attacker with database access would do: switch the guard trigger off."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        else:
            cur.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
    try:
        yield
    finally:
        # The test's transaction is rolled back afterwards, which restores the trigger too.
        pass


def _events(n: int = 5) -> list[AuditEvent]:
    actor = User.objects.create_user("auditor", password="x-very-long-password")
    out = []
    with transaction.atomic():
        for i in range(n):
            out.append(
                audit.record(
                    actor=actor,
                    action="test.thing.update",
                    object_type="test.thing",
                    object_id=i,
                    object_repr=f"thing {i}",
                    before={"n": i},
                    after={"n": i + 1},
                    organization_id=7,
                    region_prefix="3306",
                    reason="测试",
                )
            )
    return out


def test_chain_links_and_verifies():
    events = _events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == audit.GENESIS
    for prev, cur in zip(events, events[1:], strict=False):
        assert cur.prev_hash == prev.hash
    assert audit.verify() is None
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (5, events[-1].hash)
    call_command("verify_audit")


def test_record_outside_transaction_is_refused():
    with pytest.raises(RuntimeError):
        # pytest-django wraps the test in a transaction; leave it to test the guard.
        connection.in_atomic_block, saved = False, connection.in_atomic_block
        try:
            audit.record(actor=None, action="x", object_type="t", object_id=1)
        finally:
            connection.in_atomic_block = saved


def test_database_refuses_update():
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(reason="changed")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_refuses_delete():
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()


def test_changed_row_is_detected_and_named():
    events = _events(5)
    with bypass_append_only():
        AuditEvent.objects.filter(pk=events[2].pk).update(after={"n": 999})
    problem = audit.verify()
    assert problem is not None and problem.seq == 3 and "changed" in problem.problem
    with pytest.raises(CommandError, match="seq=3"):
        call_command("verify_audit")


def test_changed_hash_is_detected_at_the_next_row():
    events = _events(5)
    with bypass_append_only():
        # Rewrite row 3 *and* its hash consistently: the next row's prev_hash no longer matches.
        e = AuditEvent.objects.get(pk=events[2].pk)
        e.reason = "forged"
        e.hash = audit.compute_hash(e)
        AuditEvent.objects.filter(pk=e.pk).update(reason="forged", hash=e.hash)
    problem = audit.verify()
    assert problem is not None and problem.seq == 4 and "prev_hash" in problem.problem


def test_deleted_row_is_detected():
    events = _events(5)
    with bypass_append_only():
        AuditEvent.objects.filter(pk=events[1].pk)._raw_delete(AuditEvent.objects.db)
    problem = audit.verify()
    assert problem is not None and problem.seq == 3


def test_deleted_last_row_is_detected():
    events = _events(5)
    with bypass_append_only():
        AuditEvent.objects.filter(pk=events[-1].pk)._raw_delete(AuditEvent.objects.db)
    problem = audit.verify()
    assert problem is not None and "head" in problem.problem


def test_reordered_rows_are_detected():
    events = _events(5)
    a, b = events[1], events[3]
    with bypass_append_only():
        # Swap the sequence numbers of two rows (a reordering of the log).
        AuditEvent.objects.filter(pk=a.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
        AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    problem = audit.verify()
    assert problem is not None and problem.seq == 2


def test_record_many_continues_the_chain():
    _events(2)
    with transaction.atomic():
        n = audit.record_many(
            [
                {"actor": "system:test", "action": "test.bulk", "object_type": "t", "object_id": i}
                for i in range(10)
            ]
        )
    assert n == 10
    assert AuditEvent.objects.count() == 12
    assert audit.verify() is None
    assert AuditEvent.objects.get(seq=3).actor_repr == "system:test"


def test_rolled_back_action_leaves_no_event():
    _events(1)
    with pytest.raises(ValueError), transaction.atomic():
        audit.record(actor=None, action="test.fail", object_type="t", object_id=1)
        raise ValueError("the action failed after writing")
    assert AuditEvent.objects.count() == 1
    assert AuditHead.objects.get(pk=1).seq == 1
    assert audit.verify() is None


def test_snapshot_and_diff():
    user = User.objects.create_user("snap", password="x-very-long-password", display_name="张三")
    snap = audit.snapshot(user, fields=["username", "display_name", "date_joined"])
    assert snap["display_name"] == "张三" and isinstance(snap["date_joined"], str)
    before, after = audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert before == {"b": 2} and after == {"b": 3}
