"""The rules that differ per manifest kind, in one place.

Hazardous waste (危险废物) runs the full 令第23号 procedure. Medical waste (医疗废物) is
hazardous waste of category HW01 and follows the same rules, with a 2-day receipt expectation
in practice [M] but the regulation's 5 working days kept as the legal deadline. General
industrial solid waste (一般工业固体废物) has no permit requirement for the receiver (a
utilisation/disposal unit with the capacity is enough), no cross-province *approval* (备案 only,
固废法 Art. 22) and no dangerous-goods vehicle requirement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .models import ManifestKind


@dataclass(frozen=True)
class KindRules:
    kind: str
    container_kind: str  # ledger.WasteKind of the containers it carries
    categories: tuple[str, ...] = ()  # only these 名录 categories (HW01 for medical); () = any
    excluded_categories: tuple[str, ...] = ()
    plan_required: bool = True  # the site's management plan must list the waste (Art. 14)
    permit_required: bool = True  # the receiver's 经营许可证 must cover code and method
    approval_required_cross_province: bool = True  # Art. 21
    dangerous_goods_vehicle: bool = True  # Art. 8, 13
    receipt_workdays: int = 5  # Art. 18
    paper_entry_workdays: int = 10  # Art. 20
    number_scope: str = "manifest"  # the numbering scope prefix (per city, Art. 15)

    @property
    def weight_tolerance(self) -> Decimal:
        """Relative difference between dispatch and receipt weight that is not a discrepancy."""
        return Decimal(str(getattr(settings, "WUFEI_MANIFEST_WEIGHT_TOLERANCE", "0.05")))


RULES: dict[str, KindRules] = {
    ManifestKind.HAZARDOUS: KindRules(
        kind=ManifestKind.HAZARDOUS, container_kind="hazardous", excluded_categories=("HW01",)
    ),
    ManifestKind.MEDICAL: KindRules(
        kind=ManifestKind.MEDICAL, container_kind="hazardous", categories=("HW01",)
    ),
    ManifestKind.GENERAL: KindRules(
        kind=ManifestKind.GENERAL,
        container_kind="general",
        plan_required=False,
        permit_required=False,
        approval_required_cross_province=False,
        dangerous_goods_vehicle=False,
        number_scope="manifest-general",
    ),
}


def rules_for(kind: str) -> KindRules:
    return RULES[ManifestKind(kind)]
