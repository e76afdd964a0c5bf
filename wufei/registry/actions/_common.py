"""Shared pieces of the registry actions."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.errors import ValidationFailed


def reject_unknown(changes: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="registry.field_not_editable",
            field=unknown[0],
        )


def record_update(
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict,
    *,
    organization_id: int | None,
    region_prefix: str,
    reason: str = "",
) -> bool:
    """Write an update event with only the changed fields; ``False`` when nothing changed."""
    old, new = audit.diff(before, audit.snapshot(obj))
    old.pop("updated_at", None)
    new.pop("updated_at", None)
    old.pop("version", None)
    new.pop("version", None)
    if not new:
        return False
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before=old,
        after=new,
        organization_id=organization_id,
        region_prefix=region_prefix,
        reason=reason,
    )
    return True


def bump(obj: Any) -> None:
    obj.version = (obj.version or 0) + 1
