"""Template helpers for the catalogue: hazard badges that keep the printed separators."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from wufei.catalog.models import Hazard

register = template.Library()


@register.simple_tag
def hazard_badges(printed: str) -> SafeString:
    """``"T,I"`` → two coloured badges joined by the printed ``,`` (or ``/``)."""
    parts = [p for p in re.split(r"([,/])", printed or "") if p]
    labels = dict(Hazard.choices)
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html('<span class="muted mono">{}</span>', p)
                if p in ",/"
                else format_html(
                    '<span class="hazard {}" title="{}">{}</span>', p, labels.get(p, p), p
                ),
            )
            for p in parts
        ),
    )
