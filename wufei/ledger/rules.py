"""The ledger's tunable rules, each in one place: plausible weights by package type, the
storage-age and weight-tolerance thresholds (``settings.WUFEI``, see docs/ledger.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from .models import PackageType

KG_PER_TONNE = Decimal("1000")


@dataclass(frozen=True)
class Density:
    """Plausible net weight per litre of container volume, in kg/L."""

    low: Decimal
    high: Decimal


#: Plausible net weight per litre of volume, by package type. A 200 L drum holds 2 kg to
#: 500 kg; a 1,000 L IBC 10 kg to 2 t. Override with ``WUFEI["LEDGER_DENSITY"]`` =
#: ``{"drum": ("0.01", "2.5"), …}``.
DENSITY: dict[str, Density] = {
    PackageType.DRUM: Density(Decimal("0.01"), Decimal("2.5")),
    PackageType.IBC: Density(Decimal("0.01"), Decimal("2.0")),
    PackageType.BAG: Density(Decimal("0.005"), Decimal("2.0")),
    PackageType.BULK_BAG: Density(Decimal("0.005"), Decimal("3.0")),
    PackageType.BOX: Density(Decimal("0.005"), Decimal("3.0")),
    PackageType.TANK: Density(Decimal("0.01"), Decimal("2.0")),
    PackageType.PALLET: Density(Decimal("0.005"), Decimal("4.0")),
    PackageType.BULK: Density(Decimal("0.001"), Decimal("5.0")),
    PackageType.OTHER: Density(Decimal("0.001"), Decimal("5.0")),
}

DEFAULTS: dict[str, Any] = {
    "LEDGER_STORAGE_NEAR_DAYS": 300,  # warn: close to one year in storage
    "LEDGER_STORAGE_MAX_DAYS": 365,  # 固废法 Art. 81: over one year
    "LEDGER_WEIGHT_TOLERANCE_PERCENT": Decimal("2"),  # scale vs label weight
    "LEDGER_WEIGHT_TOLERANCE_KG": Decimal("1"),  # at least this much, for small containers
}


def setting(name: str) -> Any:
    return getattr(settings, "WUFEI", {}).get(name, DEFAULTS[name])


def density(package_type: str) -> Density:
    override = getattr(settings, "WUFEI", {}).get("LEDGER_DENSITY", {}).get(package_type)
    if override:
        return Density(Decimal(str(override[0])), Decimal(str(override[1])))
    return DENSITY.get(package_type, DENSITY[PackageType.OTHER])


def plausible_range(
    package_type: str, volume_litres: Decimal, count: int
) -> tuple[Decimal, Decimal]:
    """The (lowest, highest) plausible net weight in tonnes for the packages."""
    d = density(package_type)
    litres = Decimal(volume_litres) * max(int(count), 1)
    low = max(litres * d.low / KG_PER_TONNE, Decimal("0.0001"))
    return low.quantize(Decimal("0.0001")), (litres * d.high / KG_PER_TONNE).quantize(
        Decimal("0.0001")
    )


def weight_tolerance(label_tonnes: Decimal) -> Decimal:
    """The largest difference between a scale reading and the label weight that is normal."""
    percent = Decimal(str(setting("LEDGER_WEIGHT_TOLERANCE_PERCENT")))
    floor = Decimal(str(setting("LEDGER_WEIGHT_TOLERANCE_KG"))) / KG_PER_TONNE
    return max(abs(label_tonnes) * percent / 100, floor)
