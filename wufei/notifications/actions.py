"""Actions: marking notifications read, and managing webhook endpoints and deliveries.

Read marks are personal and not audited; every change to an endpoint (create, edit, enable,
disable, new secret, delete, test event) and a manual redelivery is audited. Sending happens
only after commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import after_commit, check_version, lock
from wufei.core.errors import Conflict, NotFound, ValidationFailed
from wufei.core.permissions import allows
from wufei.registry.models import Organization

from . import events, signing, transport
from .models import DeliveryStatus, Notification, WebhookDelivery, WebhookEndpoint
from .service import Reference, dispatch, envelope

FIELDS = ["organization", "url", "description", "events", "is_active", "disabled_reason"]

# --- notifications ---------------------------------------------------------------------------


def mark_read(actor: Any, notification: Notification | int) -> Notification:
    """The recipient marks one of their notifications read (again: no change)."""
    pk = notification.pk if isinstance(notification, Notification) else int(notification)
    with transaction.atomic():
        n = lock(actor, "change", Notification, pk=pk, recipient_id=getattr(actor, "pk", None))
        if n.read_at is None:
            n.read_at = timezone.now()
            n.save(update_fields=["read_at"])
    return n


def mark_all_read(actor: Any) -> int:
    """The actor marks all their unread notifications read; returns how many."""
    with transaction.atomic():
        return (
            Notification.objects.restrict(actor, "change")
            .filter(recipient_id=getattr(actor, "pk", None), read_at__isnull=True)
            .update(read_at=timezone.now())
        )


# --- webhook endpoints -------------------------------------------------------------------------


def _snapshot(ep: WebhookEndpoint) -> dict[str, Any]:
    return audit.snapshot(ep, fields=FIELDS)  # never the secret


def _record(
    actor: Any, verb: str, ep: WebhookEndpoint, before: Any, reason: str = "", *, gone: bool = False
) -> None:
    after: Any = None if gone else _snapshot(ep)
    if before is not None and after is not None:
        before, after = audit.diff(before, after)
    org = Organization.objects.select_related("region").get(pk=ep.organization_id)
    audit.record(
        actor=actor,
        action=f"notifications.webhookendpoint.{verb}",
        obj=ep,
        before=before,
        after=after,
        organization_id=org.pk,
        region_prefix=org.region.prefix,
        reason=reason,
    )


def _description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 200:
        raise ValidationFailed(
            _("Keep the description under 200 characters."),
            code="notifications.description_too_long",
            field="description",
        )
    return text


def create_endpoint(
    actor: Any,
    organization: Organization,
    *,
    url: Any,
    events: Any = ("*",),
    description: Any = "",
) -> tuple[WebhookEndpoint, str]:
    """An organisation administrator adds an endpoint; returns it and its secret (shown once)."""
    ep = WebhookEndpoint(organization=organization)
    if not allows(actor, "add", ep):
        raise NotFound(
            _("%(what)s not found.") % {"what": Organization._meta.verbose_name},
            code="not_found",
            field="organization",
        )
    ep.url = transport.check_url(url)
    ep.events = _events(events)
    ep.description = _description(description)
    ep.secret = signing.new_secret()
    ep.created_by = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        ep.save(force_insert=True)
        _record(actor, "create", ep, None)
    return ep, ep.secret


def _events(value: Any) -> list[str]:
    return events.clean_subscriptions(value)


def update_endpoint(
    actor: Any, endpoint: WebhookEndpoint, *, version: int | None = None, **changes: Any
) -> WebhookEndpoint:
    """Change the URL, the events or the description."""
    unknown = set(changes) - {"url", "events", "description"}
    if unknown:
        raise ValidationFailed(
            _("%(field)s cannot be changed here.") % {"field": sorted(unknown)[0]},
            code="notifications.field_readonly",
            field=sorted(unknown)[0],
        )
    with transaction.atomic():
        ep = lock(actor, "change", WebhookEndpoint, pk=endpoint.pk)
        check_version(ep, version)
        before = _snapshot(ep)
        if "url" in changes:
            ep.url = transport.check_url(changes["url"])
        if "events" in changes:
            ep.events = _events(changes["events"])
        if "description" in changes:
            ep.description = _description(changes["description"])
        if _snapshot(ep) != before:
            ep.version += 1
            ep.save()
            _record(actor, "update", ep, before)
    return ep


def disable_endpoint(
    actor: Any, endpoint: WebhookEndpoint, *, reason: Any = "", version: int | None = None
) -> WebhookEndpoint:
    """Stop sending to the endpoint; its pending deliveries wait until it is enabled."""
    with transaction.atomic():
        ep = lock(actor, "change", WebhookEndpoint, pk=endpoint.pk)
        check_version(ep, version)
        if not ep.is_active:
            raise Conflict(
                _("The endpoint is already disabled."),
                code="notifications.endpoint_disabled",
                field="is_active",
            )
        before = _snapshot(ep)
        ep.is_active = False
        ep.disabled_at = timezone.now()
        ep.disabled_reason = str(reason or "").strip()[:300] or _("Disabled by %(user)s") % {
            "user": actor
        }
        ep.version += 1
        ep.save()
        _record(actor, "disable", ep, before, reason=str(reason or ""))
    return ep


def enable_endpoint(
    actor: Any, endpoint: WebhookEndpoint, *, version: int | None = None
) -> WebhookEndpoint:
    """Send again; the failure count starts over and the deliveries still pending resume."""
    with transaction.atomic():
        ep = lock(actor, "change", WebhookEndpoint, pk=endpoint.pk)
        check_version(ep, version)
        if ep.is_active:
            raise Conflict(
                _("The endpoint is already enabled."),
                code="notifications.endpoint_enabled",
                field="is_active",
            )
        before = _snapshot(ep)
        ep.is_active = True
        ep.disabled_at = None
        ep.disabled_reason = ""
        ep.consecutive_failures = 0
        ep.version += 1
        ep.save()
        _record(actor, "enable", ep, before)
    return ep


def rotate_secret(actor: Any, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new signing secret (shown once); the old one stops signing at once."""
    with transaction.atomic():
        ep = lock(actor, "change", WebhookEndpoint, pk=endpoint.pk)
        ep.secret = signing.new_secret()
        ep.version += 1
        ep.save()
        _record(actor, "rotate_secret", ep, None)
    return ep, ep.secret


def delete_endpoint(actor: Any, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint and its delivery log (the audit log keeps the record)."""
    with transaction.atomic():
        ep = lock(actor, "change", WebhookEndpoint, pk=endpoint.pk)
        _record(actor, "delete", ep, _snapshot(ep), gone=True)
        ep.delete()


def send_test(actor: Any, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to this endpoint only, whatever it subscribes to."""
    with transaction.atomic():
        ep = lock(actor, "change", WebhookEndpoint, pk=endpoint.pk)
        if not ep.is_active:
            raise Conflict(
                _("Enable the endpoint before sending a test event."),
                code="notifications.endpoint_disabled",
                field="is_active",
            )
        org = Organization.objects.get(pk=ep.organization_id)
        event_id = uuid.uuid4()
        now = timezone.now()
        data = {"message": "This is a test event from wufei.", "requested_by": str(actor)}
        delivery = WebhookDelivery.objects.create(
            endpoint=ep,
            event=events.TEST_EVENT,
            event_id=event_id,
            payload=envelope(events.TEST_EVENT, event_id, now, org, Reference(), data),
            next_attempt_at=now,
        )
        _record(actor, "test", ep, None)
        after_commit(lambda: dispatch([], [delivery.pk]))
    return delivery


def redeliver(actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (e.g. after fixing the receiver): attempts start over."""
    with transaction.atomic():
        d = lock(actor, "change", WebhookDelivery, pk=delivery.pk)
        ep = WebhookEndpoint.objects.select_for_update().get(pk=d.endpoint_id)
        if not ep.is_active:
            raise Conflict(
                _("Enable the endpoint before sending again."),
                code="notifications.endpoint_disabled",
                field="is_active",
            )
        before = {"status": d.status, "attempts": d.attempts}
        d.status = DeliveryStatus.PENDING
        d.attempts = 0
        d.next_attempt_at = timezone.now()
        d.save(update_fields=["status", "attempts", "next_attempt_at"])
        org = Organization.objects.select_related("region").get(pk=ep.organization_id)
        audit.record(
            actor=actor,
            action="notifications.webhookdelivery.redeliver",
            obj=d,
            before=before,
            after={"status": d.status, "attempts": 0},
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
        after_commit(lambda: dispatch([], [d.pk]))
    return d
