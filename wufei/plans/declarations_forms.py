"""Declaration page forms: they only check shape; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wufei.registry.models import Site

from .declarations import PeriodKind


class GenerateForm(forms.Form):
    site = forms.ModelChoiceField(Site.objects.none(), label=_("Site"))
    period_kind = forms.ChoiceField(label=_("Period kind"), choices=PeriodKind.choices)
    period = forms.CharField(
        label=_("Period"),
        help_text=_("2026-02 (month), 2026Q1 (quarter) or 2026 (year)"),
    )

    def __init__(self, *args: Any, sites: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()  # type: ignore[attr-defined]


class ReviseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the revision"), widget=forms.Textarea)
