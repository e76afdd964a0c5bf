"""Revision requests (修正申请): correcting a signed manifest with the other parties' approval.

Once the waste has left (in transit … closed) a manifest is never edited silently: a party
(shipper, carrier or receiver) proposes new values for fields of the whitelist ``REVISABLE``
with a reason; the other parties each approve or refuse. When every approver has approved, the
changes are applied in the same transaction, a REVISION signature is added over the new content
and the audit log keeps the values before and after. One refusal refuses the request; the
requester may withdraw it while it is open. Only one request per manifest is open at a time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wufei.catalog.models import TreatmentMethod
from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import principal
from wufei.registry import validators as v

from ..models import Manifest, ManifestLine, Revision, RevisionStatus, SignatureStep
from ._common import (
    CARRIER,
    RECEIVER,
    SHIPPER,
    WRITERS,
    lock_manifest,
    publish,
    record,
    save,
    sign,
    snapshot,
)
from .revision_fields import (
    REVISABLE,
    REVISABLE_STATUSES,
    current,
    label_of,
    parse_key,
    target,
    vehicle_of,
)

__all__ = [
    "REVISABLE",
    "REVISABLE_STATUSES",
    "decide_revision",
    "label_of",
    "request_revision",
    "withdraw_revision",
]


def _party_orgs(manifest: Manifest) -> dict[str, set[int]]:
    carriers = {manifest.carrier_id, *manifest.legs.values_list("carrier_id", flat=True)}
    return {SHIPPER: {manifest.shipper_id}, CARRIER: carriers, RECEIVER: {manifest.receiver_id}}


def _requester_org(actor: Any, manifest: Manifest) -> tuple[int, str]:
    p = principal(actor)
    roles = p.org_roles if p is not None else {}
    for party, orgs in _party_orgs(manifest).items():
        for org in sorted(orgs):
            if roles.get(org) in WRITERS:
                return org, party
    raise Forbidden(
        _("Only the shipper, a carrier or the receiver of the manifest may request a revision."),
        code="manifests.wrong_party",
        field="actor",
    )


def _audit_revision(
    actor: Any, action: str, revision: Revision, before: Any, reason: str = ""
) -> None:
    m = revision.manifest
    audit.record(
        actor=actor,
        action=action,
        obj=revision,
        before=before,
        after={
            "status": revision.status,
            "proposed": revision.proposed,
            "original": revision.original,
            "decisions": revision.decisions,
        },
        organization_id=m.shipper_id,
        region_prefix=m.origin_region.prefix,
        reason=reason,
    )


def request_revision(
    actor: Any, manifest: Manifest, changes: dict[str, Any], reason: str
) -> Revision:
    """修正申请: propose ``changes`` (``{key: new value}``, keys of ``REVISABLE``) with a reason."""
    reason = v.clean_required(reason, "reason", _("reason"), 2000)
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed(
            _("Say what should change."), code="manifests.revision_empty", field="changes"
        )
    with transaction.atomic():
        manifest = lock_manifest(actor, manifest)
        org, party = _requester_org(actor, manifest)
        if manifest.status not in REVISABLE_STATUSES:
            raise Conflict(
                _(
                    "Manifest %(manifest)s is %(status)s: before the waste leaves, the shipper edits or cancels it instead."
                )
                % {"manifest": manifest, "status": manifest.get_status_display()},
                code="manifests.not_revisable",
                field="status",
            )
        original: dict[str, str] = {}
        proposed: dict[str, str] = {}
        for key, value in changes.items():
            f, ref = parse_key(str(key))
            obj = target(manifest, f, ref, str(key))
            new = f.clean(value, str(key))
            if f.scope == "leg":
                vehicle_of(obj, new, str(key))
            old = current(obj, f)
            if new != old:
                original[str(key)], proposed[str(key)] = old, new
        if not proposed:
            raise ValidationFailed(
                _("The proposed values are the same as the manifest's."),
                code="manifests.revision_empty",
                field="changes",
            )
        if manifest.revisions.filter(status=RevisionStatus.OPEN).exists():
            raise _open_conflict(manifest)
        approvers = sorted(set().union(*_party_orgs(manifest).values()) - {org})
        number = (manifest.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        revision = Revision(
            manifest=manifest,
            number=number,
            requested_by_id=org,
            requested_by_user=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            original=original,
            proposed=proposed,
            approvers=approvers,
            decisions=[],
        )
        try:
            with transaction.atomic():
                revision.save(force_insert=True)
        except IntegrityError:
            raise _open_conflict(manifest) from None
        _audit_revision(actor, "manifests.revision.request", revision, None, reason)
    publish(
        manifest,
        "manifest.revision_requested",
        approvers,
        _("Manifest %(number)s: revision %(n)s requested, your approval is needed")
        % {"number": manifest.number, "n": number},
        reason,
    )
    return revision


def _open_conflict(manifest: Manifest) -> Conflict:
    return Conflict(
        _(
            "Manifest %(manifest)s already has an open revision request: decide or withdraw it first."
        )
        % {"manifest": manifest},
        code="manifests.revision_open",
        field="manifest",
    )


def _lock_revision(actor: Any, revision: Revision | int) -> Revision:
    pk = revision.pk if isinstance(revision, Revision) else int(revision)
    found = lock(actor, "change", Revision, pk=pk)
    return found


def _apply(manifest: Manifest, revision: Revision) -> None:
    """Write the proposed values; refuse if the manifest changed since the request."""
    touched_items: set[int] = set()
    explicit_lines: set[int] = set()
    for key, new in revision.proposed.items():
        f, ref = parse_key(key)
        obj = target(manifest, f, ref, key)
        if current(obj, f) != revision.original.get(key, ""):
            raise Conflict(
                _(
                    "The manifest has changed since the request (%(label)s): request the revision again."
                )
                % {"label": label_of(key)},
                code="manifests.revision_stale",
                field="changes",
            )
        value: Any = new
        if f.attr in ("method", "received_method"):
            value = TreatmentMethod.objects.get(code=new)
        elif f.attr == "vehicle":
            value = vehicle_of(obj, new, key)
        elif f.attr in ("quantity_tonnes", "received_tonnes", "accepted_tonnes"):
            value = Decimal(new)
        elif f.attr == "package_count":
            value = int(new)
        elif f.attr == "planned_pickup_on":
            value = dt.date.fromisoformat(new)
        elif f.attr == "planned_arrival_at":
            value = parse_datetime(new)
        setattr(obj, f.attr, value)
        if f.scope == "manifest":
            continue
        obj.save()
        if f.scope == "item":
            touched_items.add(obj.line_id)
        elif f.scope == "line" and f.attr in ("received_tonnes", "accepted_tonnes"):
            explicit_lines.add(obj.pk)
        elif f.scope == "leg" and obj.sequence == 1:
            manifest.vehicle = value
    # A changed container weight changes its line's received (and accepted) totals.
    for line in ManifestLine.objects.filter(pk__in=touched_items - explicit_lines):
        items = list(line.items.all())
        line.received_tonnes = sum((i.received_tonnes or Decimal("0") for i in items), Decimal("0"))
        line.accepted_tonnes = sum(
            (i.received_tonnes or Decimal("0") for i in items if not i.refused), Decimal("0")
        )
        line.save(update_fields=["received_tonnes", "accepted_tonnes"])


def decide_revision(
    actor: Any,
    revision: Revision,
    approve: bool,
    comment: str = "",
    *,
    version: int | None = None,
) -> Revision:
    """Approve or refuse as one of the other parties; the last approval applies the changes."""
    comment = v.clean_length(comment, "comment", _("comment"), 2000)
    if not approve and not comment:
        raise ValidationFailed(
            _("Give the reason for refusing."), code="manifests.reason_required", field="comment"
        )
    with transaction.atomic():
        revision = _lock_revision(actor, revision)
        manifest = lock_manifest(actor, revision.manifest_id)
        revision.manifest = manifest
        check_version(revision, version)
        if revision.status != RevisionStatus.OPEN:
            raise Conflict(
                _("Revision %(n)s is %(status)s: it cannot be decided any more.")
                % {"n": revision.number, "status": revision.get_status_display()},
                code="manifests.revision_closed",
                field="status",
            )
        p = principal(actor)
        roles = p.org_roles if p is not None else {}
        decided = {d["org"] for d in revision.decisions}
        mine = [o for o in revision.approvers if roles.get(o) in WRITERS and o not in decided]
        if not mine:
            if any(roles.get(o) in WRITERS for o in revision.approvers):
                raise Conflict(
                    _("Your organisation has already decided on this revision."),
                    code="manifests.revision_decided",
                    field="actor",
                )
            raise Forbidden(
                _("Only the other parties of the manifest decide on a revision request."),
                code="manifests.wrong_party",
                field="actor",
            )
        before = {"status": revision.status, "decisions": list(revision.decisions)}
        now = timezone.now()
        for org in mine:
            revision.decisions = [
                *revision.decisions,
                {
                    "org": org,
                    "user": getattr(actor, "pk", None),
                    "name": str(actor)[:150],
                    "approve": bool(approve),
                    "comment": comment,
                    "at": now.isoformat(),
                },
            ]
        all_in = {d["org"] for d in revision.decisions} >= set(revision.approvers)
        applied = False
        if not approve:
            revision.status = RevisionStatus.REFUSED
            revision.decided_at = now
        elif all_in:
            m_before = snapshot(manifest)
            _apply(manifest, revision)
            save(manifest)
            party = next(
                (name for name, orgs in _party_orgs(manifest).items() if mine[0] in orgs), SHIPPER
            )
            sign(actor, manifest, SignatureStep.REVISION, mine[0], party, revision=revision.number)
            record(
                actor,
                "manifests.manifest.revision_apply",
                manifest,
                m_before,
                extra={
                    "revision": revision.number,
                    "changes_before": revision.original,
                    "changes_after": revision.proposed,
                },
                reason=revision.reason,
            )
            revision.status = RevisionStatus.APPROVED
            revision.decided_at = now
            applied = True
        revision.version += 1
        revision.save()
        _audit_revision(
            actor,
            "manifests.revision.approve" if approve else "manifests.revision.refuse",
            revision,
            before,
            comment,
        )
    everyone = sorted(set().union(*_party_orgs(manifest).values()))
    if revision.status != RevisionStatus.OPEN:
        publish(
            manifest,
            "manifest.revision_applied" if applied else "manifest.revision_refused",
            everyone,
            (
                _("Manifest %(number)s: revision %(n)s approved and applied")
                if applied
                else _("Manifest %(number)s: revision %(n)s refused")
            )
            % {"number": manifest.number, "n": revision.number},
            comment,
        )
    return revision


def withdraw_revision(actor: Any, revision: Revision, reason: str = "") -> Revision:
    """撤回: the requesting party withdraws its open request."""
    reason = v.clean_length(reason, "reason", _("reason"), 2000)
    with transaction.atomic():
        revision = _lock_revision(actor, revision)
        p = principal(actor)
        if p is None or p.org_roles.get(revision.requested_by_id) not in WRITERS:
            raise Forbidden(
                _("Only the party that requested the revision may withdraw it."),
                code="manifests.wrong_party",
                field="actor",
            )
        if revision.status != RevisionStatus.OPEN:
            raise Conflict(
                _("Revision %(n)s is %(status)s: it cannot be withdrawn.")
                % {"n": revision.number, "status": revision.get_status_display()},
                code="manifests.revision_closed",
                field="status",
            )
        before = {"status": revision.status}
        revision.status = RevisionStatus.WITHDRAWN
        revision.decided_at = timezone.now()
        revision.version += 1
        revision.save()
        _audit_revision(actor, "manifests.revision.withdraw", revision, before, reason)
    publish(
        revision.manifest,
        "manifest.revision_withdrawn",
        list(revision.approvers),
        _("Manifest %(number)s: revision %(n)s withdrawn")
        % {"number": revision.manifest.number, "n": revision.number},
        reason,
    )
    return revision
