"""Event names (事件) and webhook subscriptions.

An event name is ``<subject>.<verb>`` in lower case, e.g. ``manifest.submitted``. The list is
open: a domain app publishes whatever events it needs and may register their labels here
(``register("manifest.submitted", _("Manifest submitted"))``, from its ``AppConfig.ready``) so
that the webhook page can list them. An endpoint subscribes to ``["*"]`` (everything), to
exact names, or to a family (``"manifest.*"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from wufei.core.errors import ValidationFailed

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
FAMILY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.\*$")
ALL = "*"
TEST_EVENT = "webhook.test"
ENDPOINT_DISABLED = "webhook.endpoint_disabled"
MAX_SUBSCRIPTIONS = 100

_known: dict[str, Any] = {}


def register(name: str, label: Any) -> None:
    """Make an event known (for the webhook page's list); publishing does not require it."""
    if not NAME.match(name):
        raise ValueError(f"bad event name {name!r}: expected e.g. 'manifest.submitted'")
    _known[name] = label


def known() -> list[tuple[str, Any]]:
    return sorted(_known.items())


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name) or len(name) > 100:
        raise ValueError(f"bad event name {name!r}: expected e.g. 'manifest.submitted'")
    return name


def matches(subscriptions: Iterable[str], event: str) -> bool:
    """Does an endpoint subscribed to ``subscriptions`` receive ``event``?"""
    for sub in subscriptions or ():
        if sub in (ALL, event):
            return True
        if sub.endswith(".*") and event.startswith(sub[:-1]):
            return True
    return False


def clean_subscriptions(value: Any) -> list[str]:
    """``"*"``, ``"manifest.submitted, manifest.received"`` or a list → a sorted list of names."""
    if isinstance(value, str):
        items = [p.strip() for p in re.split(r"[\s,，;；]+", value) if p.strip()]
    elif isinstance(value, list | tuple):
        items = [str(p).strip() for p in value if str(p).strip()]
    else:
        items = []
    if not items:
        raise ValidationFailed(
            _("Choose the events to send: * for all, or event names such as manifest.submitted."),
            code="notifications.events_required",
            field="events",
        )
    bad = [p for p in items if p != ALL and not (NAME.match(p) or FAMILY.match(p))]
    if bad or len(items) > MAX_SUBSCRIPTIONS or any(len(p) > 100 for p in items):
        raise ValidationFailed(
            _("%(value)s is not an event name (e.g. manifest.submitted or manifest.*).")
            % {"value": (bad or items)[0]},
            code="notifications.event_invalid",
            field="events",
        )
    if ALL in items:
        return [ALL]
    return sorted(set(items))
