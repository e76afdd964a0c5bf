"""Webhook delivery (推送): claim a due delivery, POST it signed, record the answer.

Every attempt: claim the row (a conditional UPDATE that moves ``next_attempt_at`` past the
attempt's lease, so two workers never send the same delivery at once), POST outside any
transaction, then record the result with the endpoint row locked. Success (2xx) resets the
endpoint's failure count; a failure schedules the next attempt after
``WEBHOOK_RETRY_SECONDS`` (1 min, 5 min, 30 min, 2 h, 12 h) until ``WEBHOOK_MAX_ATTEMPTS``
(then ``abandoned``), and ``WEBHOOK_MAX_FAILURES`` failures in a row disable the endpoint
and tell the organisation's administrators. Delivery is at least once: a worker that dies
after the POST but before recording it sends again after the lease, with the same
``X-Wufei-Delivery`` id.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wufei.core import audit

from . import events, signing, transport
from .conf import conf, retry_delay
from .models import RETRYABLE, DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "system:webhooks"
SWEEP_LIMIT = 500


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(conf("WEBHOOK_TIMEOUT_SECONDS")) * 2 + 60)


def due_ids(now: dt.datetime | None = None, limit: int = SWEEP_LIMIT) -> list[int]:
    """Deliveries whose next attempt is due, on active endpoints, oldest first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=RETRYABLE, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    """Take the delivery for one attempt, or ``None`` if it is not due (or someone has it)."""
    taken = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=RETRYABLE,
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    ).update(next_attempt_at=now + _lease())
    if taken != 1:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def attempt(delivery_id: int) -> str | None:
    """One attempt at one delivery; returns its status afterwards (``None``: not due)."""
    now = timezone.now()
    delivery = claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = signing.body_bytes(delivery.payload)
    timestamp = int(now.timestamp())
    headers = signing.headers(
        delivery.event, str(delivery.event_id), endpoint.secret, timestamp, body
    )
    answer = transport.post(endpoint.url, body, headers)
    return record(delivery_id, answer)


def record(delivery_id: int, answer: transport.Answer) -> str | None:
    """Write an attempt's outcome; disable the endpoint after too many failures in a row."""
    now = timezone.now()
    with transaction.atomic():
        endpoint_id = (
            WebhookDelivery.objects.filter(pk=delivery_id)
            .values_list("endpoint_id", flat=True)
            .first()
        )
        if endpoint_id is None:
            return None  # deleted with its endpoint meanwhile
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        d = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        d.attempts += 1
        d.last_attempt_at = now
        d.last_status_code = answer.status
        if answer.ok:
            d.status = DeliveryStatus.SUCCEEDED
            d.delivered_at = now
            d.next_attempt_at = None
            d.last_error = ""
            endpoint.consecutive_failures = 0
        else:
            d.last_error = answer.error[:500] or f"HTTP {answer.status}"
            if d.attempts >= int(conf("WEBHOOK_MAX_ATTEMPTS")):
                d.status, d.next_attempt_at = DeliveryStatus.ABANDONED, None
            else:
                d.status = DeliveryStatus.FAILED
                d.next_attempt_at = now + dt.timedelta(seconds=retry_delay(d.attempts))
            endpoint.consecutive_failures += 1
        d.save()
        endpoint.save(update_fields=["consecutive_failures"])
        if (
            not answer.ok
            and endpoint.is_active
            and endpoint.consecutive_failures >= int(conf("WEBHOOK_MAX_FAILURES"))
        ):
            _disable(endpoint, d.last_error, now)
    return d.status


def _disable(endpoint: WebhookEndpoint, last_error: str, now: dt.datetime) -> None:
    """Switch a failing endpoint off (audited, as the system) and tell its administrators."""
    from .service import notify_admins

    before = audit.snapshot(endpoint, fields=["is_active", "disabled_at", "disabled_reason"])
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("%(count)d failed deliveries in a row; last error: %(error)s") % {
            "count": endpoint.consecutive_failures,
            "error": last_error,
        }
        title = _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url}
        body = _(
            "The platform stopped sending events to %(url)s after %(count)d failed deliveries "
            "in a row (last error: %(error)s). Fix the receiving system, send a test event, then "
            "enable the endpoint again; the deliveries still pending resume then."
        ) % {"url": endpoint.url, "count": endpoint.consecutive_failures, "error": last_error}
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:300]
    endpoint.version += 1
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "version"])
    org = endpoint.organization
    audit.record(
        actor=SYSTEM_ACTOR,
        action="notifications.webhookendpoint.auto_disable",
        obj=endpoint,
        before=before,
        after=audit.snapshot(endpoint, fields=["is_active", "disabled_at", "disabled_reason"]),
        organization_id=org.pk,
        region_prefix=org.region.prefix,
        reason=endpoint.disabled_reason,
    )
    url = reverse("notifications:webhook_detail", args=[endpoint.pk])
    endpoint_pk, org_pk = endpoint.pk, org.pk
    log.warning("webhooks: endpoint %s disabled: %s", endpoint_pk, reason)
    transaction.on_commit(
        lambda: notify_admins(
            events.ENDPOINT_DISABLED,
            org_pk,
            title=title,
            body=body,
            url=url,
            obj=WebhookEndpoint.objects.filter(pk=endpoint_pk).first(),
        )
    )


def deliver_due(now: Any = None) -> int:
    """Attempt every due delivery once (what the periodic task does inline)."""
    done = 0
    for pk in due_ids(now):
        if attempt(pk) is not None:
            done += 1
    return done
