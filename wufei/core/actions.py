"""Helpers every app's ``actions.py`` uses.

An action is the only writer of domain state. Its shape::

    def update_site(actor, site, *, version=None, **changes) -> Site:
        with transaction.atomic():
            site = lock(actor, "change", Site, pk=site.pk)          # 404 if not allowed
            check_version(site, version)                            # 409 if stale
            before = snapshot(site)
            ...validate (raise ValidationFailed(message, field=...)), apply, save...
            audit.record(actor=actor, action="registry.site.update", obj=site,
                         before=before, after=snapshot(site), organization_id=site.organization_id,
                         region_prefix=site.region.prefix)
        after_commit(lambda: notify(...))
        return site
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from .errors import Conflict, NotFound
from .permissions import allows

M = TypeVar("M", bound=models.Model)


def require(actor: Any, action: str, obj: models.Model) -> None:
    """Raise :class:`NotFound` unless ``actor`` may ``action`` on ``obj`` (forbidden = missing)."""
    if not allows(actor, action, obj):
        raise NotFound(
            _("%(what)s not found.") % {"what": obj._meta.verbose_name}, code="not_found"
        )


def lock(actor: Any, action: str, model: type[M], **lookup: Any) -> M:
    """Fetch one row the actor may ``action``, locked for the rest of the transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() must be called inside the action's transaction")
    obj = model.objects.restrict(actor, action).select_for_update().filter(**lookup).first()  # type: ignore[attr-defined]
    if obj is None:
        raise NotFound(
            _("%(what)s not found.") % {"what": model._meta.verbose_name}, code="not_found"
        )
    return obj


def check_version(obj: models.Model, expected: int | None) -> None:
    """Optimistic concurrency (ETag / If-Match): refuse an update made on a stale copy."""
    if expected is not None and int(expected) != obj.version:  # type: ignore[attr-defined]
        raise Conflict(
            _("This record was changed by someone else. Reload it and try again."),
            code="stale_version",
            field="version",
            details={"current_version": obj.version},  # type: ignore[attr-defined]
        )


def after_commit(fn: Callable[[], Any]) -> None:
    """Run ``fn`` only once the surrounding transaction has committed (notifications etc.)."""
    transaction.on_commit(fn)
