"""Reliability of the manifest steps under real concurrency, on PostgreSQL only.

Each test runs real threads, each with its own database connection, started together at a
barrier, against committed data (``transaction=True``: no test transaction hides a lock or a
rollback). SQLite serialises every writer at BEGIN IMMEDIATE, so these races cannot happen
there: the tests are marked ``postgres`` and skipped unless DATABASE_URL is PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from wufei.core.errors import Conflict
from wufei.core.models import AuditEvent, IdempotencyRecord
from wufei.manifests import actions, signing
from wufei.manifests.models import (
    ItemStatus,
    Manifest,
    ManifestLine,
    ManifestStatus,
    Signature,
)
from wufei.registry.tests.factories import member_of

from .factories import stored_container

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")


@pytest.fixture
def slow_signing(monkeypatch):
    """Widen the race window: computing the signed content takes 0.3 s, so the twin request
    surely arrives while the first is inside its transaction (the real code, just slower)."""
    real = signing.content_sha256

    def slow(manifest: Manifest) -> str:
        time.sleep(0.3)
        return real(manifest)

    monkeypatch.setattr(signing, "content_sha256", slow)


def race(*jobs: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the jobs at the same moment, each in its own thread and connection.
    Returns ("ok", result) or ("error", exception) per job, in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, Any]] = [("none", None)] * len(jobs)

    def run(n: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = ("ok", job())
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            results[n] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def _submitted(trip: Any) -> Manifest:
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    return actions.submit(trip.shipper_user, m)


def _loaded(trip: Any) -> Manifest:
    m = _submitted(trip)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    return actions.sign_handover(trip.shipper_user, m)


def _arrived(trip: Any) -> Manifest:
    m = actions.sign_pickup(trip.driver_user, _loaded(trip))
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    return Manifest.objects.get(pk=m.pk)


def test_two_receiver_users_accept_at_once_one_signature(trip, slow_signing):
    """(a) Two people of the receiver press 签收 at the same moment, through the API."""
    m = _arrived(trip)
    colleague = member_of(trip.receiver)

    def accept(user: Any) -> Callable[[], Any]:
        def job() -> Any:
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            client.force_authenticate(user)
            return client.post(f"/api/v1/manifests/{m.pk}/sign-receipt/", {}, format="json")

        return job

    results = race(accept(trip.receiver_user), accept(colleague))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    codes = sorted(r.status_code for _, r in results)
    assert codes == [200, 409], [(r.status_code, r.content) for _, r in results]
    loser = next(r for _, r in results if r.status_code == 409)
    assert loser.data["code"] in {
        "manifests.not_arrived",
        "manifests.already_signed",
        "manifests.concurrent_change",
    }
    assert loser.data["message"] and loser.data["field"] == "status"
    assert Signature.objects.filter(manifest=m, step="receipt").count() == 1
    assert Manifest.objects.get(pk=m.pk).status == ManifestStatus.RECEIVED
    assert AuditEvent.objects.filter(action="manifests.manifest.receipt").count() == 1


def test_double_submitted_pickup_one_signature(trip, slow_signing):
    """(b) The driver's phone sends the pickup twice at once (double tap, retry)."""
    m = _loaded(trip)
    results = race(
        lambda: actions.sign_pickup(trip.driver_user, m),
        lambda: actions.sign_pickup(trip.driver_user, m),
    )
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    error = next(x for kind, x in results if kind == "error")
    assert isinstance(error, Conflict), repr(error)
    assert error.code in {"manifests.not_loadable", "manifests.already_signed"}
    assert Signature.objects.filter(manifest=m, step="pickup").count() == 1
    fresh = Manifest.objects.get(pk=m.pk)
    assert fresh.status == ManifestStatus.IN_TRANSIT
    assert AuditEvent.objects.filter(action="manifests.manifest.pickup").count() == 1


def test_parallel_submits_numbers_without_duplicates_or_gaps(trip):
    """(c) 8 workers submit manifests of the same city at once: serials 1..N exactly."""
    workers, per_worker = 8, 4
    drafts: list[list[int]] = []
    n = 100
    for _ in range(workers):
        mine = []
        for _ in range(per_worker):
            n += 1
            box = stored_container(trip.producer, n)
            one = dataclasses.replace(trip, containers=[box])
            mine.append(actions.create_draft(trip.shipper_user, **one.draft_data()).pk)
        drafts.append(mine)

    def submit_all(pks: list[int]) -> Callable[[], list[str]]:
        def job() -> list[str]:
            return [
                actions.submit(trip.shipper_user, Manifest.objects.get(pk=pk)).number or ""
                for pk in pks
            ]

        return job

    results = race(*(submit_all(pks) for pks in drafts))
    assert all(kind == "ok" for kind, _ in results), results
    numbers = [number for _, got in results for number in got]
    total = workers * per_worker
    assert len(numbers) == len(set(numbers)) == total
    assert {x[:8] for x in numbers} == {"20263306"}  # year, province 33, city 06
    assert sorted(int(x[8:]) for x in numbers) == list(range(1, total + 1))
    stored = Manifest.objects.exclude(number=None).values_list("number", flat=True)
    assert sorted(stored) == sorted(numbers)


def test_failure_in_the_middle_of_a_receipt_leaves_nothing_half_written(trip, monkeypatch):
    """(d) The platform signature fails after the lines and containers were written: the
    whole receipt rolls back (lines, containers, status, version, audit, signature)."""
    m = _arrived(trip)
    refused = trip.containers[0].ident_code
    lines_before = list(ManifestLine.objects.filter(manifest=m).values())
    items_before = sorted(m.items.values_list("pk", "status", "refused", "refusal_reason"))
    audit_before = AuditEvent.objects.count()

    def broken(data: bytes) -> str:
        # The receipt's lines are written (in this transaction) when the signature fails.
        assert ManifestLine.objects.filter(manifest=m, outcome="partly_refused").exists()
        raise RuntimeError("HSM unavailable")

    monkeypatch.setattr("wufei.manifests.signing.countersign", broken)
    with pytest.raises(RuntimeError, match="HSM unavailable"):
        actions.sign_receipt(
            trip.receiver_user,
            m,
            refused={refused: "包装破损"},
            lines={1: {"method": "D10", "discrepancies": ["packaging"], "note": "破损"}},
            reason="破损",
            refusal_route="return",
        )
    fresh = Manifest.objects.get(pk=m.pk)
    assert fresh.status == ManifestStatus.ARRIVED and fresh.version == m.version
    assert fresh.outcome == "" and fresh.received_at is None and not fresh.has_discrepancy
    assert list(ManifestLine.objects.filter(manifest=m).values()) == lines_before
    assert sorted(m.items.values_list("pk", "status", "refused", "refusal_reason")) == (
        items_before
    )
    assert set(m.items.values_list("status", flat=True)) == {ItemStatus.LOADED}
    assert not Signature.objects.filter(manifest=m, step="receipt").exists()
    assert AuditEvent.objects.count() == audit_before

    # With the signature working again the same receipt goes through.
    monkeypatch.undo()
    actions.sign_receipt(
        trip.receiver_user,
        m,
        refused={refused: "包装破损"},
        reason="破损",
        refusal_route="return",
    )
    assert Manifest.objects.get(pk=m.pk).outcome == "partly_refused"


def test_same_idempotency_key_at_once_runs_the_step_once(trip, slow_signing):
    """Two copies of one request (same Idempotency-Key) at the same moment: one hand-over."""
    m = _submitted(trip)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)

    def handover() -> Any:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(trip.shipper_user)
        return client.post(
            f"/api/v1/manifests/{m.pk}/sign-handover/",
            {},
            format="json",
            HTTP_IDEMPOTENCY_KEY="handover-once",
        )

    results = race(handover, handover)
    responses = [r for _, r in results]
    assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert responses[0].json() == responses[1].json()
    assert Signature.objects.filter(manifest=m, step="handover").count() == 1
    assert IdempotencyRecord.objects.filter(key="handover-once").count() == 1
