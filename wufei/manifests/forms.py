"""Page forms for manifests (联单表单): they check shape only; the actions validate and write,
and their errors (``ActionError.field``) are put beside the field they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import TreatmentMethod
from wufei.core.errors import ActionError
from wufei.registry.models import Driver, Organization, Permit, Site, Vehicle

from .models import ManifestItem, ManifestLine, RefusalRoute

KG = Decimal("1000")


def method_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (m.code, f"{m.code} {m.name}") for m in TreatmentMethod.objects.order_by("code")
    ]


def apply_error(
    form: forms.Form, exc: ActionError, field_map: dict[str, str] | None = None
) -> None:
    """Show an action's error beside its field (or above the form)."""
    name = (field_map or {}).get(exc.field or "", exc.field or "")
    form.add_error(name if name in form.fields else None, str(exc.message))


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("number, party, waste code or plate")}
        ),
    )
    date_from = forms.DateField(
        label=_("Planned from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Planned to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class VersionForm(forms.Form):
    """Every step form carries the manifest's version (optimistic locking, 409 when stale)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CancelForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _receivers() -> list[tuple[str, str]]:
    orgs = Organization.objects.filter(is_active=True).filter(
        is_receiver=True
    ) | Organization.objects.filter(is_active=True, is_collector=True)
    permits: dict[int, list[Permit]] = {}
    for p in Permit.objects.filter(organization__in=orgs, status="valid").order_by("-valid_until"):
        permits.setdefault(p.organization_id, []).append(p)
    out = [("", "—")]
    for org in orgs.distinct().order_by("name"):
        held = permits.get(org.pk, [])
        label = org.name
        if held:
            label += " · " + "; ".join(
                f"{_('permit')} {p.number} ({_('until')} {p.valid_until})" for p in held[:2]
            )
        elif org.is_collector:
            label += f" · {_('collector')}"
        out.append((str(org.pk), label))
    return out


def carrier_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(o.pk), o.name)
        for o in Organization.objects.filter(is_active=True, is_carrier=True).order_by("name")
    ]


def transport_choices(carrier_id: Any) -> tuple[list[Any], list[Any]]:
    """Vehicles and drivers of the chosen carrier (all carriers, grouped, when none is chosen)."""
    vehicles = Vehicle.objects.filter(organization__is_carrier=True).select_related("organization")
    drivers = Driver.objects.filter(is_active=True, organization__is_carrier=True).select_related(
        "organization"
    )
    if carrier_id and str(carrier_id).isdigit():
        vehicles = vehicles.filter(organization_id=int(carrier_id))
        drivers = drivers.filter(organization_id=int(carrier_id))
        return (
            [("", "—")] + [(str(v.pk), v.plate) for v in vehicles.order_by("plate")],
            [("", "—")] + [(str(d.pk), d.name) for d in drivers.order_by("name")],
        )

    def grouped(rows: Any, label: Any) -> list[Any]:
        groups: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            groups.setdefault(row.organization.name, []).append((str(row.pk), label(row)))
        return [("", "—"), *sorted(groups.items())]

    return (
        grouped(vehicles.order_by("plate"), lambda v: v.plate),
        grouped(drivers.order_by("name"), lambda d: d.name),
    )


class TransportForm(VersionForm):
    carrier = forms.ChoiceField(label=_("Carrier (承运人)"))
    vehicle = forms.ChoiceField(label=_("Vehicle"))
    driver = forms.ChoiceField(label=_("Driver"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = carrier_choices()  # type: ignore[attr-defined]
        chosen = self.data.get("carrier") or self.initial.get("carrier")
        vehicles, drivers = transport_choices(chosen)
        self.fields["vehicle"].choices = vehicles  # type: ignore[attr-defined]
        self.fields["driver"].choices = drivers  # type: ignore[attr-defined]


class LegForm(TransportForm):
    """联运: the current carrier names the next carrier, its vehicle and driver."""

    handover_place = forms.CharField(label=_("Hand-over place"), max_length=200, required=False)


class DraftForm(TransportForm):
    """草稿: site, receiver, transport, date, containers and a method per waste code."""

    shipper_site = forms.ChoiceField(label=_("Shipping site"))
    receiver = forms.ChoiceField(label=_("Receiver (接受人)"))
    planned_pickup_on = forms.DateField(
        label=_("Planned transfer date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    route_note = forms.CharField(label=_("Route"), max_length=300, required=False)
    emergency_measures = forms.CharField(
        label=_("Emergency measures"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    containers = forms.MultipleChoiceField(
        label=_("Containers"), widget=forms.CheckboxSelectMultiple
    )

    field_order = [
        "shipper_site",
        "receiver",
        "carrier",
        "vehicle",
        "driver",
        "planned_pickup_on",
        "route_note",
        "emergency_measures",
    ]

    def __init__(self, user: Any, containers: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = (
            Site.objects.restrict(user, "change")
            .filter(is_active=True, organization__is_active=True)
            .select_related("organization")
            .order_by("organization__name", "name")
        )
        self.fields["shipper_site"].choices = [  # type: ignore[attr-defined]
            (str(s.pk), f"{s.organization.name} · {s.name}") for s in sites
        ]
        self.fields["receiver"].choices = _receivers()  # type: ignore[attr-defined]
        self.container_rows = containers
        self.fields["containers"].choices = [  # type: ignore[attr-defined]
            (str(c.pk), c.ident_code) for c in containers
        ]
        self.codes = sorted({c.code_text for c in containers})
        choices = method_choices()
        for code in self.codes:
            self.fields[f"method_{code}"] = forms.ChoiceField(
                label=_("Method for %(code)s") % {"code": code}, choices=choices, required=False
            )

    def method_fields(self) -> list[Any]:
        return [self[f"method_{code}"] for code in self.codes]

    def selected_rows(self) -> set[str]:
        if self.is_bound:
            return {str(v) for v in getattr(self.data, "getlist", lambda _k: [])("containers")}
        return {str(v) for v in self.initial.get("containers", [])}

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "shipper_site": int(d["shipper_site"]),
            "receiver": int(d["receiver"]) if d["receiver"] else None,
            "carrier": int(d["carrier"]) if d["carrier"] else None,
            "vehicle": int(d["vehicle"]) if d["vehicle"] else None,
            "driver": int(d["driver"]) if d["driver"] else None,
            "planned_pickup_on": d["planned_pickup_on"],
            "route_note": d["route_note"],
            "emergency_measures": d["emergency_measures"],
            "containers": [int(pk) for pk in d["containers"]],
            "methods": {code: d.get(f"method_{code}") or "" for code in self.codes},
        }

    FIELD_MAP = {"methods": "containers", "actor": "shipper_site"}

    def show_error(self, exc: ActionError) -> None:
        if exc.field == "methods":
            for code in self.codes:
                if code in str(exc.message):
                    self.add_error(f"method_{code}", str(exc.message))
                    return
        apply_error(self, exc, self.FIELD_MAP)


class ScanForm(forms.Form):
    """A scanned code: the QR's URL or the 37 characters typed by a hardware scanner."""

    code = forms.CharField(
        label=_("Container code"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "mono",
                "inputmode": "text",
            }
        ),
    )


class ArrivalScanForm(ScanForm):
    weight_kg = forms.DecimalField(
        label=_("Weight on our scale (kg)"),
        min_value=Decimal("0.1"),
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )

    def weight_tonnes(self) -> Decimal:
        return (self.cleaned_data["weight_kg"] / KG).quantize(Decimal("0.0001"))


DISCREPANCY_CHOICES = [
    ("name", _("name")),
    ("quantity", _("quantity")),
    ("characteristics", _("characteristics")),
    ("form", _("form")),
    ("packaging", _("packaging")),
]


class ReceiptForm(VersionForm):
    """签收: refused containers with reasons, per-line method and discrepancies, the reason."""

    reason = forms.CharField(
        label=_("Reason for the refusal or the difference"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    refusal_route = forms.ChoiceField(
        label=_("Refused waste goes"),
        required=False,
        choices=[("", "—"), *RefusalRoute.choices],
    )

    def __init__(
        self, items: list[ManifestItem], lines: list[ManifestLine], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items, self.lines = items, lines
        choices = method_choices()
        for item in items:
            self.fields[f"refuse_{item.pk}"] = forms.BooleanField(label=_("Refuse"), required=False)
            self.fields[f"refuse_reason_{item.pk}"] = forms.CharField(
                label=_("Reason"),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"placeholder": _("Reason")}),
            )
        for line in lines:
            self.fields[f"method_{line.position}"] = forms.ChoiceField(
                label=_("Method used"),
                choices=choices,
                required=False,
                initial=line.method.code if line.method_id else "",
            )
            self.fields[f"disc_{line.position}"] = forms.MultipleChoiceField(
                label=_("Discrepancies"),
                choices=DISCREPANCY_CHOICES,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"note_{line.position}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300
            )

    def item_rows(self) -> list[tuple[ManifestItem, Any, Any]]:
        return [(i, self[f"refuse_{i.pk}"], self[f"refuse_reason_{i.pk}"]) for i in self.items]

    def line_rows(self) -> list[tuple[ManifestLine, Any, Any, Any]]:
        return [
            (
                line,
                self[f"method_{line.position}"],
                self[f"disc_{line.position}"],
                self[f"note_{line.position}"],
            )
            for line in self.lines
        ]

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        refused = {
            i.container.ident_code: d.get(f"refuse_reason_{i.pk}") or ""
            for i in self.items
            if d.get(f"refuse_{i.pk}")
        }
        lines = {
            line.position: {
                "method": d.get(f"method_{line.position}") or None,
                "discrepancies": list(d.get(f"disc_{line.position}") or []),
                "note": d.get(f"note_{line.position}") or "",
            }
            for line in self.lines
        }
        return {
            "refused": refused,
            "lines": lines,
            "reason": d.get("reason") or "",
            "refusal_route": d.get("refusal_route") or "",
        }


class TreatmentForm(VersionForm):
    """利用/处置: which received containers (none ticked = all), the method, a note."""

    codes = forms.MultipleChoiceField(
        label=_("Containers (none ticked: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    method = forms.ChoiceField(label=_("Method"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, items: list[ManifestItem], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [  # type: ignore[attr-defined]
            (i.container.ident_code, i.container.ident_code) for i in items
        ]
        self.fields["method"].choices = [  # type: ignore[attr-defined]
            ("", _("as received")),
            *method_choices()[1:],
        ]
