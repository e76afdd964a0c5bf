"""Micro collection (小微收运): a collector consolidates what it received from small producers.

A collector (``Organization.is_collector``) receives manifests from many small producers on
the normal path (the receiver check accepts a collector; it collects under a collection permit
or, with no permit, under an explicitly claimed 豁免清单 row on each line). It then packs
received containers of one waste code into one of its own containers with
:func:`consolidate`: the new container is produced, weighed, coded (a real HJ 1276 code with
the collector as 收集单位) and stored through the ledger's one-step action, its weight is the
sum of the received weights, and a :class:`Consolidation` row links each source container on
its manifest (status CONSOLIDATED, which closes those manifests once nothing is left on them).
The collector then ships its container on a normal manifest as 移出人. :func:`trace` walks a
container back to every producer's original container and manifest (一码贯通).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wufei.core.errors import Conflict, ValidationFailed
from wufei.ledger.actions import produce_container
from wufei.ledger.models import Container
from wufei.registry.models import Site

from ..models import Consolidation, ItemStatus, ManifestItem, ManifestStatus
from ._common import RECEIVER, WRITERS, acting_org, lock_manifest, publish, record, save, snapshot
from .draft import _pk
from .receipt import _maybe_close


def consolidate(
    actor: Any,
    items: list[Any],
    *,
    site: Any,
    facility: Any,
    package_type: str,
    volume_litres: Any,
    internal_name: str = "",
    form: str = "",
    count: Any = 1,
    allow_over_capacity: bool = False,
    reason: str = "",
) -> Container:
    """合并: the collector packs received containers (``ManifestItem`` rows or their ids) of
    one waste code into one new container of its ledger, stored in ``facility``."""
    ids = sorted({int(_pk(i)) for i in items or [] if str(_pk(i)).isdigit()})
    if not ids:
        raise ValidationFailed(
            _("Choose the received containers to consolidate."),
            code="manifests.consolidate_empty",
            field="items",
        )
    with transaction.atomic():
        found_site = (
            Site.objects.filter(pk=_pk(site), is_active=True).select_related("organization").first()
            if site
            else None
        )
        if found_site is None:
            raise ValidationFailed(
                _("Choose one of your sites."), code="manifests.site_required", field="site"
            )
        org = acting_org(actor, found_site.organization_id, WRITERS, RECEIVER)
        if not found_site.organization.is_collector:
            raise ValidationFailed(
                _("Only a micro collector (小微收运单位) consolidates received waste."),
                code="manifests.not_collector",
                field="site",
            )
        manifest_ids = sorted(
            set(ManifestItem.objects.filter(pk__in=ids).values_list("manifest_id", flat=True))
        )
        manifests = {pk: lock_manifest(actor, pk) for pk in manifest_ids}
        chosen = list(
            ManifestItem.objects.select_for_update(of=("self",))
            .select_related("container", "container__waste_code", "line")
            .filter(pk__in=ids, manifest_id__in=manifests)
            .order_by("pk")
        )
        if len(chosen) != len(ids):
            raise ValidationFailed(
                _("Some of the chosen containers are not on your manifests."),
                code="manifests.consolidate_unknown",
                field="items",
            )
        for item in chosen:
            m = manifests[item.manifest_id]
            if m.receiver_id != org:
                raise ValidationFailed(
                    _("Container %(code)s was not received by %(org)s.")
                    % {"code": item.container, "org": found_site.organization.name},
                    code="manifests.consolidate_unknown",
                    field="items",
                )
            if item.status != ItemStatus.RECEIVED or m.status != ManifestStatus.RECEIVED:
                raise Conflict(
                    _(
                        "Container %(code)s on manifest %(number)s is %(status)s: only received containers are consolidated."
                    )
                    % {
                        "code": item.container,
                        "number": m.number,
                        "status": item.get_status_display(),
                    },
                    code="manifests.not_consolidatable",
                    field="items",
                )
        first = chosen[0].container
        if any(
            i.container.code_text != first.code_text or i.container.kind != first.kind
            for i in chosen
        ):
            raise ValidationFailed(
                _("One container holds one waste code: choose containers of the same code."),
                code="manifests.consolidate_mixed",
                field="items",
            )
        weight = sum((i.received_tonnes or i.dispatch_tonnes for i in chosen), Decimal("0"))
        fields: dict[str, Any] = {
            "internal_name": internal_name or first.internal_name,
            "form": form or first.form,
            "process": _("Micro collection (小微收集)"),
            "hazardous_components": first.hazardous_components,
            "package_type": package_type,
            "volume_litres": volume_litres,
            "count": count,
        }
        if first.is_hazardous:
            fields["waste_code"] = first.waste_code
        else:
            fields["general_category"] = first.general_category
            fields["general_class"] = first.general_class
        result = produce_container(
            actor,
            found_site,
            weight_tonnes=weight,
            facility=facility,
            allow_over_capacity=allow_over_capacity,
            reason=reason,
            **fields,
        )
        container = result.container
        for item in chosen:
            Consolidation.objects.create(
                container=container,
                source_item=item,
                tonnes=item.received_tonnes or item.dispatch_tonnes,
            )
            item.status = ItemStatus.CONSOLIDATED
            item.save(update_fields=["status"])
        closed = []
        for m in manifests.values():
            before = snapshot(m)
            if _maybe_close(actor, m, org):
                closed.append(m)
            else:
                save(m)
            record(
                actor,
                "manifests.manifest.consolidate",
                m,
                before,
                extra={
                    "container": container.ident_code,
                    "sources": [i.container.ident_code for i in chosen if i.manifest_id == m.pk],
                },
            )
    for m in closed:
        publish(
            m,
            "manifest.closed",
            [m.shipper_id],
            _("Manifest %(number)s is closed: collected into container %(code)s")
            % {"number": m.number, "code": container.ident_code},
        )
    return container


@dataclass
class TraceNode:
    """One container in the tree: the manifests it travelled on and what it was made from."""

    container: Container
    items: list[ManifestItem] = field(default_factory=list)
    sources: list[TraceNode] = field(default_factory=list)
    tonnes: Decimal | None = None  # the weight it contributed to its parent

    @property
    def producers(self) -> list[Any]:
        """Every original producer (the organisations of the leaves), in order, once each."""
        out: dict[int, Any] = {}
        for leaf in self.leaves():
            out.setdefault(leaf.container.organization_id, leaf.container.organization)
        return list(out.values())

    def leaves(self) -> list[TraceNode]:
        if not self.sources:
            return [self]
        return [leaf for s in self.sources for leaf in s.leaves()]


MAX_DEPTH = 10


def trace(
    container: Container, *, _depth: int = 0, _seen: frozenset[int] = frozenset()
) -> TraceNode:
    """一码贯通: the tree from ``container`` back to every producer's containers and manifests.

    The caller checks that the user may see ``container``; the tree then shows the codes,
    producers and manifest numbers it was made from (what a regulator or the final receiver
    needs to follow the waste back).
    """
    node = TraceNode(
        container=container,
        items=list(
            ManifestItem.objects.filter(container=container)
            .select_related("manifest", "manifest__shipper", "manifest__receiver")
            .order_by("manifest__submitted_at", "pk")
        ),
    )
    if _depth >= MAX_DEPTH or container.pk in _seen:
        return node
    seen = _seen | {container.pk}
    for link in (
        Consolidation.objects.filter(container=container)
        .select_related("source_item__container__organization")
        .order_by("pk")
    ):
        child = trace(link.source_item.container, _depth=_depth + 1, _seen=seen)
        child.tonnes = link.tonnes
        node.sources.append(child)
    return node


def consolidatable(user: Any, org_id: int) -> list[ManifestItem]:
    """Received containers of the collector ``org_id`` waiting to be consolidated."""
    return list(
        ManifestItem.objects.restrict(user, "change")
        .filter(
            manifest__receiver_id=org_id,
            manifest__status=ManifestStatus.RECEIVED,
            status=ItemStatus.RECEIVED,
        )
        .select_related("container", "container__waste_code", "manifest", "manifest__shipper")
        .order_by("container__waste_code__code", "manifest__number", "pk")[:500]
    )
