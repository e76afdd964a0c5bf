"""Notifications (站内通知) and webhooks (事件推送) for every domain app.

A domain action publishes an event after its transaction commits
(``notifications.service.publish``); the event becomes one ``Notification`` per member of the
organisations concerned (and an e-mail), and one ``WebhookDelivery`` per active
``WebhookEndpoint`` of those organisations that subscribes to it. Deliveries are POSTed,
signed with the endpoint's secret, and retried with back-off (``delivery.py``). See
docs/notifications.md and docs/webhooks.md.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.core.permissions import ADMIN, Policy, RestrictedManager
from wufei.registry.models import Organization

NOBODY: frozenset[str] = frozenset()


class Notification(models.Model):
    """站内通知: one message to one user about an event of one of their organisations.

    Personal: only the recipient sees it and marks it read (platform administrators may look
    for support). Created only by ``service.publish``; nobody adds one by hand.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    event = models.CharField(_("event"), max_length=100, db_index=True)
    event_id = models.UUIDField(_("event id"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("object type"),
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        self_path="recipient_id",
        view_roles=NOBODY,
        add_roles=NOBODY,
        change_roles=NOBODY,
        regulator_actions=NOBODY,
        admin_actions=frozenset({"view", "change"}),
        self_actions=frozenset({"view", "change"}),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_read")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WebhookEndpoint(models.Model):
    """Webhook 接收地址: where an organisation's systems receive its events (联网).

    The secret signs every delivery (HMAC-SHA256); it is shown once, when the endpoint is
    created or the secret renewed, and kept to sign (an HMAC needs the secret itself, so it
    cannot be stored hashed). After ``WEBHOOK_MAX_FAILURES`` failed attempts in a row the
    endpoint is disabled and the organisation's administrators are told.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        verbose_name=_("organisation"),
    )
    url = models.CharField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        view_roles=frozenset({ADMIN}),
        add_roles=frozenset({ADMIN}),
        change_roles=frozenset({ADMIN}),
        regulator_actions=NOBODY,
    )

    class Meta:
        ordering = ["organization__name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    ABANDONED = "abandoned", _("Abandoned")


RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class WebhookDelivery(models.Model):
    """推送记录: one event to one endpoint, with its attempts.

    ``pending`` (not tried yet) → ``succeeded`` (a 2xx answer) or ``failed`` (retry at
    ``next_attempt_at``) → … → ``abandoned`` after ``WEBHOOK_MAX_ATTEMPTS``. The body is the
    stored ``payload``; every attempt carries the same ``event_id``
    (``X-Wufei-Delivery``) so that the receiver can drop repeats.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.CharField(_("event"), max_length=100)
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="endpoint__organization",
        view_roles=frozenset({ADMIN}),
        add_roles=NOBODY,
        change_roles=frozenset({ADMIN}),  # redeliver
        regulator_actions=NOBODY,
        admin_actions=frozenset({"view", "change"}),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="delivery_once_per_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
