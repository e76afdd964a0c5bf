"""Reads, each starting from ``restrict(user, "view")``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wufei.core.permissions import ADMIN, principal
from wufei.registry.models import Organization

from .models import DeliveryStatus, Notification, WebhookDelivery, WebhookEndpoint


def my_notifications(user: Any, *, unread: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first (platform administrators too: their own)."""
    qs = Notification.objects.restrict(user, "view").filter(recipient_id=getattr(user, "pk", None))
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("organization").order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return my_notifications(user, unread=True).count()


def endpoints(user: Any) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.restrict(user, "view")
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def deliveries(
    user: Any, *, endpoint: Any = None, status: str = "", event: str = ""
) -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.restrict(user, "view").select_related("endpoint")
    if endpoint is not None:
        qs = qs.filter(endpoint_id=endpoint)
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event=event)
    return qs.order_by("-created_at", "-id")


def admin_organizations(user: Any) -> QuerySet[Organization]:
    """The organisations whose webhooks the user may manage (their administrator role)."""
    p = principal(user)
    if p is None:
        return Organization.objects.none()
    if p.is_platform_admin:
        return Organization.objects.filter(is_active=True)
    return Organization.objects.filter(pk__in=p.orgs_with({ADMIN}), is_active=True)
