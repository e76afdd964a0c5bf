from django import template
from django.utils.http import urlencode
from django.utils.translation import pgettext_lazy

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


# What an audit action code says to a person: "registry.organization.create" → "单位 · 新建".
_VERBS = {
    "create": pgettext_lazy("audit verb", "created"),
    "update": pgettext_lazy("audit verb", "changed"),
    "add": pgettext_lazy("audit verb", "added"),
    "remove": pgettext_lazy("audit verb", "removed"),
    "import": pgettext_lazy("audit verb", "imported"),
    "accept": pgettext_lazy("audit verb", "accepted"),
    "revoke": pgettext_lazy("audit verb", "revoked"),
    "change_role": pgettext_lazy("audit verb", "role changed"),
    "file": pgettext_lazy("audit verb", "filed"),
    "amend": pgettext_lazy("audit verb", "amendment started"),
    "produce": pgettext_lazy("audit verb", "produced"),
    "weigh": pgettext_lazy("audit verb", "weighed"),
    "code": pgettext_lazy("audit verb", "coded"),
    "reverse": pgettext_lazy("audit verb", "reversed"),
    "store_in": pgettext_lazy("audit verb", "stored in"),
    "store_out": pgettext_lazy("audit verb", "stored out"),
    "self_treat": pgettext_lazy("audit verb", "treated on site"),
    "management_class_override": pgettext_lazy("audit verb", "management class set by a bureau"),
    "management_class_derived": pgettext_lazy("audit verb", "management class derived"),
    "valid": pgettext_lazy("audit verb", "reinstated"),
    "suspended": pgettext_lazy("audit verb", "suspended"),
    "confirm": pgettext_lazy("audit verb", "confirmed"),
    "supersede": pgettext_lazy("audit verb", "superseded"),
    "ship_out": pgettext_lazy("audit verb", "sent out"),
    "register": pgettext_lazy("audit verb", "registered"),
    "rotate_token": pgettext_lazy("audit verb", "token renewed"),
    "management_class_clear": pgettext_lazy("audit verb", "bureau's management class removed"),
    "revoked": pgettext_lazy("audit verb", "revoked"),
}


@register.filter
def action_label(code: str) -> str:
    """A readable label for an audit action code; the code itself when it is not known."""
    from django.apps import apps

    parts = (code or "").split(".")
    if len(parts) != 3:
        return code
    app_label, model, verb = parts
    try:
        candidates = list(apps.get_app_config(app_label).get_models())
    except LookupError:
        return code
    name = model.replace("_", "")
    # "organization" → Organization; "plan" → ManagementPlan; "entry" → LedgerEntry
    match = (
        next((m for m in candidates if m._meta.model_name == name), None)
        or next((m for m in candidates if (m._meta.model_name or "").endswith(name)), None)
        or next((m for m in candidates if (m._meta.model_name or "").startswith(name)), None)
    )
    if match is None:
        return code
    what = str(match._meta.verbose_name)
    verb_text = _VERBS.get(verb)
    return f"{what} · {verb_text}" if verb_text else f"{what} · {verb}"
