"""Freeze the clock without a dependency: ``with frozen(datetime): …`` patches
``django.utils.timezone.now`` (used by the actions, the audit log and auto_now fields)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from unittest import mock

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@contextlib.contextmanager
def frozen(when: dt.datetime) -> Iterator[dt.datetime]:
    with mock.patch("django.utils.timezone.now", return_value=when.astimezone(dt.UTC)):
        yield when
