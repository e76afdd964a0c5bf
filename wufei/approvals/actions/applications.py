"""The applicant's side (移出人): draft, documents, submit (and resubmit), withdraw (Art. 22)."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wufei.core import numbering
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import allows
from wufei.registry.models import Site

from .. import rules
from ..models import ApprovalDocument, ApprovalLine, ApprovalStatus, CrossProvinceApproval, StepKind
from ._common import (
    clean_date,
    clean_lines,
    clean_permit,
    clean_receiver,
    current_round,
    finish_step,
    is_applicant,
    lines_snapshot,
    lock_approval,
    open_step,
    province_of,
    record,
    refuse_status,
    require_applicant,
    save,
    snapshot,
    start_step,
    text,
)

#: Documents up to this size (bytes) are accepted.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
FIELDS = {"receiver", "receiver_permit", "requested_from", "requested_until", "purpose", "lines"}


def number_for(approval: CrossProvinceApproval, year: int) -> str:
    """申请编号: ``KS`` + year + origin province code + 6-digit serial per province and year."""
    province = approval.origin_region.code[:2]
    serial = numbering.next_number(f"approval:{province}", year)
    return numbering.format_serial(f"KS{year}{province}", serial, 6)


def _clean(data: dict[str, Any], origin_id: int | None = None) -> dict[str, Any]:
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="approvals.field_not_editable",
            field=unknown[0],
        )
    today = timezone.localdate()
    start = clean_date(data.get("requested_from"), "requested_from", _("transfer start date"))
    end = clean_date(data.get("requested_until"), "requested_until", _("transfer end date"))
    assert start is not None and end is not None
    if end < start:
        raise ValidationFailed(
            _("The transfer period ends before it starts."),
            code="approvals.period_invalid",
            field="requested_until",
        )
    if end < today:
        raise ValidationFailed(
            _("The transfer period has already ended."),
            code="approvals.period_past",
            field="requested_until",
        )
    lines = clean_lines(data.get("lines"))
    receiver = clean_receiver(data.get("receiver"))
    destination = province_of(receiver.region)
    if origin_id is not None and destination.pk == origin_id:
        raise ValidationFailed(
            _(
                "%(name)s is in the same province: a transfer within the province needs no "
                "cross-province approval."
            )
            % {"name": receiver.name},
            code="approvals.same_province",
            field="receiver",
        )
    permit = clean_permit(receiver, data.get("receiver_permit"), lines, today)
    return {
        "receiver": receiver,
        "receiver_permit": permit,
        "destination_region": destination,
        "requested_from": start,
        "requested_until": end,
        "purpose": text(data.get("purpose"), "purpose", _("purpose"), 2000),
        "lines": lines,
    }


def _write_lines(approval: CrossProvinceApproval, lines: list[dict[str, Any]]) -> None:
    approval.lines.all().delete()
    ApprovalLine.objects.bulk_create(
        [
            ApprovalLine(
                approval=approval,
                waste_code=line["waste_code"],
                name=line["name"],
                method=line["method"],
                quantity_tonnes=line["quantity"],
            )
            for line in lines
        ]
    )


def create_application(actor: Any, site: Site, **fields: Any) -> CrossProvinceApproval:
    """A draft application of ``site``'s organisation (a producer or micro collector) to move
    the listed wastes to a licensed receiver in another province."""
    with transaction.atomic():
        site = lock(actor, "view", Site, pk=site.pk)
        applicant = site.organization
        origin = province_of(site.region)
        draft = CrossProvinceApproval(
            applicant=applicant, applicant_site=site, origin_region=origin
        )
        refused = Forbidden(
            _("You may not apply for %(name)s.") % {"name": applicant.name},
            code="approvals.add_not_allowed",
            field="applicant_site",
        )
        if not is_applicant(actor, draft):
            raise refused
        if not (applicant.is_producer or applicant.is_collector) or not applicant.is_active:
            raise ValidationFailed(
                _(
                    "Only an active producer or micro collector (移出人) applies for a "
                    "cross-province transfer; %(name)s is neither."
                )
                % {"name": applicant.name},
                code="approvals.not_a_shipper",
                field="applicant_site",
            )
        if not site.is_active:
            raise ValidationFailed(
                _("The site is deactivated."),
                code="approvals.site_inactive",
                field="applicant_site",
            )
        data = _clean(fields, origin.pk)
        lines = data.pop("lines")
        for key, value in data.items():
            setattr(draft, key, value)
        if not allows(actor, "add", draft):
            raise refused
        draft.created_by = actor if getattr(actor, "pk", None) else None
        draft.save(force_insert=True)
        _write_lines(draft, lines)
        after = snapshot(draft)
        after["lines"] = lines_snapshot(draft)
        record(actor, "create", draft, after=after)
    return draft


def _lock_editable(actor: Any, approval: CrossProvinceApproval) -> CrossProvinceApproval:
    approval = lock_approval(actor, approval)
    require_applicant(actor, approval)
    if approval.status not in rules.EDITABLE:
        raise refuse_status(
            approval, pgettext("approval action", "changed"), "approvals.not_editable"
        )
    return approval


def update_application(
    actor: Any, approval: CrossProvinceApproval, *, version: int | None = None, **changes: Any
) -> CrossProvinceApproval:
    """Change a draft, or an application sent back for missing items (补正)."""
    with transaction.atomic():
        approval = _lock_editable(actor, approval)
        check_version(approval, version)
        current = {
            "receiver": approval.receiver,
            "receiver_permit": approval.receiver_permit,
            "requested_from": approval.requested_from,
            "requested_until": approval.requested_until,
            "purpose": approval.purpose,
            "lines": [
                {
                    "waste_code": line.waste_code,
                    "name": line.name,
                    "method": line.method,
                    "quantity_tonnes": line.quantity_tonnes,
                }
                for line in approval.lines.select_related("waste_code", "method")
            ],
        }
        if "receiver" in changes and "receiver_permit" not in changes:
            current["receiver_permit"] = None  # a new receiver: find its permit
        merged = {**current, **changes}
        data = _clean(merged, approval.origin_region_id)
        lines = data.pop("lines")
        before = snapshot(approval)
        before["lines"] = lines_snapshot(approval)
        for key, value in data.items():
            setattr(approval, key, value)
        save(approval)
        _write_lines(approval, lines)
        after = snapshot(approval)
        after["lines"] = lines_snapshot(approval)
        record(actor, "update", approval, before=before, after=after)
    return approval


def add_document(
    actor: Any, approval: CrossProvinceApproval, *, kind: Any, file: Any, title: Any = ""
) -> ApprovalDocument:
    """Attach an application document (申请材料, Art. 22) with its SHA-256."""
    kind = str(kind or "").strip()
    if kind not in rules.DocumentKind.values:
        raise ValidationFailed(
            _("Choose the kind of document."), code="approvals.document_kind", field="kind"
        )
    if file is None or not getattr(file, "name", ""):
        raise ValidationFailed(
            _("Choose the file to upload."), code="approvals.file_required", field="file"
        )
    title = text(title, "title", _("title"), 200) or PurePosixPath(str(file.name)).name[:200]
    size = getattr(file, "size", None) or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(
            _("The file is too large (20 MB at most)."),
            code="approvals.file_too_large",
            field="file",
        )
    digest = hashlib.sha256()
    if hasattr(file, "chunks"):
        for chunk in file.chunks():
            digest.update(chunk)
    else:
        digest.update(file.read())
    if hasattr(file, "seek"):
        file.seek(0)
    with transaction.atomic():
        approval = _lock_editable(actor, approval)
        doc = ApprovalDocument(
            approval=approval,
            kind=kind,
            title=title,
            sha256=digest.hexdigest(),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        suffix = PurePosixPath(str(file.name)).suffix.lower()[:10]
        doc.file.save(f"{approval.pk}-{doc.sha256[:16]}{suffix}", file, save=False)
        doc.save(force_insert=True)
        save(approval)
        record(
            actor,
            "add_document",
            approval,
            after={"document": doc.pk, "kind": kind, "title": title, "sha256": doc.sha256},
        )
    return doc


def remove_document(actor: Any, document: ApprovalDocument) -> None:
    with transaction.atomic():
        approval = _lock_editable(actor, document.approval)
        doc = ApprovalDocument.objects.filter(pk=document.pk, approval=approval).first()
        if doc is None:
            raise Conflict(
                _("The document was already removed."),
                code="approvals.document_gone",
                field="document",
            )
        before = {"document": doc.pk, "kind": doc.kind, "title": doc.title, "sha256": doc.sha256}
        doc.delete()
        save(approval)
        record(actor, "remove_document", approval, before=before)
    # The file itself stays in storage: the audit event names its hash.


def missing_documents(approval: CrossProvinceApproval) -> list[str]:
    present = set(approval.documents.values_list("kind", flat=True))
    return [kind for kind in rules.REQUIRED_DOCUMENTS if kind not in present]


def submit(
    actor: Any, approval: CrossProvinceApproval, *, version: int | None = None
) -> CrossProvinceApproval:
    """Send the application to the origin province's bureau (or resubmit it with the missing
    items): it gets its number on the first submission; the acceptance step starts with its
    deadline (5 working days)."""
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_applicant(actor, approval)
        check_version(approval, version)
        if approval.status not in rules.EDITABLE:
            raise refuse_status(
                approval, pgettext("approval action", "submitted"), "approvals.not_submittable"
            )
        missing = missing_documents(approval)
        if missing:
            raise ValidationFailed(
                _("Attach the application documents first: %(kinds)s.")
                % {"kinds": "、".join(str(rules.DocumentKind(k).label) for k in missing)},
                code="approvals.documents_missing",
                field="documents",
                details={"missing": missing},
            )
        # The receiver, its permit and the period are checked again: they may have changed.
        lines = [
            {
                "waste_code": line.waste_code,
                "name": line.name,
                "method": line.method,
                "quantity_tonnes": line.quantity_tonnes,
            }
            for line in approval.lines.select_related("waste_code", "method")
        ]
        _clean(
            {
                "receiver": approval.receiver,
                "receiver_permit": approval.receiver_permit,
                "requested_from": approval.requested_from,
                "requested_until": approval.requested_until,
                "purpose": approval.purpose,
                "lines": lines,
            },
            approval.origin_region_id,
        )
        before = snapshot(approval)
        now = timezone.now()
        resubmission = approval.status == ApprovalStatus.INCOMPLETE
        if not approval.number:
            approval.number = number_for(approval, timezone.localdate(now).year)
        approval.status = ApprovalStatus.SUBMITTED
        approval.submitted_at = now
        approval.simplified = rules.white_listed(
            approval.origin_region_id, approval.destination_region_id
        )
        save(approval)
        round_ = current_round(approval) + 1 if resubmission else 1
        step = start_step(approval, StepKind.ACCEPTANCE, now, round_)
        after = snapshot(approval)
        after["step"] = {"step": step.kind, "round": step.round, "due_on": step.due_on}
        record(
            actor, "resubmit" if resubmission else "submit", approval, before=before, after=after
        )
    return approval


def withdraw(
    actor: Any, approval: CrossProvinceApproval, *, reason: Any = ""
) -> CrossProvinceApproval:
    """The applicant withdraws the application (any time before the decision)."""
    reason = text(reason, "reason", _("reason"), 1000)
    with transaction.atomic():
        approval = lock_approval(actor, approval)
        require_applicant(actor, approval)
        if approval.status not in rules.WITHDRAWABLE:
            raise refuse_status(
                approval, pgettext("approval action", "withdrawn"), "approvals.not_withdrawable"
            )
        before = snapshot(approval)
        now = timezone.now()
        step = open_step(approval)
        if step is not None:
            finish_step(step, actor, rules.Outcome.WITHDRAWN, reason, now)
        approval.status = ApprovalStatus.WITHDRAWN
        save(approval)
        record(actor, "withdraw", approval, before=before, after=snapshot(approval), reason=reason)
    return approval
