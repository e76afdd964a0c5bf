"""Tasks run inline without a broker, and through Redis with one (the real server)."""

from __future__ import annotations

import socket

import pytest
from django.db import transaction

from wufei.celery import app
from wufei.core import audit
from wufei.core.tasks import verify_audit_chain


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.django_db
def test_inline_without_broker():
    assert app.conf.task_always_eager is True  # CELERY_BROKER_URL is not set in tests
    with transaction.atomic():
        audit.record(actor=None, action="test.x", object_type="t", object_id=1)
    assert verify_audit_chain.delay().get() is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_through_redis_with_a_worker():
    """A worker on the real Redis runs the same task function the inline mode runs."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    redis_app = Celery(
        "wufei-test", broker="redis://127.0.0.1:6379/15", backend="redis://127.0.0.1:6379/15"
    )
    redis_app.conf.task_always_eager = False
    task = redis_app.tasks[
        "wufei.core.tasks.verify_audit_chain"
    ]  # the shared task, bound to this app
    with transaction.atomic():
        audit.record(actor=None, action="test.y", object_type="t", object_id=2)
    with start_worker(redis_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        result = task.delay()
        assert result.get(timeout=20) is None
        assert result.successful()
