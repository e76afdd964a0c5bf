"""Numbering (编号): a concurrency-safe counter per scope and year.

``next_number("manifest:3306", 2026)`` returns 1, 2, 3… and never repeats or skips, whatever
the number of parallel callers: the increment is a single ``UPDATE … SET last = last + 1`` whose
row lock (PostgreSQL) or write lock (SQLite, IMMEDIATE transactions) is held until the caller's
transaction ends. If the caller's transaction rolls back, the number is not consumed either, so
a number is only ever issued together with the record that carries it. See docs/numbering.md.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Sequence


def next_number(scope: str, year: int) -> int:
    if not scope or len(scope) > 100:
        raise ValueError("scope must be 1–100 characters")
    with transaction.atomic():
        updated = Sequence.objects.filter(scope=scope, year=year).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    Sequence.objects.create(scope=scope, year=year, last=1)
                return 1
            except IntegrityError:
                # Another caller created the row first: take the next number after theirs.
                Sequence.objects.filter(scope=scope, year=year).update(last=F("last") + 1)
        return Sequence.objects.values_list("last", flat=True).get(scope=scope, year=year)


def next_block(scope: str, year: int, n: int) -> range:
    """Reserve ``n`` consecutive numbers at once (bulk imports): ``range(first, last + 1)``.

    Same guarantees as :func:`next_number` — one ``UPDATE … SET last = last + n`` under the
    caller's transaction: no repeats, no gaps, and a rollback consumes nothing.
    """
    if not scope or len(scope) > 100:
        raise ValueError("scope must be 1–100 characters")
    if n < 1:
        raise ValueError("n must be at least 1")
    with transaction.atomic():
        updated = Sequence.objects.filter(scope=scope, year=year).update(last=F("last") + n)
        if not updated:
            try:
                with transaction.atomic():
                    Sequence.objects.create(scope=scope, year=year, last=n)
                return range(1, n + 1)
            except IntegrityError:
                Sequence.objects.filter(scope=scope, year=year).update(last=F("last") + n)
        last = Sequence.objects.values_list("last", flat=True).get(scope=scope, year=year)
        return range(last - n + 1, last + 1)


def peek(scope: str, year: int) -> int:
    """The last number issued (0 if none), for display only."""
    return (
        Sequence.objects.filter(scope=scope, year=year).values_list("last", flat=True).first() or 0
    )


def format_serial(prefix: str, number: int, width: int) -> str:
    """``format_serial("20263306", 42, 6)`` → ``"20263306000042"``; refuses an overflow."""
    text = str(number)
    if len(text) > width:
        raise OverflowError(f"serial {number} does not fit in {width} digits")
    return f"{prefix}{text.zfill(width)}"
