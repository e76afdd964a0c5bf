"""The revisable fields of a manifest (修正申请的可修改项): one whitelist with labels.

Keys of a request: ``line.<position>.<name>``, ``item.<identification code>.<name>``,
``leg.<sequence>.<name>`` or ``<name>`` (the manifest's own fields). Each field has a cleaner
that turns the proposed value into the text kept in ``Revision.proposed``; ``current`` reads
the value on the manifest in the same form, so that original and proposed compare as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wufei.catalog.models import TreatmentMethod
from wufei.core.errors import ValidationFailed
from wufei.ledger.models import PackageType
from wufei.plans.models import WasteForm
from wufei.registry import validators as v
from wufei.registry.models import Vehicle

from ..models import Manifest, ManifestItem, ManifestLeg, ManifestLine, ManifestStatus

#: A manifest can be revised once the waste has left the shipper (signed beyond submit).
REVISABLE_STATUSES = (
    ManifestStatus.IN_TRANSIT,
    ManifestStatus.ARRIVED,
    ManifestStatus.RECEIVED,
    ManifestStatus.REFUSED,
    ManifestStatus.CLOSED,
)


@dataclass(frozen=True)
class Field:
    """One revisable field: where it lives (line / item / leg / manifest), its label and the
    cleaner that turns the proposed value into the stored JSON text."""

    scope: str
    attr: str
    label: Any
    clean: Callable[[Any, str], str]


def _text(max_length: int) -> Callable[[Any, str], str]:
    def clean(value: Any, key: str) -> str:
        return v.clean_required(value, key, _("value"), max_length)

    return clean


def _tonnes(value: Any, key: str) -> str:
    return str(v.clean_tonnes(value, key, required=True, positive=True))


def _count(value: Any, key: str) -> str:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        n = -1
    if not 0 <= n <= 100000:
        raise ValidationFailed(
            _("Enter a whole number of packages."), code="manifests.revision_invalid", field=key
        )
    return str(n)


def _choice(choices: Any) -> Callable[[Any, str], str]:
    def clean(value: Any, key: str) -> str:
        raw = str(value or "").strip()
        if raw not in choices.values:
            raise ValidationFailed(
                _("Choose one of the listed values."), code="manifests.revision_invalid", field=key
            )
        return raw

    return clean


def _method(value: Any, key: str) -> str:
    raw = str(getattr(value, "code", value) or "").strip().upper()
    if not raw or not TreatmentMethod.objects.filter(code=raw).exists():
        raise ValidationFailed(
            _("Choose the utilisation/disposal method (e.g. R9, D10)."),
            code="manifests.revision_invalid",
            field=key,
        )
    return raw


def _plate(value: Any, key: str) -> str:
    raw = str(getattr(value, "plate", value) or "").strip().upper()
    if not raw:
        raise ValidationFailed(
            _("Enter the vehicle plate."), code="manifests.revision_invalid", field=key
        )
    return raw


def _date(value: Any, key: str) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationFailed(
            _("Enter the date as YYYY-MM-DD."), code="manifests.revision_invalid", field=key
        ) from None


def _datetime(value: Any, key: str) -> str:
    found = value if isinstance(value, dt.datetime) else parse_datetime(str(value or "").strip())
    if found is None:
        raise ValidationFailed(
            _("Enter the time as YYYY-MM-DD HH:MM."), code="manifests.revision_invalid", field=key
        )
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return timezone.localtime(found).isoformat()


#: The whitelist: key → field. Keys in a request are ``line.<position>.<name>``,
#: ``item.<identification code>.<name>``, ``leg.<sequence>.<name>`` or ``<name>``.
REVISABLE: dict[str, Field] = {
    "line.quantity_tonnes": Field(
        "line", "quantity_tonnes", gettext_lazy("quantity shipped (t)"), _tonnes
    ),
    "line.name": Field("line", "name", gettext_lazy("waste name"), _text(100)),
    "line.form": Field("line", "form", gettext_lazy("form"), _choice(WasteForm)),
    "line.package_type": Field(
        "line", "package_type", gettext_lazy("package type"), _choice(PackageType)
    ),
    "line.package_count": Field(
        "line", "package_count", gettext_lazy("number of packages"), _count
    ),
    "line.method": Field(
        "line", "method", gettext_lazy("planned utilisation/disposal method"), _method
    ),
    "line.received_tonnes": Field(
        "line", "received_tonnes", gettext_lazy("quantity received (t)"), _tonnes
    ),
    "line.accepted_tonnes": Field(
        "line", "accepted_tonnes", gettext_lazy("quantity accepted (t)"), _tonnes
    ),
    "line.received_method": Field(
        "line", "received_method", gettext_lazy("method used by the receiver"), _method
    ),
    "item.received_tonnes": Field(
        "item", "received_tonnes", gettext_lazy("weight at receipt (t)"), _tonnes
    ),
    "leg.vehicle": Field("leg", "vehicle", gettext_lazy("vehicle plate"), _plate),
    "planned_pickup_on": Field(
        "manifest", "planned_pickup_on", gettext_lazy("planned transfer date"), _date
    ),
    "planned_arrival_at": Field(
        "manifest", "planned_arrival_at", gettext_lazy("planned arrival"), _datetime
    ),
}


def parse_key(key: str) -> tuple[Field, str]:
    """``"line.1.quantity_tonnes"`` → (field, ``"1"``); ``"planned_pickup_on"`` → (field, "")."""
    parts = str(key).split(".")
    if len(parts) == 1 and parts[0] in REVISABLE:
        return REVISABLE[parts[0]], ""
    if len(parts) >= 3:
        scope, ref, attr = parts[0], ".".join(parts[1:-1]), parts[-1]
        found = REVISABLE.get(f"{scope}.{attr}")
        if found is not None and ref:
            return found, ref
    raise ValidationFailed(
        _("“%(key)s” cannot be changed by a revision request.") % {"key": key},
        code="manifests.revision_field",
        field="changes",
        details={"allowed": sorted(REVISABLE)},
    )


def target(manifest: Manifest, f: Field, ref: str, key: str) -> Any:
    found: Any = None
    if f.scope == "manifest":
        found = manifest
    elif f.scope == "line" and ref.isdigit():
        found = ManifestLine.objects.filter(manifest=manifest, position=int(ref)).first()
    elif f.scope == "leg" and ref.isdigit():
        found = ManifestLeg.objects.filter(manifest=manifest, sequence=int(ref)).first()
    elif f.scope == "item":
        found = ManifestItem.objects.filter(manifest=manifest, container__ident_code=ref).first()
    if found is None:
        raise ValidationFailed(
            _("“%(key)s”: there is no such line, container or carrier leg on the manifest.")
            % {"key": key},
            code="manifests.revision_field",
            field="changes",
        )
    return found


def current(obj: Any, f: Field) -> str:
    value = getattr(obj, f.attr)
    if value is None:
        return ""
    if f.attr in ("method", "received_method"):
        return value.code
    if f.attr == "vehicle":
        return value.plate
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return str(value)


def label_of(key: str) -> str:
    """A readable label for a change key (the pages show it beside the values)."""
    try:
        f, ref = parse_key(key)
    except ValidationFailed:
        return key
    if f.scope == "line":
        return _("Line %(n)s: %(label)s") % {"n": ref, "label": f.label}
    if f.scope == "leg":
        return _("Leg %(n)s: %(label)s") % {"n": ref, "label": f.label}
    if f.scope == "item":
        return f"{ref}: {f.label}"
    return str(f.label)


def vehicle_of(leg: ManifestLeg, plate: str, key: str) -> Vehicle:
    found = Vehicle.objects.filter(organization_id=leg.carrier_id, plate=plate).first()
    if found is None:
        raise ValidationFailed(
            _("Vehicle %(plate)s is not a vehicle of the leg's carrier.") % {"plate": plate},
            code="manifests.revision_invalid",
            field=key,
        )
    return found
