"""Drawing on an approval (Art. 26–27): every cross-province manifest uses part of the
approved quantity of its waste code and method; a cancelled manifest or refused waste gives
it back.

The manifests app calls, inside its own action's transaction::

    approval = find_valid_approval(shipper, receiver, waste_code, method, on_date)
    check_available(approval, waste_code, method, tonnes, on_date)   # ValidationFailed
    draw(actor, approval, waste_code, method, tonnes)                 # locks the line
    release(actor, approval, waste_code, method, tonnes)              # cancel / refusal

``waste_code`` and ``method`` may be model instances or their codes (``"900-249-08"``,
``"R9"``); lines match on the printed codes, so a manifest written against a newer catalogue
edition still finds its line. These functions do not check the actor's permission: the
calling action did (the actor is recorded in the audit event).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core.errors import ValidationFailed
from wufei.registry.models import Organization, PermitStatus

from ..models import ApprovalLine, ApprovalStatus, CrossProvinceApproval
from ._common import code_text, method_text, record

TONNE = Decimal("0.0001")


def _tonnes(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparsable value is refused below
        amount = Decimal("-1")
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed(
            _("The quantity drawn on an approval must be more than 0 t."),
            code="approvals.tonnes_invalid",
            field="approval",
        )
    return amount.quantize(TONNE)


def _line_filter(approval: CrossProvinceApproval, waste_code: Any, method: Any):  # type: ignore[no-untyped-def]
    return ApprovalLine.objects.filter(
        approval_id=approval.pk,
        waste_code__code=code_text(waste_code),
        method__code=method_text(method),
    )


def find_valid_approval(
    shipper: Organization,
    receiver: Organization,
    waste_code: Any,
    method: Any,
    on_date: dt.date,
) -> CrossProvinceApproval | None:
    """The approval that lets ``shipper`` send ``waste_code`` for ``method`` to ``receiver``
    on ``on_date``: approved, valid that day, with the receiver's permit valid that day.
    Among several, the one with quantity left that expires first; ``None`` if there is none."""
    candidates = (
        CrossProvinceApproval.objects.filter(
            applicant_id=getattr(shipper, "pk", shipper),
            receiver_id=getattr(receiver, "pk", receiver),
            status=ApprovalStatus.APPROVED,
            valid_from__lte=on_date,
            valid_until__gte=on_date,
            receiver_permit__status=PermitStatus.VALID,
            receiver_permit__valid_from__lte=on_date,
            receiver_permit__valid_until__gte=on_date,
            lines__waste_code__code=code_text(waste_code),
            lines__method__code=method_text(method),
        )
        .annotate(remaining=F("lines__quantity_tonnes") - F("lines__used_tonnes"))
        .select_related("receiver_permit", "origin_region")
        .order_by("valid_until", "pk")
    )
    found = list(candidates)
    with_quantity = [a for a in found if a.remaining > 0]  # type: ignore[attr-defined]
    return (with_quantity or found or [None])[0]


def check_available(
    approval: CrossProvinceApproval | None,
    waste_code: Any,
    method: Any,
    tonnes: Any,
    on_date: dt.date,
) -> None:
    """Refuse (``ValidationFailed``, field ``approval``) unless ``approval`` covers ``tonnes``
    of ``waste_code`` by ``method`` on ``on_date``."""
    _check(approval, waste_code, method, _tonnes(tonnes), on_date, None)


def _check(
    approval: CrossProvinceApproval | None,
    waste_code: Any,
    method: Any,
    tonnes: Decimal,
    on_date: dt.date,
    line: ApprovalLine | None,
    *,
    expiry_only: bool = False,
) -> ApprovalLine:
    """With ``expiry_only`` (``draw`` without a date) ``on_date`` is today and only "not
    expired yet" is checked: a manifest planned for a later day was checked for that day by
    ``check_available``."""
    code, method_code = code_text(waste_code), method_text(method)
    if approval is None:
        raise ValidationFailed(
            _(
                "A cross-province transfer needs an approval valid on %(date)s for %(code)s "
                "(%(method)s); none was found."
            )
            % {"date": on_date.isoformat(), "code": code, "method": method_code},
            code="approvals.none",
            field="approval",
        )
    if approval.status != ApprovalStatus.APPROVED:
        raise ValidationFailed(
            _("Application %(approval)s is not approved (%(status)s).")
            % {"approval": approval, "status": approval.get_status_display()},
            code="approvals.not_approved",
            field="approval",
            details={"status": approval.status},
        )
    assert approval.valid_from is not None and approval.valid_until is not None
    starts = on_date if expiry_only else approval.valid_from
    if not starts <= on_date <= approval.valid_until:
        raise ValidationFailed(
            _("Approval %(approval)s is valid from %(start)s to %(end)s, not on %(date)s.")
            % {
                "approval": approval,
                "start": approval.valid_from.isoformat(),
                "end": approval.valid_until.isoformat(),
                "date": on_date.isoformat(),
            },
            code="approvals.not_valid_on_date",
            field="approval",
        )
    permit = approval.receiver_permit
    permit_ok = (
        permit.status == PermitStatus.VALID and on_date <= permit.valid_until
        if expiry_only
        else permit.is_valid_on(on_date)
    )
    if not permit_ok:
        raise ValidationFailed(
            _("The receiver's permit %(permit)s is not valid on %(date)s (valid until %(end)s).")
            % {
                "permit": permit.number,
                "date": on_date.isoformat(),
                "end": permit.valid_until.isoformat(),
            },
            code="approvals.permit_expired",
            field="approval",
        )
    if line is None:
        line = _line_filter(approval, waste_code, method).first()
    if line is None:
        raise ValidationFailed(
            _(
                "Approval %(approval)s does not cover %(code)s by %(method)s: a change of "
                "waste, method, receiver or quantity needs a new application (令第23号 Art. 27)."
            )
            % {"approval": approval, "code": code, "method": method_code},
            code="approvals.not_covered",
            field="approval",
        )
    remaining = line.quantity_tonnes - line.used_tonnes
    if remaining < tonnes:
        raise ValidationFailed(
            _(
                "Approval %(approval)s has %(remaining)s t of %(code)s (%(method)s) left, "
                "less than %(tonnes)s t: a larger quantity needs a new application."
            )
            % {
                "approval": approval,
                "remaining": f"{remaining:.4f}",
                "code": code,
                "method": method_code,
                "tonnes": f"{tonnes:.4f}",
            },
            code="approvals.quantity_exceeded",
            field="approval",
            details={"remaining_tonnes": f"{remaining:.4f}", "tonnes": f"{tonnes:.4f}"},
        )
    return line


def _locked(approval: CrossProvinceApproval, waste_code: Any, method: Any):  # type: ignore[no-untyped-def]
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("draw() and release() must run inside the caller's transaction")
    fresh = (
        CrossProvinceApproval.objects.select_related("receiver_permit", "origin_region")
        .filter(pk=approval.pk)
        .first()
    )
    line = _line_filter(approval, waste_code, method).select_for_update().first()
    return fresh, line


def _event(
    actor: Any, verb: str, approval: CrossProvinceApproval, line: ApprovalLine, tonnes: Decimal
) -> None:
    line.refresh_from_db(fields=["used_tonnes"])
    record(
        actor,
        verb,
        approval,
        after={
            "line": line.pk,
            "waste_code": line.waste_code.code,
            "method": line.method.code,
            "tonnes": tonnes,
            "used_tonnes": line.used_tonnes,
            "remaining_tonnes": line.quantity_tonnes - line.used_tonnes,
        },
    )


def draw(
    actor: Any,
    approval: CrossProvinceApproval,
    waste_code: Any,
    method: Any,
    tonnes: Any,
    *,
    on_date: dt.date | None = None,
) -> ApprovalLine:
    """Use ``tonnes`` of the approval's line (in the caller's transaction): the line is
    locked, everything is checked again, ``used_tonnes`` goes up. Without ``on_date`` the
    validity is checked as "not expired today" (the caller checked its transfer day with
    ``check_available``); with it, as ``check_available`` does for that day. The database refuses a line
    used beyond its quantity even if a check were missed (``approvals_line_within_quantity``).
    """
    amount = _tonnes(tonnes)
    day = on_date or timezone.localdate()
    fresh, line = _locked(approval, waste_code, method)
    line = _check(fresh, waste_code, method, amount, day, line, expiry_only=on_date is None)
    try:
        with transaction.atomic():
            ApprovalLine.objects.filter(pk=line.pk).update(used_tonnes=F("used_tonnes") + amount)
    except IntegrityError:
        raise ValidationFailed(
            _("Approval %(approval)s has not enough quantity left for %(tonnes)s t.")
            % {"approval": fresh, "tonnes": f"{amount:.4f}"},
            code="approvals.quantity_exceeded",
            field="approval",
        ) from None
    assert fresh is not None
    _event(actor, "draw", fresh, line, amount)
    return line


def release(
    actor: Any,
    approval: CrossProvinceApproval,
    waste_code: Any,
    method: Any,
    tonnes: Any,
) -> ApprovalLine:
    """Give back ``tonnes`` drawn earlier (a cancelled manifest, refused waste). Allowed in
    any status and after the validity: it only corrects what was used."""
    amount = _tonnes(tonnes)
    fresh, line = _locked(approval, waste_code, method)
    if fresh is None or line is None:
        raise ValidationFailed(
            _("Approval %(approval)s does not cover %(code)s by %(method)s.")
            % {"approval": approval, "code": code_text(waste_code), "method": method_text(method)},
            code="approvals.not_covered",
            field="approval",
        )
    if amount > line.used_tonnes:
        raise ValidationFailed(
            _(
                "Only %(used)s t of %(code)s were drawn on approval %(approval)s; %(tonnes)s t cannot be given back."
            )
            % {
                "used": f"{line.used_tonnes:.4f}",
                "code": line.waste_code.code,
                "approval": fresh,
                "tonnes": f"{amount:.4f}",
            },
            code="approvals.release_exceeds_used",
            field="approval",
        )
    ApprovalLine.objects.filter(pk=line.pk).update(used_tonnes=F("used_tonnes") - amount)
    _event(actor, "release", fresh, line, amount)
    return line
