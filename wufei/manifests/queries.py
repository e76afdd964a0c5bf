"""Reads for the manifest pages (联单查询): every list starts from ``restrict(user, "view")``.

The dashboard (联单工作台) has one tab per piece of work: drafts (草稿), to sign (待签字: the
shipper's hand-over, the carrier's pickup, a next carrier's take-over, the receiver's
receipt — for the user's own organisations), in transit (运输中), to receive (待接收: arrived,
with the 5-working-day receipt due date), to close (待闭环: received, awaiting treatment),
overdue (逾期: receipt past due, or the planned pickup date passed without pickup), revisions
to decide (修正待确认: an open revision request that one of the user's organisations must still
approve or refuse) and refused waste (拒收退回/转移: manifests with refused containers and the
manifests linked to an earlier one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wufei.core.permissions import ADMIN, DRIVER, MEMBER, principal
from wufei.ledger.models import Container, ContainerStatus

from .checks import open_manifest_of
from .models import (
    Consolidation,
    ItemStatus,
    LinkKind,
    Manifest,
    ManifestItem,
    ManifestLeg,
    ManifestStatus,
    Revision,
    RevisionStatus,
    SignatureStep,
)

WRITER_ROLES = frozenset({ADMIN, MEMBER})
CARRIER_ROLES = frozenset({ADMIN, MEMBER, DRIVER})
SHIPPABLE = (ContainerStatus.STORED, ContainerStatus.CODED, ContainerStatus.OUT)


def manifests_for(user: Any) -> QuerySet[Manifest]:
    """The manifests the user may see, with the parties and transport joined in."""
    return Manifest.objects.restrict(user, "view").select_related(
        "shipper",
        "shipper_site",
        "receiver",
        "carrier",
        "vehicle",
        "driver",
        "origin_region",
        "destination_region",
        "parent",
    )


def org_ids(user: Any, roles: frozenset[str] | None = None) -> list[int]:
    p = principal(user)
    if p is None:
        return []
    if roles is None:
        return sorted(p.org_roles)
    return p.orgs_with(roles)


def party_orgs(user: Any) -> list[int]:
    """The user's organisations that can be parties to a manifest (not bureaus)."""
    from wufei.registry.models import Organization

    orgs = org_ids(user)
    if not orgs:
        return []
    return list(
        Organization.objects.filter(pk__in=orgs, is_regulator=False).values_list("pk", flat=True)
    )


def can_draft(user: Any) -> bool:
    """May the user draft a manifest: a writer of a non-bureau organisation with a site."""
    from wufei.registry.models import Site

    return (
        Site.objects.restrict(user, "change")
        .filter(is_active=True, organization__is_regulator=False)
        .exists()
    )


def is_carrier_user(user: Any) -> bool:
    """Does the user work for a carrier (承运人), so that the trip pages concern them?"""
    from wufei.registry.models import Organization

    orgs = org_ids(user, CARRIER_ROLES)
    return bool(orgs) and Organization.objects.filter(pk__in=orgs, is_carrier=True).exists()


def is_collector_user(user: Any) -> bool:
    """Is the user an admin or member of a micro collector (小微收集单位)?"""
    from wufei.registry.models import Organization

    orgs = org_ids(user, WRITER_ROLES)
    return bool(orgs) and Organization.objects.filter(pk__in=orgs, is_collector=True).exists()


def register_args(user: Any) -> tuple[str]:
    """The register a user opens first: incoming for receivers and collectors, transported for
    carriers, outgoing otherwise (the page links the other two)."""
    from wufei.registry.models import Organization

    orgs = Organization.objects.filter(pk__in=org_ids(user), is_regulator=False)
    if orgs.filter(is_producer=True).exists():
        return ("outgoing",)
    if orgs.filter(Q(is_receiver=True) | Q(is_collector=True)).exists():
        return ("incoming",)
    if orgs.filter(is_carrier=True).exists():
        return ("transported",)
    return ("outgoing",)


def _leg_of(orgs: list[int], offset: int) -> Exists:
    """A leg ``current_leg + offset`` carried by one of ``orgs``."""
    return Exists(
        ManifestLeg.objects.filter(
            manifest=OuterRef("pk"),
            sequence=OuterRef("current_leg") + offset,
            carrier_id__in=orgs,
        )
    )


def _handover_signed() -> Exists:
    from .models import Signature

    return Exists(Signature.objects.filter(manifest=OuterRef("pk"), step=SignatureStep.HANDOVER))


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any


TABS = (
    Tab("all", _("All")),
    Tab("drafts", _("Drafts")),
    Tab("to_sign", _("To sign")),
    Tab("in_transit", _("In transit")),
    Tab("to_receive", _("To receive")),
    Tab("to_close", _("To close")),
    Tab("overdue", _("Overdue")),
    Tab("revisions", _("Revisions to decide")),
    Tab("refused", _("Refused waste")),
)
TAB_KEYS = {t.key for t in TABS}


def _own(qs: QuerySet[Manifest], field: str, orgs: list[int] | None) -> QuerySet[Manifest]:
    """Organisation users see their own side of the work; regulators everything they may see."""
    return qs if orgs is None else qs.filter(**{f"{field}__in": orgs})


def tab_queryset(user: Any, key: str, today: dt.date | None = None) -> QuerySet[Manifest]:
    qs = manifests_for(user)
    today = today or timezone.localdate()
    member_orgs = party_orgs(user) or None  # bureaus (no party orgs) see every manifest
    writers = org_ids(user, WRITER_ROLES)
    carriers = org_ids(user, CARRIER_ROLES)
    if key == "drafts":
        return _own(qs.filter(status=ManifestStatus.DRAFT), "shipper", member_orgs)
    if key == "to_sign":
        return qs.alias(handover=_handover_signed(), next_leg=_leg_of(carriers, 1)).filter(
            Q(status=ManifestStatus.SUBMITTED, shipper__in=writers, handover=False)
            | Q(status=ManifestStatus.SUBMITTED, carrier__in=carriers, handover=True)
            | Q(status=ManifestStatus.IN_TRANSIT, next_leg=True)
            | Q(status=ManifestStatus.ARRIVED, receiver__in=writers)
        )
    if key == "in_transit":
        return qs.filter(status=ManifestStatus.IN_TRANSIT)
    if key == "to_receive":
        return _own(
            qs.filter(status__in=(ManifestStatus.IN_TRANSIT, ManifestStatus.ARRIVED)),
            "receiver",
            member_orgs,
        ).order_by(F("receipt_due_on").asc(nulls_last=True), "-pk")
    if key == "to_close":
        return _own(qs.filter(status=ManifestStatus.RECEIVED), "receiver", member_orgs)
    if key == "overdue":
        return qs.filter(
            Q(status=ManifestStatus.ARRIVED, receipt_due_on__lt=today)
            | Q(status=ManifestStatus.SUBMITTED, planned_pickup_on__lt=today)
        )
    if key == "revisions":
        return qs.filter(pk__in={r.manifest_id for r in revisions_to_decide(user)})
    if key == "refused":
        refused = ManifestItem.objects.filter(manifest=OuterRef("pk"), status=ItemStatus.REFUSED)
        qs = qs.alias(has_refused=Exists(refused)).filter(
            Q(has_refused=True) | Q(link_kind__in=(LinkKind.RETURN, LinkKind.REDIRECT))
        )
        if member_orgs is not None:
            qs = qs.filter(Q(shipper__in=member_orgs) | Q(receiver__in=member_orgs))
        return qs
    return qs


def tab_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    return {t.key: tab_queryset(user, t.key, today).count() for t in TABS}


def search(
    qs: QuerySet[Manifest],
    text: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Manifest]:
    """Number, party name, waste code or plate (one text), and the planned date range."""
    text = (text or "").strip()
    if text:
        lines = Manifest.objects.filter(
            Q(lines__waste_code__code__icontains=text)
            | Q(lines__general_category__code_2021__icontains=text)
            | Q(legs__vehicle__plate__icontains=text)
            | Q(legs__carrier__name__icontains=text)
        ).values("pk")
        qs = qs.filter(
            Q(number__icontains=text)
            | Q(shipper__name__icontains=text)
            | Q(receiver__name__icontains=text)
            | Q(carrier__name__icontains=text)
            | Q(vehicle__plate__icontains=text)
            | Q(pk__in=lines)
        )
    if date_from:
        qs = qs.filter(planned_pickup_on__gte=date_from)
    if date_to:
        qs = qs.filter(planned_pickup_on__lte=date_to)
    return qs


def is_overdue(m: Manifest, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    if m.status == ManifestStatus.ARRIVED and m.receipt_due_on and m.receipt_due_on < today:
        return True
    return m.status == ManifestStatus.SUBMITTED and m.planned_pickup_on < today


def driver_trips(user: Any) -> QuerySet[Manifest]:
    """行程: manifests the user's carrier loads now, carries now, or takes over next."""
    orgs = org_ids(user, CARRIER_ROLES)
    return (
        manifests_for(user)
        .alias(current=_leg_of(orgs, 0), following=_leg_of(orgs, 1))
        .filter(
            Q(status=ManifestStatus.SUBMITTED, carrier__in=orgs)
            | Q(status=ManifestStatus.IN_TRANSIT, current=True)
            | Q(status=ManifestStatus.IN_TRANSIT, following=True)
        )
        .order_by("planned_pickup_on", "pk")
    )


def shippable_containers(user: Any, exclude: Manifest | None = None) -> list[Container]:
    """The shipper's containers that may go on a manifest: coded, weighed, in storage (or
    out of storage), and not on another open manifest."""
    qs = (
        Container.objects.restrict(user, "change")
        .filter(status__in=SHIPPABLE, weight_tonnes__isnull=False)
        .exclude(ident_code="")
        .select_related("site", "organization", "waste_code", "general_category")
        .order_by("site__name", "waste_code__code", "stored_since", "pk")
    )
    rows = list(qs[:500])
    busy = open_manifest_of([c.pk for c in rows], exclude=exclude)
    return [c for c in rows if c.pk not in busy]


def items_of(m: Manifest) -> list[ManifestItem]:
    return list(
        m.items.select_related(
            "container", "line", "line__waste_code", "treatment_method", "loaded_by", "received_by"
        )
    )


def pending_scan(m: Manifest, step: str) -> list[ManifestItem]:
    """Containers still to scan at ``step`` (load, takeover, receive)."""
    items = items_of(m)
    if step == "load":
        return [i for i in items if i.status == ItemStatus.LISTED]
    if step == "takeover":
        return [i for i in items if i.last_scanned_leg <= m.current_leg]
    return [i for i in items if i.arrived_scanned_at is None]


def revisions_to_decide(user: Any) -> list[Revision]:
    """Open revision requests that one of the user's organisations (admin or member) must still
    approve or refuse (the approvers are a JSON list: filtered here, there are few open)."""
    writers = set(org_ids(user, WRITER_ROLES))
    if not writers:
        return []
    out = []
    for r in Revision.objects.restrict(user, "view").filter(status=RevisionStatus.OPEN):
        decided = {d.get("org") for d in r.decisions}
        if writers & (set(r.approvers) - decided):
            out.append(r)
    return out


def linked_of(user: Any, m: Manifest) -> list[Manifest]:
    """The manifests that follow this one (refused waste returned or sent on), visible ones."""
    return list(manifests_for(user).filter(parent=m).order_by("pk"))


def consolidated_containers(items: list[ManifestItem], limit: int = 10) -> list[Container]:
    """The containers on the manifest that a collector made by consolidation (合并)."""
    ids = {i.container_id for i in items}
    made = set(
        Consolidation.objects.filter(container_id__in=ids).values_list("container_id", flat=True)
    )
    return [i.container for i in items if i.container_id in made][:limit]
