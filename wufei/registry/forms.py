"""Page forms: they only check shape; the actions validate and write (their errors are put
beside the field they name)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region

from .models import FacilityKind, ManagementClass, MembershipRole, OrgRole, PermitStatus


def region_field(required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Region.objects.order_by("code"), label=_("Region"), required=required, to_field_name="code"
    )


class OrganizationForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        help_text=_("18 characters, GB 32100-2015"),
    )
    name = forms.CharField(label=_("Organisation name"), required=False)
    region = region_field(required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=OrgRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(label=_("Registered address"), required=False)
    legal_representative = forms.CharField(label=_("Legal representative"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False)
    contact_email = forms.CharField(label=_("Contact e-mail"), required=False)
    industry_code = forms.CharField(label=_("Industry code (GB/T 4754)"), required=False)
    industry_name = forms.CharField(label=_("Industry"), required=False)
    annual_hazardous_tonnes = forms.CharField(label=_("Annual hazardous waste (t)"), required=False)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Site name"), required=False)
    site_code = forms.CharField(label=_("Site code (HJ 608)"), required=False)
    region = region_field(required=False)
    address = forms.CharField(label=_("Address"), required=False)
    longitude = forms.CharField(label=_("Longitude (WGS-84)"), required=False)
    latitude = forms.CharField(label=_("Latitude (WGS-84)"), required=False)


class FacilityForm(forms.Form):
    code = forms.CharField(label=_("Facility code"), required=False)
    name = forms.CharField(label=_("Name"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=FacilityKind.choices)
    facility_type = forms.CharField(label=_("Type"), required=False)
    capacity_tonnes = forms.CharField(label=_("Capacity (t)"), required=False)
    methods = forms.CharField(
        label=_("Treatment method codes"),
        required=False,
        help_text=_("Separated by commas, e.g. D10, R2"),
    )

    def clean_methods(self) -> list[str]:
        return [
            m.strip()
            for m in self.cleaned_data["methods"].replace("，", ",").split(",")
            if m.strip()
        ]


class PermitForm(forms.Form):
    number = forms.CharField(label=_("Permit number"), required=False)
    issuer = forms.CharField(label=_("Issued by"), required=False)
    issued_on = forms.DateField(
        label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    scopes = forms.CharField(
        label=_("Licensed codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One line each: waste code or category, t/yr, method codes — e.g. 900-249-08 3000 D10,R9"
        ),
    )

    def clean_scopes(self) -> list[dict[str, Any]]:
        scopes = []
        for line in self.cleaned_data["scopes"].splitlines():
            parts = line.replace("，", ",").split()
            if not parts:
                continue
            target = parts[0].upper()
            capacity = parts[1] if len(parts) > 1 else ""
            methods = [m for m in (parts[2] if len(parts) > 2 else "").split(",") if m]
            key = "category" if target.startswith("HW") else "waste_code"
            scopes.append({key: target, "annual_capacity_tonnes": capacity, "methods": methods})
        return scopes


class PermitStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PermitStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False)


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("Plate number"), required=False, help_text=_("e.g. 浙D12345"))
    transport_permit_no = forms.CharField(label=_("Road transport permit number"), required=False)
    load_limit_tonnes = forms.CharField(label=_("Load limit (t)"), required=False)
    vehicle_type = forms.CharField(label=_("Vehicle type"), required=False)
    dangerous_goods = forms.BooleanField(
        label=_("Licensed for dangerous goods"), required=False, initial=True
    )
    terminal_id = forms.CharField(label=_("GNSS terminal id"), required=False)


class DriverForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)
    qualification_no = forms.CharField(label=_("Qualification certificate number"), required=False)
    qualification_valid_until = forms.DateField(
        label=_("Qualification valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class OverrideForm(forms.Form):
    management_class = forms.ChoiceField(
        label=_("Management class"), choices=ManagementClass.choices
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False)


class InviteForm(forms.Form):
    email = forms.CharField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class AcceptForm(forms.Form):
    username = forms.CharField(label=_("User name"), required=False)
    password = forms.CharField(label=_("Password"), required=False, widget=forms.PasswordInput)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))


def decimal_or_none(value: Decimal | None) -> str:
    return "" if value is None else str(value)
