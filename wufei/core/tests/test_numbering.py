"""Numbering never repeats or skips, even with parallel callers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from wufei.core import numbering


@pytest.mark.django_db
def test_sequence_counts_per_scope_and_year():
    assert [numbering.next_number("manifest:3306", 2026) for _ in range(3)] == [1, 2, 3]
    assert numbering.next_number("manifest:3301", 2026) == 1
    assert numbering.next_number("manifest:3306", 2027) == 1
    assert numbering.peek("manifest:3306", 2026) == 3
    assert numbering.peek("nothing", 2026) == 0


@pytest.mark.django_db
def test_rolled_back_number_is_not_consumed():
    numbering.next_number("s", 2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert numbering.next_number("s", 2026) == 2
        raise RuntimeError("the record carrying the number failed")
    assert numbering.next_number("s", 2026) == 2


def test_format_serial():
    assert numbering.format_serial("20263306", 42, 6) == "20263306000042"
    with pytest.raises(OverflowError):
        numbering.format_serial("20263306", 1_000_000, 6)


def _hammer(scope: str, workers: int, per_worker: int) -> list[int]:
    results: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work() -> None:
        try:
            start.wait()
            mine = [numbering.next_number(scope, 2026) for _ in range(per_worker)]
            with lock:
                results.extend(mine)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_callers_get_distinct_contiguous_numbers():
    """Runs on SQLite (IMMEDIATE transactions) in the default run and on PostgreSQL in CI."""
    workers, per = 8, 25
    got = _hammer(f"parallel:{connection.vendor}", workers, per)
    assert sorted(got) == list(range(1, workers * per + 1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_first_use_on_postgres():
    """Many workers race to create the same new counter row: still no repeat, no gap."""
    assert connection.vendor == "postgresql"
    for round_ in range(5):
        got = _hammer(f"fresh-scope-{round_}", 10, 5)
        assert sorted(got) == list(range(1, 51))


@pytest.mark.django_db
def test_next_block_reserves_contiguous_numbers_without_gaps():
    assert numbering.next_block("block:a", 2026, 3) == range(1, 4)
    assert numbering.next_number("block:a", 2026) == 4
    assert numbering.next_block("block:a", 2026, 5) == range(5, 10)
    assert numbering.peek("block:a", 2026) == 9
    with pytest.raises(ValueError):
        numbering.next_block("block:a", 2026, 0)


@pytest.mark.django_db
def test_rolled_back_block_is_not_consumed():
    numbering.next_block("block:b", 2026, 2)
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.next_block("block:b", 2026, 100)
        raise RuntimeError("boom")
    assert numbering.next_block("block:b", 2026, 1) == range(3, 4)
