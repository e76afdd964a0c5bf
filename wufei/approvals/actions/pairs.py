"""Province-pair settings: the Yangtze-delta white-list simplification (长三角白名单, Art. 21 ¶2).

A platform administrator adds a pair; the origin province's bureau (or the administrator)
switches the white-list on or off. The setting applies to applications submitted afterwards.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wufei.catalog.models import Region
from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Forbidden, ValidationFailed
from wufei.core.permissions import allows

from ..models import ProvincePair
from ._common import text


def _province(value: Any, name: str) -> Region:
    if isinstance(value, Region):
        found: Region | None = value
    else:
        raw = str(value or "").strip()
        found = Region.objects.filter(code=raw.ljust(6, "0")[:6]).first() if raw else None
    if found is None or found.level != Region.Level.PROVINCE:
        raise ValidationFailed(
            _("Choose a province."), code="approvals.province_required", field=name
        )
    return found


def set_province_pair(
    actor: Any,
    origin: Any,
    destination: Any,
    *,
    white_list: bool,
    note: Any = "",
    version: int | None = None,
) -> ProvincePair:
    origin_region = _province(origin, "origin")
    destination_region = _province(destination, "destination")
    if origin_region.pk == destination_region.pk:
        raise ValidationFailed(
            _("Choose two different provinces."),
            code="approvals.same_province",
            field="destination",
        )
    note = text(note, "note", _("note"), 300)
    with transaction.atomic():
        existing = ProvincePair.objects.filter(
            origin=origin_region, destination=destination_region
        ).first()
        if existing is None:
            pair = ProvincePair(origin=origin_region, destination=destination_region)
            if not allows(actor, "add", pair):
                raise Forbidden(
                    _("Only a platform administrator adds a province pair."),
                    code="approvals.pair_add_not_allowed",
                    field="origin",
                )
            before = None
        else:
            pair = lock(actor, "change", ProvincePair, pk=existing.pk)
            check_version(pair, version)
            before = audit.snapshot(pair)
            pair.version += 1
        pair.white_list = bool(white_list)
        pair.note = note
        pair.save()
        audit.record(
            actor=actor,
            action="approvals.provincepair.create"
            if before is None
            else "approvals.provincepair.update",
            obj=pair,
            before=before,
            after=audit.snapshot(pair),
            region_prefix=origin_region.prefix,
        )
    return pair
