"""Page forms: they only check shape; the actions validate and write (their errors are put
beside the field they name)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import TreatmentMethod
from wufei.registry.models import Facility, FacilityKind, Site

from .models import ReceiverType, TransferType, WasteForm


class PlanInfoForm(forms.Form):
    """The Table A.1 items the plan holds (the rest comes from the registry)."""

    technical_lead = forms.CharField(label=_("Technical lead"), required=False)
    technical_lead_phone = forms.CharField(label=_("Technical lead's phone"), required=False)
    eia_reference = forms.CharField(label=_("EIA approval or filing number"), required=False)
    pollutant_permit_number = forms.CharField(
        label=_("Pollutant discharge permit or registration number"), required=False
    )


class PlanCreateForm(PlanInfoForm):
    site = forms.ModelChoiceField(Site.objects.none(), label=_("Site"))
    year = forms.IntegerField(label=_("Year"))

    field_order = ["site", "year"]

    def __init__(self, *args: Any, sites: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()  # type: ignore[attr-defined]


def _choices(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class PlanWasteForm(forms.Form):
    source_facility = forms.CharField(label=_("Generating facility (code/name)"), required=False)
    process = forms.CharField(label=_("Generating process (产生环节)"), required=False)
    internal_name = forms.CharField(label=_("Internal name (单位内部名称)"), required=False)
    waste_code = forms.CharField(
        label=_("Waste code"), required=False, help_text=_("8 digits, e.g. 900-249-08")
    )
    hazardous_components = forms.CharField(label=_("Hazardous components"), required=False)
    form = forms.ChoiceField(label=_("Form"), choices=_choices(WasteForm.choices), required=False)
    annual_tonnes = forms.CharField(label=_("Expected quantity this year (t)"), required=False)
    internal_treatment = forms.CharField(
        label=_("Internal treatment and destination"), required=False
    )
    storage_facility = forms.ModelChoiceField(
        Facility.objects.none(), label=_("Storage facility (A.4)"), required=False
    )
    packaging = forms.CharField(label=_("Packaging (A.4)"), required=False)
    storage_remaining_tonnes = forms.CharField(
        label=_("Expected remaining in storage at year end (t)"), required=False
    )
    treatment_facility = forms.ModelChoiceField(
        Facility.objects.none(), label=_("Own utilisation/disposal facility (A.5)"), required=False
    )
    treatment_method = forms.ModelChoiceField(
        TreatmentMethod.objects.all(),
        label=_("Own utilisation/disposal method (A.5)"),
        required=False,
        to_field_name="code",
    )
    treatment_tonnes = forms.CharField(
        label=_("Expected own utilisation/disposal (t)"), required=False
    )
    transfer_type = forms.ChoiceField(
        label=_("Transfer type (A.7)"), choices=_choices(TransferType.choices), required=False
    )
    transfer_tonnes = forms.CharField(label=_("Expected transfer (t)"), required=False)
    transfer_method = forms.ModelChoiceField(
        TreatmentMethod.objects.all(),
        label=_("Receiver's utilisation/disposal method"),
        required=False,
        to_field_name="code",
    )
    receiver_type = forms.ChoiceField(
        label=_("Intended receiver type"), choices=_choices(ReceiverType.choices), required=False
    )
    receiver = forms.CharField(
        label=_("Intended receiver (credit code)"),
        required=False,
        help_text=_("Optional; its valid permit number is filled in"),
    )
    receiver_permit_number = forms.CharField(label=_("Receiver's permit number"), required=False)

    def __init__(self, *args: Any, site: Site | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facilities = Facility.objects.filter(site=site, is_active=True)
        self.fields["storage_facility"].queryset = facilities.filter(kind=FacilityKind.STORAGE)  # type: ignore[attr-defined]
        self.fields["treatment_facility"].queryset = facilities.exclude(  # type: ignore[attr-defined]
            kind=FacilityKind.STORAGE
        )


class ReductionForm(forms.Form):
    measure = forms.CharField(label=_("Reduction measure"), widget=forms.Textarea, required=False)
    expected_effect = forms.CharField(label=_("Expected effect"), required=False)


class AmendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the amendment"), widget=forms.Textarea, required=False
    )
