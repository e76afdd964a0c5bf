"""Shared pieces of the approval actions: who may act, locks, steps, field checks, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from wufei.catalog.models import Region, TreatmentMethod, WasteCode
from wufei.catalog.queries import find_code, normalize_code
from wufei.core import audit
from wufei.core.actions import lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import WRITE_ROLES, principal
from wufei.registry import validators as v
from wufei.registry.models import Organization, Permit, PermitStatus

from .. import rules
from ..models import ApprovalStep, CrossProvinceApproval


def approvals_code(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a registry validator, re-labelling its error code ``approvals.…``."""
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        exc.code = "approvals." + exc.code.split(".", 1)[-1]
        raise


def text(value: Any, name: str, label: str, max_length: int, *, required: bool = False) -> str:
    check = v.clean_required if required else v.clean_length
    return approvals_code(check, value, name, label, max_length)


def clean_date(value: Any, name: str, label: str, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value or "").strip()
    if not raw:
        if not required:
            return None
        raise ValidationFailed(
            _("Enter the %(label)s (YYYY-MM-DD).") % {"label": label},
            code="approvals.date_required",
            field=name,
        )
    parsed = parse_date(raw)
    if parsed is None:
        raise ValidationFailed(
            _("The %(label)s is not a date (YYYY-MM-DD).") % {"label": label},
            code="approvals.date_invalid",
            field=name,
        )
    return parsed


def clean_tonnes(value: Any, name: str) -> Decimal:
    return approvals_code(v.clean_tonnes, value, name, required=True, positive=True)


def clean_waste_code(value: Any, name: str = "waste_code") -> WasteCode:
    """A code of the current catalogue edition (an older edition's code is accepted as given)."""
    if isinstance(value, WasteCode):
        return value
    raw = str(value or "").strip()
    found = find_code(raw) if raw else None
    if found is None and raw and normalize_code(raw):
        found = (
            WasteCode.objects.select_related("edition", "category")
            .filter(code=normalize_code(raw))
            .order_by("-edition__effective_from")
            .first()
        )
    if found is None:
        raise ValidationFailed(
            _("Enter a waste code of the catalogue (e.g. 900-249-08).")
            if not raw
            else _("%(code)s is not in the waste catalogue.") % {"code": raw},
            code="approvals.waste_code_unknown",
            field=name,
        )
    return found


def clean_method(value: Any, name: str = "method") -> TreatmentMethod:
    if isinstance(value, TreatmentMethod):
        return value
    raw = str(value or "").strip().upper()
    found = TreatmentMethod.objects.filter(code=raw).first() if raw else None
    if found is None:
        raise ValidationFailed(
            _("Choose the utilisation/disposal method (e.g. R9, D10).")
            if not raw
            else _("Unknown utilisation/disposal method %(code)s.") % {"code": raw},
            code="approvals.method_unknown",
            field=name,
        )
    return found


def code_text(value: Any) -> str:
    """``WasteCode`` or text → the printed code (``900-249-08``)."""
    if isinstance(value, WasteCode):
        return value.code
    return normalize_code(str(value or "")) or str(value or "").strip()


def method_text(value: Any) -> str:
    if isinstance(value, TreatmentMethod):
        return value.code
    return str(value or "").strip().upper()


def province_of(region: Region) -> Region:
    """The province (省级行政区) a region lies in."""
    if region.level == Region.Level.PROVINCE:
        return region
    found = Region.objects.filter(prefix=region.prefix[:2], level=Region.Level.PROVINCE).first()
    if found is None:
        raise ValidationFailed(
            _("The province of %(region)s is not in the region list.") % {"region": region},
            code="approvals.province_unknown",
            field="region",
        )
    return found


def clean_receiver(value: Any) -> Organization:
    """The receiver (接受人): an active organisation by object or credit code. Licensed
    operators are public in the registry, so the applicant need not see them otherwise."""
    if isinstance(value, Organization):
        found: Organization | None = value
    else:
        raw = str(value or "").strip().upper()
        if not raw:
            raise ValidationFailed(
                _("Enter the receiver's unified social credit code."),
                code="approvals.receiver_required",
                field="receiver",
            )
        found = Organization.objects.filter(uscc=raw).select_related("region").first()
        if found is None:
            raise ValidationFailed(
                _("No organisation has the credit code %(uscc)s.") % {"uscc": raw},
                code="approvals.receiver_unknown",
                field="receiver",
            )
    assert found is not None
    if not found.is_active or not found.is_receiver:
        raise ValidationFailed(
            _("%(name)s is not an active licensed receiver (经营单位).") % {"name": found.name},
            code="approvals.not_a_receiver",
            field="receiver",
        )
    return found


def permit_problem(permit: Permit, lines: list[dict[str, Any]]) -> str | None:
    """Why ``permit`` does not cover the lines (each code and method), or ``None``."""
    scopes = list(
        permit.scopes.select_related("waste_code", "category").prefetch_related("methods")
    )
    for line in lines:
        code: WasteCode = line["waste_code"]
        method: TreatmentMethod = line["method"]
        covering = [
            s
            for s in scopes
            if s.covers(code)
            or (s.waste_code is not None and s.waste_code.code == code.code)
            or (s.category is not None and s.category.code == code.category.code)
        ]
        if not covering:
            return _("Permit %(permit)s does not cover waste code %(code)s.") % {
                "permit": permit.number,
                "code": code.code,
            }
        if not any(method.code in {m.code for m in s.methods.all()} for s in covering):
            return _("Permit %(permit)s does not allow method %(method)s for %(code)s.") % {
                "permit": permit.number,
                "method": method.code,
                "code": code.code,
            }
    return None


def clean_permit(
    receiver: Organization, value: Any, lines: list[dict[str, Any]], today: dt.date
) -> Permit:
    """The receiver's permit that covers every line: the one given (object or number), or the
    first valid one that does."""
    permits = Permit.objects.filter(organization=receiver)
    if value not in (None, ""):
        number = value.number if isinstance(value, Permit) else str(value).strip()
        permit = permits.filter(number=number).first()
        if permit is None:
            raise ValidationFailed(
                _("%(receiver)s holds no permit numbered %(number)s.")
                % {"receiver": receiver.name, "number": number},
                code="approvals.permit_unknown",
                field="receiver_permit",
            )
        if permit.status != PermitStatus.VALID or permit.valid_until < today:
            raise ValidationFailed(
                _("Permit %(permit)s is not valid (%(status)s, valid until %(until)s).")
                % {
                    "permit": permit.number,
                    "status": permit.get_status_display(),
                    "until": permit.valid_until.isoformat(),
                },
                code="approvals.permit_not_valid",
                field="receiver_permit",
            )
        problem = permit_problem(permit, lines) if lines else None
        if problem:
            raise ValidationFailed(problem, code="approvals.permit_scope", field="lines")
        return permit
    candidates = permits.filter(status=PermitStatus.VALID, valid_until__gte=today).order_by(
        "-valid_until"
    )
    first_problem = None
    for permit in candidates:
        problem = permit_problem(permit, lines) if lines else None
        if problem is None:
            return permit
        first_problem = first_problem or problem
    raise ValidationFailed(
        first_problem
        or _("%(receiver)s holds no valid hazardous-waste permit.") % {"receiver": receiver.name},
        code="approvals.permit_scope" if first_problem else "approvals.permit_missing",
        field="lines" if first_problem else "receiver_permit",
    )


def clean_lines(lines: Any) -> list[dict[str, Any]]:
    """Each line: waste code, name, method, quantity (t); a code and method only once."""
    if not lines:
        raise ValidationFailed(
            _("List at least one waste with its quantity."),
            code="approvals.lines_required",
            field="lines",
        )
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, line in enumerate(lines):
        prefix = f"lines.{i}"
        code = clean_waste_code(line.get("waste_code"), f"{prefix}.waste_code")
        method = clean_method(line.get("method"), f"{prefix}.method")
        name = text(line.get("name"), f"{prefix}.name", _("waste name"), 100, required=True)
        quantity = clean_tonnes(line.get("quantity_tonnes"), f"{prefix}.quantity_tonnes")
        key = (code.code, method.code)
        if key in seen:
            raise ValidationFailed(
                _("Waste code %(code)s with method %(method)s is listed twice.")
                % {"code": code.code, "method": method.code},
                code="approvals.line_duplicate",
                field=f"{prefix}.waste_code",
            )
        seen.add(key)
        cleaned.append({"waste_code": code, "name": name, "method": method, "quantity": quantity})
    return cleaned


def is_applicant(actor: Any, approval: CrossProvinceApproval) -> bool:
    p = principal(actor)
    return p is not None and p.org_roles.get(approval.applicant_id) in WRITE_ROLES


def is_origin_bureau(actor: Any, approval: CrossProvinceApproval) -> bool:
    p = principal(actor)
    return p is not None and p.in_jurisdiction(approval.origin_region.prefix)


def is_destination_bureau(actor: Any, approval: CrossProvinceApproval) -> bool:
    p = principal(actor)
    return p is not None and p.in_jurisdiction(approval.destination_region.prefix)


def require_applicant(actor: Any, approval: CrossProvinceApproval) -> None:
    if not is_applicant(actor, approval):
        raise Forbidden(
            _("Only the applicant (%(name)s) may do this.") % {"name": approval.applicant.name},
            code="approvals.not_applicant",
            field="applicant",
        )


def require_origin_bureau(actor: Any, approval: CrossProvinceApproval) -> None:
    if not is_origin_bureau(actor, approval):
        raise Forbidden(
            _("Only the bureau of the origin province (%(province)s) may do this.")
            % {"province": approval.origin_region.name},
            code="approvals.not_origin_bureau",
            field="origin_region",
        )


def require_destination_bureau(actor: Any, approval: CrossProvinceApproval) -> None:
    if not is_destination_bureau(actor, approval):
        raise Forbidden(
            _("Only the bureau of the receiving province (%(province)s) may reply.")
            % {"province": approval.destination_region.name},
            code="approvals.not_destination_bureau",
            field="destination_region",
        )


def lock_approval(actor: Any, approval: CrossProvinceApproval | int) -> CrossProvinceApproval:
    pk = approval.pk if isinstance(approval, CrossProvinceApproval) else int(approval)
    locked = lock(actor, "change", CrossProvinceApproval, pk=pk)
    return (
        CrossProvinceApproval.objects.select_related(
            "applicant", "receiver", "receiver_permit", "origin_region", "destination_region"
        )
        .filter(pk=locked.pk)
        .get()
    )


def refuse_status(approval: CrossProvinceApproval, what: str, code: str) -> Conflict:
    return Conflict(
        _("Application %(approval)s is %(status)s: it cannot be %(what)s.")
        % {"approval": approval, "status": approval.get_status_display(), "what": what},
        code=code,
        field="status",
        details={"status": approval.status},
    )


def open_step(approval: CrossProvinceApproval, kind: str | None = None) -> ApprovalStep | None:
    qs = ApprovalStep.objects.filter(approval=approval, done_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-started_at", "-pk").first()


def current_round(approval: CrossProvinceApproval) -> int:
    last = ApprovalStep.objects.filter(approval=approval).order_by("-round").first()
    return last.round if last else 1


def start_step(
    approval: CrossProvinceApproval, kind: str, now: dt.datetime, round_: int | None = None
) -> ApprovalStep:
    return ApprovalStep.objects.create(
        approval=approval,
        kind=kind,
        round=round_ or current_round(approval),
        started_at=now,
        due_on=rules.due_on(kind, timezone.localdate(now)),
    )


def finish_step(step: ApprovalStep, actor: Any, outcome: str, note: str, now: dt.datetime) -> None:
    step.done_at = now
    step.done_by = actor if getattr(actor, "pk", None) else None
    step.outcome = outcome
    step.note = note
    step.save(update_fields=["done_at", "done_by", "outcome", "note"])


def step_snapshot(step: ApprovalStep) -> dict[str, Any]:
    return {
        "step": step.kind,
        "round": step.round,
        "due_on": step.due_on,
        "outcome": step.outcome,
        "note": step.note,
        "late": rules.is_overdue(
            step.due_on,
            timezone.localdate(),
            timezone.localdate(step.done_at) if step.done_at else None,
        ),
    }


def snapshot(approval: CrossProvinceApproval) -> dict[str, Any]:
    data = audit.snapshot(approval)
    for key in ("created_at", "updated_at"):
        data.pop(key, None)
    return data


def lines_snapshot(approval: CrossProvinceApproval) -> list[dict[str, Any]]:
    return [
        {
            "waste_code": line.waste_code.code,
            "name": line.name,
            "method": line.method.code,
            "quantity_tonnes": str(line.quantity_tonnes),
        }
        for line in approval.lines.select_related("waste_code", "method").order_by("pk")
    ]


def save(approval: CrossProvinceApproval, *fields: str) -> None:
    approval.version += 1
    approval.save(update_fields=[*fields, "version", "updated_at"] if fields else None)


def record(
    actor: Any,
    verb: str,
    approval: CrossProvinceApproval,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit.record(
        actor=actor,
        action=f"approvals.approval.{verb}",
        obj=approval,
        before=before,
        after=after,
        organization_id=approval.applicant_id,
        region_prefix=approval.origin_region.prefix,
        reason=reason,
    )
