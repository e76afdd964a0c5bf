"""Page forms: they only check shape; the ledger actions validate and write (their errors are
put beside the field they name)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import GeneralWasteCategory, TreatmentMethod
from wufei.plans.models import PlanStatus, PlanWaste, WasteForm
from wufei.registry.models import Facility, FacilityKind, Site

from .models import Container, GeneralClass, PackageType

KG = Decimal("1000")


def writable_sites(user: Any) -> QuerySet[Site]:
    return (
        Site.objects.restrict(user, "change")
        .filter(is_active=True)
        .select_related("organization")
        .order_by("organization__name", "name")
    )


def waste_choices(user: Any, sites: QuerySet[Site]) -> list[tuple[str, Any]]:
    """The wastes the user may record today: the lines of the sites' current filed plans for
    this year (hazardous), then the general industrial solid waste classes."""
    year = timezone.localdate().year
    lines = (
        PlanWaste.objects.filter(
            plan__site__in=sites, plan__year=year, plan__status=PlanStatus.FILED
        )
        .filter(plan__is_current=True)
        .select_related("waste_code", "plan__site")
        .order_by("plan__site__name", "waste_code__code")
    )
    choices: list[tuple[str, Any]] = [("", "—")]
    choices += [
        (f"plan:{line.pk}", f"{line.waste_code.code} {line.internal_name} · {line.plan.site.name}")
        for line in lines
    ]
    general = [
        (f"sw:{g.code_2021}", f"{g.code_2021} {g.name}")
        for g in GeneralWasteCategory.objects.order_by("code_2021")
    ]
    if general:
        choices.append((str(_("General industrial solid waste")), general))  # type: ignore[arg-type]
    return choices


def facility_choices(facilities: QuerySet[Facility]) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(f.pk), f"{f.code} {f.name}") for f in facilities]


class OneStepForm(forms.Form):
    """即产生、即包装、即称重、即赋码(、即入库) in one form."""

    site = forms.ChoiceField(label=_("Site"))
    waste = forms.ChoiceField(label=_("Waste"))
    general_class = forms.ChoiceField(
        label=_("Class I/II (general waste)"),
        required=False,
        choices=[("", "—"), *GeneralClass.choices],
    )
    internal_name = forms.CharField(
        label=_("Internal name"), required=False, help_text=_("default: the plan's name")
    )
    form = forms.ChoiceField(
        label=_("Form"), required=False, choices=[("", _("as in the plan")), *WasteForm.choices]
    )
    package_type = forms.ChoiceField(label=_("Package type"), choices=PackageType.choices)
    volume_litres = forms.DecimalField(
        label=_("Volume (L)"), min_value=Decimal("0.1"), decimal_places=1
    )
    count = forms.IntegerField(label=_("Number of packages"), min_value=1, initial=1)
    weight_kg = forms.DecimalField(
        label=_("Net weight (kg)"), min_value=Decimal("0.1"), decimal_places=1
    )
    facility = forms.ChoiceField(
        label=_("Store in"), required=False, help_text=_("leave empty to store later")
    )
    allow_over_capacity = forms.BooleanField(label=_("Store over capacity"), required=False)
    reason = forms.CharField(label=_("Reason for storing over capacity"), required=False)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = writable_sites(user)
        self.fields["site"].choices = [(str(s.pk), str(s)) for s in sites]  # type: ignore[attr-defined]
        self.fields["waste"].choices = waste_choices(user, sites)  # type: ignore[attr-defined]
        self.fields["facility"].choices = facility_choices(  # type: ignore[attr-defined]
            Facility.objects.filter(site__in=sites, kind=FacilityKind.STORAGE, is_active=True)
        )

    def action_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``actions.produce_container`` (site and facility aside)."""
        d = self.cleaned_data
        out: dict[str, Any] = {
            "internal_name": d["internal_name"],
            "form": d["form"],
            "package_type": d["package_type"],
            "volume_litres": d["volume_litres"],
            "count": d["count"],
            "weight_tonnes": (d["weight_kg"] / KG).quantize(Decimal("0.0001")),
            "allow_over_capacity": d["allow_over_capacity"],
            "reason": d["reason"],
        }
        kind, _sep, ref = d["waste"].partition(":")
        if kind == "plan":
            line = PlanWaste.objects.select_related("waste_code").get(pk=int(ref))
            out["waste_code"] = line.waste_code
        else:
            out["general_category"] = ref
            out["general_class"] = d["general_class"]
        return out


class WeighForm(forms.Form):
    weight_kg = forms.DecimalField(
        label=_("Net weight (kg)"), min_value=Decimal("0.1"), decimal_places=1
    )


class StoreInForm(forms.Form):
    facility = forms.ChoiceField(label=_("Storage facility"))
    allow_over_capacity = forms.BooleanField(label=_("Store over capacity"), required=False)
    reason = forms.CharField(label=_("Reason for storing over capacity"), required=False)

    def __init__(self, container: Container, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = facility_choices(  # type: ignore[attr-defined]
            Facility.objects.filter(
                site__organization=container.organization_id,
                kind=FacilityKind.STORAGE,
                is_active=True,
            )
        )


class StoreOutForm(forms.Form):
    destination = forms.CharField(label=_("Destination"), max_length=200)


class SelfTreatForm(forms.Form):
    facility = forms.ChoiceField(label=_("Utilisation/disposal facility"))
    method = forms.ChoiceField(label=_("Method"))

    def __init__(self, container: Container, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = facility_choices(  # type: ignore[attr-defined]
            Facility.objects.filter(
                site__organization=container.organization_id,
                kind__in=[FacilityKind.UTILISATION, FacilityKind.DISPOSAL],
                is_active=True,
            )
        )
        self.fields["method"].choices = [  # type: ignore[attr-defined]
            (m.code, str(m))
            for m in TreatmentMethod.objects.filter(kind__in=["utilisation", "disposal"])
        ]


class ShipOutForm(forms.Form):
    """一般工业固废 出厂 (hazardous waste leaves on a manifest)."""

    receiver_name = forms.CharField(label=_("Receiver"), max_length=200)
    receiver_permit_number = forms.CharField(
        label=_("Receiver's permit or filing number"), max_length=50, required=False
    )
    method = forms.ChoiceField(label=_("Method"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [  # type: ignore[attr-defined]
            (m.code, str(m))
            for m in TreatmentMethod.objects.filter(kind__in=["utilisation", "disposal"])
        ]


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)
