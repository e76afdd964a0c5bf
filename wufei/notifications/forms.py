"""Forms of the webhook pages (shape only: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wufei.core.permissions import principal

from . import events, queries


def _events_help() -> str:
    names = ", ".join(name for name, _label in events.known()) or "manifest.submitted"
    return str(
        _("* for every event; or names separated by commas, e.g. manifest.*, %(names)s")
        % {"names": names}
    )


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://erp.example.com/wufei/webhook"}),
    )
    events = forms.CharField(label=_("Events"), max_length=2000, initial="*")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, with_organization: bool = True, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["events"].help_text = _events_help()
        if not with_organization:
            return
        p = principal(user)
        field: forms.Field
        if p is not None and p.is_platform_admin:
            field = forms.CharField(
                label=_("Organisation (unified social credit code)"), max_length=18
            )
        else:
            field = forms.ModelChoiceField(
                label=_("Organisation"),
                queryset=queries.admin_organizations(user).order_by("name"),
                empty_label=None,
            )
        self.fields = {"organization": field, **self.fields}


class DisableForm(forms.Form):
    reason = forms.CharField(label=_("Reason for disabling"), max_length=300, required=False)
