"""``publish``: what every domain app calls after its action commits (通知与事件推送).

::

    from wufei.core.actions import after_commit
    from wufei.notifications.service import publish

    after_commit(lambda: publish(
        "manifest.submitted",
        organizations=[m.shipper_id, m.receiver_id, m.carrier_id],
        title=_("Manifest %(number)s submitted") % {"number": m.number},
        body=..., url=reverse("manifests:detail", args=[m.number]),
        payload={"number": m.number, "status": m.status},
        obj=m,
    ))

One call writes, in one transaction: an in-app notification for each active administrator and
member of those organisations (drivers too with ``include_drivers``; ``users`` adds named
members of any role), and a webhook delivery for each of their active endpoints subscribed to
the event. After that commits it hands the e-mails and the deliveries to Celery tasks (inline
without a broker). The delivery rows are the outbox: if the broker is down they stay
``pending`` and the periodic ``deliver_due`` task sends them later.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation

from wufei.core.permissions import ADMIN, DRIVER, MEMBER
from wufei.registry.models import Membership, Organization

from . import events
from .models import DeliveryStatus, Notification, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reference:
    """What an event is about: a model row (type + id) or just a label."""

    content_type: ContentType | None = None
    object_id: str = ""
    label: str = ""

    def as_json(self) -> dict[str, Any] | None:
        if self.content_type is None and not self.label:
            return None
        return {
            "type": (
                f"{self.content_type.app_label}.{self.content_type.model}"
                if self.content_type
                else None
            ),
            "id": self.object_id or None,
            "label": self.label,
        }


@dataclass
class Published:
    """What one ``publish`` wrote (ids), for callers that want to log it and for tests."""

    event: str
    event_id: uuid.UUID
    notifications: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)


def reference(obj: Any) -> Reference:
    if obj is None:
        return Reference()
    if isinstance(obj, models.Model):
        return Reference(
            ContentType.objects.get_for_model(type(obj)), str(obj.pk or ""), str(obj)[:200]
        )
    return Reference(label=str(obj)[:200])


def _org_ids(organizations: Iterable[Any]) -> list[int]:
    seen: list[int] = []
    for org in organizations or ():
        pk = org.pk if isinstance(org, Organization) else org
        if pk is not None and int(pk) not in seen:
            seen.append(int(pk))
    return seen


def _text(value: Any, limit: int | None = None) -> str:
    """Lazy texts are rendered in the platform's language (notifications are stored once)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(value or "")
    return text[:limit] if limit else text


def json_safe(payload: Any) -> Any:
    """Dates, decimals and UUIDs as strings (as the API writes them)."""
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _recipients(org_ids: list[int], roles: set[str], users: Iterable[int]) -> list[tuple[int, int]]:
    """(user id, organisation id) once per user, the organisation being the first listed."""
    extra = [int(u) for u in users or ()]
    rows = (
        Membership.objects.filter(
            organization_id__in=org_ids,
            is_active=True,
            organization__is_active=True,
            user__is_active=True,
        )
        .filter(Q(role__in=roles) | Q(user_id__in=extra))
        .values_list("user_id", "organization_id")
    )
    rank = {org: i for i, org in enumerate(org_ids)}
    chosen: dict[int, int] = {}
    for user_id, org_id in sorted(rows, key=lambda r: (rank[r[1]], r[0])):
        chosen.setdefault(user_id, org_id)
    return sorted(chosen.items())


def create_notifications(
    event: str,
    event_id: uuid.UUID,
    org_ids: list[int],
    *,
    roles: set[str],
    users: Iterable[int] = (),
    title: Any,
    body: Any = "",
    url: str = "",
    ref: Reference | None = None,
) -> list[int]:
    ref = ref or Reference()
    rows = [
        Notification(
            recipient_id=user_id,
            organization_id=org_id,
            event=event,
            event_id=event_id,
            title=_text(title, 200),
            body=_text(body),
            url=str(url or "")[:500],
            content_type=ref.content_type,
            object_id=ref.object_id,
            object_label=ref.label,
        )
        for user_id, org_id in _recipients(org_ids, roles, users)
    ]
    return [n.pk for n in Notification.objects.bulk_create(rows)]


def envelope(
    event: str,
    event_id: uuid.UUID,
    at: Any,
    organization: Organization,
    ref: Reference,
    data: Any,
) -> dict[str, Any]:
    """The JSON body of a delivery (docs/webhooks.md)."""
    return {
        "id": str(event_id),
        "event": event,
        "created_at": timezone.localtime(at).isoformat(),
        "organization": {"uscc": organization.uscc, "name": organization.name},
        "object": ref.as_json(),
        "data": data,
    }


def create_deliveries(
    event: str, event_id: uuid.UUID, org_ids: list[int], ref: Reference, data: Any
) -> list[int]:
    now = timezone.now()
    endpoints = WebhookEndpoint.objects.filter(
        organization_id__in=org_ids, is_active=True
    ).select_related("organization")
    rows = [
        WebhookDelivery(
            endpoint=ep,
            event=event,
            event_id=event_id,
            payload=envelope(event, event_id, now, ep.organization, ref, data),
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
        )
        for ep in endpoints
        if events.matches(ep.events, event)
    ]
    return [d.pk for d in WebhookDelivery.objects.bulk_create(rows)]


def dispatch(notification_ids: list[int], delivery_ids: list[int]) -> None:
    """Hand e-mails and deliveries to the tasks. A broker that is down loses no delivery: the
    rows stay pending for ``deliver_due``."""
    from . import tasks

    if notification_ids:
        try:
            tasks.send_emails.delay(notification_ids)
        except Exception:  # noqa: BLE001 - never fail the caller's committed action
            log.exception("notifications: e-mails for %d notifications", len(notification_ids))
    for pk in delivery_ids:
        try:
            tasks.deliver.delay(pk)
        except Exception:  # noqa: BLE001
            log.exception("webhooks: dispatch of delivery %s failed; deliver_due retries it", pk)


def publish(
    event: str,
    *,
    organizations: Iterable[Any],
    title: Any,
    body: Any = "",
    url: str = "",
    payload: dict[str, Any] | None = None,
    obj: Any = None,
    include_drivers: bool = False,
    users: Iterable[int] = (),
    email: bool = True,
    webhooks: bool = True,
) -> Published:
    """Notify the members of ``organizations`` and send the event to their webhooks.

    Call it after the action's transaction commits (``after_commit(lambda: publish(...))``).
    ``organizations``: ids or ``Organization`` rows; ``users``: more recipients (user ids),
    who must be active members of one of them (any role); ``obj``: the model row the event is
    about, or a plain label; ``payload``: the event's data for webhooks (JSON-able; dates and
    decimals become strings).
    """
    events.check_name(event)
    org_ids = _org_ids(organizations)
    ref = reference(obj)
    data = json_safe(payload)
    roles = {ADMIN, MEMBER} | ({DRIVER} if include_drivers else set())
    result = Published(event=event, event_id=uuid.uuid4())
    if not org_ids:
        return result
    with transaction.atomic():
        result.notifications = create_notifications(
            event,
            result.event_id,
            org_ids,
            roles=roles,
            users=users,
            title=title,
            body=body,
            url=url,
            ref=ref,
        )
        if webhooks:
            result.deliveries = create_deliveries(event, result.event_id, org_ids, ref, data)
        mails = result.notifications if email else []
        deliveries = list(result.deliveries)
        transaction.on_commit(lambda: dispatch(mails, deliveries))
    return result


def notify_admins(
    event: str,
    organization_id: int,
    *,
    title: Any,
    body: Any = "",
    url: str = "",
    obj: Any = None,
) -> list[int]:
    """An in-app notification (and e-mail) to the organisation's administrators only, without
    webhooks (e.g. "your endpoint was disabled")."""
    event_id = uuid.uuid4()
    with transaction.atomic():
        ids = create_notifications(
            event,
            event_id,
            [organization_id],
            roles={ADMIN},
            title=title,
            body=body,
            url=url,
            ref=reference(obj),
        )
        transaction.on_commit(lambda: dispatch(ids, []))
    return ids
