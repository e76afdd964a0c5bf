"""Notification and webhook tasks (inline without a broker, on Celery workers with one).

- ``deliver(delivery_id)``: one attempt at one delivery (dispatched by ``publish`` after commit);
- ``deliver_due()``: every minute (``CELERY_BEAT_SCHEDULE``), the deliveries whose next
  attempt is due — retries, and deliveries a broker outage left pending; without a broker run
  ``manage.py deliver_webhooks`` (once, or ``--loop``);
- ``send_emails(notification_ids)``: one e-mail per notification whose recipient has an address.

All three are idempotent: a delivery is claimed before it is sent, and a repeated
``send_emails`` sends again only if the task itself is repeated (e-mail has no receipt).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation

from . import delivery
from .conf import conf
from .models import Notification

log = logging.getLogger(__name__)


@shared_task(name="wufei.notifications.tasks.deliver")
def deliver(delivery_id: int) -> str | None:
    return delivery.attempt(int(delivery_id))


@shared_task(name="wufei.notifications.tasks.deliver_due")
def deliver_due() -> int:
    ids = delivery.due_ids()
    for pk in ids:
        deliver.delay(pk)
    if ids:
        log.info("webhooks: %d due deliveries dispatched", len(ids))
    return len(ids)


def _message(n: Notification) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        platform = str(settings.WUFEI["PLATFORM_NAME"])
    link = n.url
    if link and link.startswith("/") and conf("BASE_URL"):
        link = str(conf("BASE_URL")).rstrip("/") + link
    text = n.body + (f"\n\n{link}" if link else "")
    return EmailMessage(subject=f"[{platform}] {n.title}", body=text, to=[n.recipient.email])


@shared_task(name="wufei.notifications.tasks.send_emails")
def send_emails(notification_ids: list[int]) -> int:
    notes = (
        Notification.objects.filter(pk__in=notification_ids)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")
    )
    messages = [_message(n) for n in notes]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # noqa: BLE001 - a mail server that is down must not fail the caller
        log.exception("notifications: %d e-mails not sent", len(messages))
        return 0
