"""Shared pieces of the manifest actions: locks, party checks, signatures, audit, events."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import after_commit, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import ADMIN, DRIVER, MEMBER, principal

from .. import signing
from ..models import Manifest, ManifestStatus, Signature

SHIPPER, CARRIER, RECEIVER = "shipper", "carrier", "receiver"
WRITERS = frozenset({ADMIN, MEMBER})
CARRIER_ROLES = frozenset({ADMIN, MEMBER, DRIVER})


def treatment_method(value: Any, field: str, code: str = "") -> Any:
    """The utilisation/disposal method (R9, D10…) given by code or row; ``code`` names the
    waste in the message when the method is chosen per waste code."""
    from wufei.catalog.models import TreatmentMethod

    if isinstance(value, TreatmentMethod):
        return value
    raw = str(value or "").strip().upper()
    found = TreatmentMethod.objects.filter(code=raw).first() if raw else None
    if found is None:
        message = (
            _("Choose the utilisation/disposal method (e.g. R9, D10) for %(code)s.")
            % {"code": code}
            if code
            else _("Choose the utilisation/disposal method (e.g. R9, D10).")
        )
        raise ValidationFailed(message, code="manifests.method_unknown", field=field)
    return found


def lock_manifest(actor: Any, manifest: Manifest | int) -> Manifest:
    pk = manifest.pk if isinstance(manifest, Manifest) else int(manifest)
    return lock(actor, "change", Manifest, pk=pk)


def acting_org(actor: Any, org_id: int | None, roles: frozenset[str], party: str) -> int:
    """The organisation the actor acts for as ``party``, or 403."""
    p = principal(actor)
    if p is not None and org_id is not None and p.org_roles.get(org_id) in roles:
        return org_id
    labels = {
        SHIPPER: _("the shipper (移出人)"),
        CARRIER: _("the carrier (承运人)"),
        RECEIVER: _("the receiver (接受人)"),
    }
    raise Forbidden(
        _("Only %(party)s may do this step.") % {"party": labels[party]},
        code="manifests.wrong_party",
        field="actor",
        details={"party": party},
    )


def current_carrier_id(manifest: Manifest) -> int:
    if manifest.current_leg <= 1:
        return manifest.carrier_id
    leg = manifest.legs.filter(sequence=manifest.current_leg).first()
    return leg.carrier_id if leg else manifest.carrier_id


def refuse_state(manifest: Manifest, what: str, code: str) -> Conflict:
    return Conflict(
        _("Manifest %(manifest)s is %(status)s: it cannot be %(what)s.")
        % {"manifest": manifest, "status": manifest.get_status_display(), "what": what},
        code=code,
        field="status",
        details={"status": manifest.status},
    )


def require_status(manifest: Manifest, allowed: tuple[str, ...], what: str, code: str) -> None:
    if manifest.status not in allowed:
        raise refuse_state(manifest, what, code)


def snapshot(manifest: Manifest) -> dict[str, Any]:
    data = audit.snapshot(manifest)
    for key in ("created_at", "updated_at"):
        data.pop(key, None)
    return data


def save(manifest: Manifest) -> None:
    manifest.version += 1
    manifest.save()


def record(
    actor: Any,
    action: str,
    manifest: Manifest,
    before: dict[str, Any] | None,
    *,
    extra: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    after = snapshot(manifest)
    if before is not None:
        before, after = audit.diff(before, after)
        before.pop("version", None)
    if extra:
        after.update(extra)
    audit.record(
        actor=actor,
        action=action,
        obj=manifest,
        before=before,
        after=after,
        organization_id=manifest.shipper_id,
        region_prefix=manifest.origin_region.prefix,
        reason=reason,
    )


def sign(
    actor: Any,
    manifest: Manifest,
    step: str,
    org_id: int,
    role: str,
    *,
    leg: int = 0,
    revision: int = 0,
) -> Signature:
    """Record the signature of ``step`` over the manifest's content now (in the transaction).

    The unique constraint (manifest, step, leg, revision) makes a replayed or concurrent
    signature fail even if two requests passed the state guard at the same moment.
    """
    if Signature.objects.filter(manifest=manifest, step=step, leg=leg, revision=revision).exists():
        raise Conflict(
            _("This step of manifest %(manifest)s has already been signed.")
            % {"manifest": manifest},
            code="manifests.already_signed",
            field="status",
        )
    from wufei.registry.models import Organization

    org = Organization.objects.get(pk=org_id)
    now = timezone.now().replace(microsecond=0)
    name = (
        (actor.get_full_name() or actor.get_username())
        if getattr(actor, "pk", None)
        else str(actor)
    )
    sig = Signature(
        manifest=manifest,
        step=step,
        leg=leg,
        revision=revision,
        signer=actor if getattr(actor, "pk", None) else None,
        signer_name=name[:150],
        role=role,
        organization=org,
        signed_at=now,
        content_sha256=signing.content_sha256(manifest),
        key_id=signing.key_id(),
        platform_signature="",
    )
    sig.platform_signature = signing.countersign(signing.statement_of(sig))
    sig.save()
    return sig


def publish(manifest: Manifest, event: str, orgs: list[int], title: str, body: str = "") -> None:
    """Tell the parties after commit (in-app, e-mail, webhooks)."""
    payload = {
        "manifest_id": manifest.pk,
        "number": manifest.number,
        "status": manifest.status,
        "kind": manifest.kind,
    }
    url = manifest.get_absolute_url()
    targets = sorted({o for o in orgs if o})

    def send() -> None:
        from wufei.core import events
        from wufei.notifications.service import publish as notify

        events.emit(event, manifest_id=manifest.pk)

        notify(
            event,
            organizations=targets,
            title=title,
            body=body,
            url=url,
            payload=payload,
            obj=manifest,
        )

    after_commit(send)


OPEN_STATUSES = (
    ManifestStatus.DRAFT,
    ManifestStatus.SUBMITTED,
    ManifestStatus.IN_TRANSIT,
    ManifestStatus.ARRIVED,
)
