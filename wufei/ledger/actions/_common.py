"""Shared pieces of the ledger actions: field checks, locks, entries and audit events."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import lock
from wufei.core.errors import Conflict, ValidationFailed
from wufei.registry import validators as v

from .. import codes, rules
from ..models import Container, ContainerStatus, EntryKind, LedgerEntry, PackageType

TONNE = Decimal("0.0001")


@dataclass
class Result:
    """What a storage step returns: the container after it, the entry written and the
    warnings that did not block it (e.g. a facility over capacity, allowed with a reason)."""

    container: Container
    entry: LedgerEntry | None = None
    entries: list[LedgerEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScaleActor:
    """The actor of a reading posted by a networked scale (not a user: no ``pk``)."""

    device_id: str
    organization_id: int
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False

    def __str__(self) -> str:
        return f"scale:{self.device_id}"


def ledger_code(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a registry validator, re-labelling its error code ``ledger.…``."""
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        exc.code = "ledger." + exc.code.split(".", 1)[-1]
        raise


def text(value: Any, name: str, label: str, max_length: int, *, required: bool = False) -> str:
    check = v.clean_required if required else v.clean_length
    return ledger_code(check, value, name, label, max_length)


def clean_weight(value: Any, name: str = "weight_tonnes") -> Decimal:
    return ledger_code(v.clean_tonnes, value, name, required=True, positive=True)


def clean_volume(value: Any) -> Decimal:
    try:
        volume = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, AttributeError):
        volume = Decimal("-1")
    if not volume.is_finite() or volume <= 0 or volume > Decimal("100000"):
        raise ValidationFailed(
            _("Enter the container volume in litres (more than 0, at most 100,000)."),
            code="ledger.volume_invalid",
            field="volume_litres",
        )
    return volume.quantize(Decimal("0.1"))


def clean_count(value: Any) -> int:
    try:
        count = int(str(value).strip())
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 10000:
        raise ValidationFailed(
            _("Enter the number of packages (1 to 10,000)."),
            code="ledger.count_invalid",
            field="count",
        )
    return count


def clean_choice(value: Any, name: str, choices: Any, label: str) -> str:
    value = str(value or "").strip()
    if value not in choices.values:
        raise ValidationFailed(
            _("Choose the %(label)s.") % {"label": label}, code="ledger.choice_invalid", field=name
        )
    return value


def kg_text(tonnes: Decimal) -> str:
    """``Decimal("0.18")`` → ``"180"``; ``Decimal("0.0015")`` → ``"1.5"`` (kilograms)."""
    text = f"{(tonnes * 1000).quantize(Decimal('0.1')):f}"
    return text[:-2] if text.endswith(".0") else text


def check_plausible(container: Container, weight: Decimal, name: str = "weight_tonnes") -> None:
    """Refuse a weight outside the plausible range of the container (``rules.DENSITY``)."""
    low, high = rules.plausible_range(
        container.package_type, container.volume_litres, container.count
    )
    if not low <= weight <= high:
        raise ValidationFailed(
            _(
                "%(weight)s kg is not a plausible weight for %(count)d × %(volume)s L "
                "%(package)s: expected %(low)s–%(high)s kg. Check the scale and the container."
            )
            % {
                "weight": kg_text(weight),
                "count": container.count,
                "volume": container.volume_litres,
                "package": PackageType(container.package_type).label,
                "low": kg_text(low),
                "high": kg_text(high),
            },
            code="ledger.weight_implausible",
            field=name,
            details={"low_tonnes": str(low), "high_tonnes": str(high)},
        )


def operator_name(actor: Any, given: Any = "") -> str:
    name = text(given, "operator", _("operator"), 50)
    if name:
        return name
    return str(actor)[:50]


def lock_container(actor: Any, container: Container | int) -> Container:
    pk = container.pk if isinstance(container, Container) else int(container)
    return lock(actor, "change", Container, pk=pk)


def refuse_state(container: Container, what: str, code: str) -> Conflict:
    return Conflict(
        _("Container %(container)s is %(status)s: it cannot be %(what)s.")
        % {
            "container": container,
            "status": container.get_status_display(),
            "what": what,
        },
        code=code,
        field="status",
        details={"status": container.status},
    )


def write_entry(
    actor: Any,
    container: Container,
    kind: str,
    *,
    quantity: Decimal,
    treatment: str = "",
    **fields: Any,
) -> LedgerEntry:
    """Append one entry with its batch number (in the caller's transaction)."""
    now = timezone.now()
    prefix = codes.batch_prefix(kind, container.kind, treatment)
    entry = LedgerEntry(
        organization_id=container.organization_id,
        site_id=container.site_id,
        container=container,
        kind=kind,
        batch_number=codes.batch_number(container.organization_id, prefix, timezone.localdate(now)),
        at=now,
        quantity_tonnes=quantity,
        status_before=fields.pop("status_before", container.status),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    entry.save(force_insert=True)
    return entry


def last_entry(container: Container, kind: str) -> LedgerEntry | None:
    """The latest entry of ``kind`` for the container that has not been reversed."""
    return (
        LedgerEntry.objects.filter(container=container, kind=kind, reversed_by__isnull=True)
        .order_by("-at", "-pk")
        .first()
    )


def production_batch(container: Container) -> str:
    entry = last_entry(container, EntryKind.PRODUCED)
    return entry.batch_number if entry else ""


def snapshot(container: Container) -> dict[str, Any]:
    data = audit.snapshot(container)
    for key in ("created_at", "updated_at"):
        data.pop(key, None)
    return data


def save(container: Container) -> None:
    container.version += 1
    container.save()


def record(
    actor: Any,
    action: str,
    container: Container,
    before: dict[str, Any] | None,
    *,
    entries: list[LedgerEntry] | tuple[LedgerEntry, ...] = (),
    reason: str = "",
) -> None:
    after = snapshot(container)
    if before is not None:
        before, after = audit.diff(before, after)
        before.pop("version", None)
    if entries:
        after["entries"] = [e.batch_number for e in entries]
    audit.record(
        actor=actor,
        action=action,
        obj=container,
        before=before,
        after=after,
        organization_id=container.organization_id,
        region_prefix=container.site.region.prefix,
        reason=reason,
    )


STATUS = ContainerStatus
