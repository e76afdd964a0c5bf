from django import template
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return urlencode(sorted(params.lists()), doseq=True)


@register.filter
def tonnes(value):
    """A weight in tonnes with 4 decimals (0.1 kg), as the platform shows it everywhere."""
    if value is None or value == "":
        return "—"
    return f"{value:.4f}"
