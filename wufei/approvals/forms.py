"""Page forms. They only shape the input: the actions validate it (errors land beside the
field they name)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import TreatmentMethod
from wufei.registry.models import Site

from . import rules

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("1", _("Agree")), ("0", _("Do not agree"))]


def _method_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (m.code, f"{m.code} {m.name}")
        for m in TreatmentMethod.objects.exclude(kind=TreatmentMethod.Kind.MEDICAL).order_by("code")
    ]


class ApplicationForm(forms.Form):
    applicant_site: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Site.objects.none(), label=_("Applicant's site")
    )
    receiver = forms.CharField(
        label=_("Receiver's unified social credit code"),
        max_length=18,
        help_text=_("The licensed operator (接受人) in another province."),
    )
    receiver_permit = forms.CharField(
        label=_("Receiver's permit number"),
        max_length=50,
        required=False,
        help_text=_("Leave empty to use its valid permit that covers the wastes."),
    )
    requested_from = forms.DateField(label=_("Transfer from"), widget=DATE)
    requested_until = forms.DateField(
        label=_("Transfer until"),
        widget=DATE,
        help_text=_("An approval is valid for at most 12 months and not past the permit."),
    )
    purpose = forms.CharField(
        label=_("Purpose and method of the transfer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, sites: Any = None, fixed_site: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["applicant_site"]
        field.queryset = sites  # type: ignore[attr-defined]
        if fixed_site:
            del self.fields["applicant_site"]


class LineForm(forms.Form):
    waste_code = forms.CharField(label=_("Waste code"), max_length=12, required=False)
    name = forms.CharField(label=_("Waste name"), max_length=100, required=False)
    method = forms.ChoiceField(label=_("Method"), required=False)
    quantity_tonnes = forms.CharField(label=_("Quantity (t)"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = _method_choices()  # type: ignore[attr-defined]
        self.fields["waste_code"].widget.attrs["placeholder"] = "900-249-08"

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(str(data.get(k) or "").strip() for k in self.fields)


LineFormSet = forms.formset_factory(LineForm, extra=2, max_num=30, absolute_max=30)


def lines_from(formset: Any) -> list[dict[str, Any]]:
    """The non-empty lines of a valid formset, as the actions take them."""
    return [dict(f.cleaned_data) for f in formset.forms if f.cleaned_data and not f.is_blank()]


def line_field_map(prefix: str) -> dict[str, str]:
    """``lines.N.name`` in an action error → the formset's field ``<prefix>-N-name``."""
    return {
        f"lines.{i}.{name}": f"{prefix}-{i}-{name}"
        for i in range(30)
        for name in ("waste_code", "name", "method", "quantity_tonnes")
    }


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=rules.DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), help_text=_("PDF or image, 20 MB at most."))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class IncompleteForm(forms.Form):
    missing = forms.CharField(
        label=_("Missing items"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("List every missing item at once (令第23号 Art. 23)."),
    )


class OpinionForm(forms.Form):
    agree = forms.ChoiceField(label=_("Opinion"), choices=YES_NO, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note or reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Reasons are required when you do not agree."),
    )


class DecisionForm(forms.Form):
    approve = forms.ChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Do not approve"))],
        widget=forms.RadioSelect,
    )
    decision_number = forms.CharField(label=_("Approval number"), max_length=50, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE, required=False)
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DATE,
        required=False,
        help_text=_("Clipped to 12 months, the requested period and the receiver's permit."),
    )
    note = forms.CharField(
        label=_("Note or reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PairForm(forms.Form):
    origin = forms.ChoiceField(label=_("Origin province"))
    destination = forms.ChoiceField(label=_("Receiving province"))
    white_list = forms.BooleanField(label=_("White-list: no reply step"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, provinces: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = provinces  # type: ignore[attr-defined]
        self.fields["destination"].choices = provinces  # type: ignore[attr-defined]
