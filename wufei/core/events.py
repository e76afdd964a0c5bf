"""Domain events between apps, explicit and after commit (not Django signals).

A domain app *emits* what happened (``emit("manifest.received", manifest_id=…)``) after its
transaction commits; apps that must react (supervision raises warnings) *subscribe* by event
name. Layers stay one-way: the emitter never imports its subscribers. A failing subscriber is
logged and does not break the emitter's step, which has already committed; the scheduled scan
of the same rule catches the fact later (rules never raise the same warning twice).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[..., Any]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(*events: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for event in events:
            if fn not in _handlers[event]:
                _handlers[event].append(fn)
        return fn

    return register


def emit(event: str, **payload: Any) -> None:
    for fn in list(_handlers.get(event, ())):
        try:
            fn(event=event, **payload)
        except Exception:  # noqa: BLE001 - a subscriber never breaks the emitter
            log.exception("event handler %s failed for %s", getattr(fn, "__name__", fn), event)


def handlers(event: str) -> list[Handler]:
    return list(_handlers.get(event, ()))
