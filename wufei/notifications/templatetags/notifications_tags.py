"""Template tags: the top bar's unread count, the delivery status colour."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import pgettext_lazy

from wufei.core.templatetags.wufei_tags import action_label

from .. import queries

register = template.Library()

BADGES = {"pending": "blue", "succeeded": "green", "failed": "orange", "abandoned": "red"}


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    """The signed-in user's unread notifications (one COUNT on an indexed column)."""
    request = context.get("request")
    return queries.unread_count(getattr(request, "user", None))


@register.filter
def delivery_badge(status: str) -> str:
    return BADGES.get(status, "")


_VERBS = {
    "disable": pgettext_lazy("audit verb", "disabled"),
    "enable": pgettext_lazy("audit verb", "enabled"),
    "auto_disable": pgettext_lazy("audit verb", "disabled after repeated failures"),
    "rotate_secret": pgettext_lazy("audit verb", "secret renewed"),
    "test": pgettext_lazy("audit verb", "test event sent"),
    "delete": pgettext_lazy("audit verb", "deleted"),
    "redeliver": pgettext_lazy("audit verb", "sent again"),
}


@register.filter
def webhook_action_label(code: str) -> str:
    """Readable label of an endpoint's audit event (the core filter plus this app's verbs)."""
    label = action_label(code)
    verb = (code or "").rsplit(".", 1)[-1]
    if verb in _VERBS and label.endswith(f" · {verb}"):
        return f"{label[: -len(verb)]}{_VERBS[verb]}"
    return label
