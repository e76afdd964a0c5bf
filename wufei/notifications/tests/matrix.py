"""The notifications app's rows of the permission matrix (core/tests/test_permission_matrix.py).

A notification is addressed to ``owner_member`` of organisation A: only the recipient (and a
platform administrator, for support) sees it and marks it read; nobody adds one (``publish``
does). Webhook endpoints and their deliveries are A's administrators' business; regulators do
not see them (they hold an organisation's integration settings, not supervision data).
"""

from __future__ import annotations

import uuid
from typing import Any

from wufei.core.tests.matrix_world import ADMIN, NOBODY, World, _saved

A_ADMIN = ADMIN | {"owner_admin"}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "notifications.notification": {
        "view": ADMIN | {"owner_member"},
        "add": NOBODY,
        "change": ADMIN | {"owner_member"},
    },
    "notifications.webhookendpoint": {"view": A_ADMIN, "add": A_ADMIN, "change": A_ADMIN},
    "notifications.webhookdelivery": {"view": A_ADMIN, "add": NOBODY, "change": A_ADMIN},
}


def _endpoint(w: World) -> Any:
    from wufei.notifications.models import WebhookEndpoint

    return WebhookEndpoint(
        organization=w.a, url="https://erp.example.com/hook", secret="whsec_x", events=["*"]
    )


def _notification(w: World) -> Any:
    from wufei.notifications.models import Notification

    return Notification(
        recipient=w.users["owner_member"],
        organization=w.a,
        event="manifest.submitted",
        event_id=uuid.uuid4(),
        title="联单已提交",
    )


def _delivery(w: World) -> Any:
    from wufei.notifications.models import WebhookDelivery

    return WebhookDelivery(
        endpoint=_saved(_endpoint(w)),
        event="manifest.submitted",
        event_id=uuid.uuid4(),
        payload={"event": "manifest.submitted"},
    )


BUILDERS = {
    "notifications.notification": _notification,
    "notifications.webhookendpoint": _endpoint,
    "notifications.webhookdelivery": _delivery,
}
