"""Declarations (申报, HJ 1259 §7): generate from the ledger, confirm, revise.

- ``generate_declaration``: the figures of a closed period from the ledger; a declaration that
  is not confirmed yet is regenerated in place (its lines replaced in one transaction).
- ``confirm_declaration``: the producer (an administrator or member of the organisation)
  confirms; a confirmed declaration never changes again.
- ``revise_declaration``: a correction of a confirmed declaration is a new revision with a
  reason; the confirmed one stays in force until the revision is confirmed.
- ``generate_due``: the scheduled job (no user): the declarations of the last closed periods of
  every producer's sites that do not exist yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import WRITE_ROLES, allows, principal
from wufei.registry.models import Organization, Site

from .. import declarations as d
from ..declarations_models import Declaration, DeclarationLine, DeclarationStatus, LineSection
from ..queries import plan_for
from ._common import text

log = logging.getLogger(__name__)


# --- figures ----------------------------------------------------------------------------------


def build_lines(site: Site, period: d.Period) -> list[DeclarationLine]:
    """The lines of Tables C.1–C.3 for ``site`` and ``period`` from the ledger (unsaved)."""
    totals = d.ledger_totals(site, period)
    year_start = dt.date(period.year, 1, 1)
    if period.start == year_start:
        to_date = {t.waste_code: t.generated for t in totals}
    else:
        to_date = {
            t.waste_code: t.generated for t in d.ledger_totals_between(site, year_start, period.end)
        }
    plan = plan_for(site, period.year)
    planned = (
        {w.waste_code.code: w.annual_tonnes for w in plan.wastes.select_related("waste_code")}
        if plan is not None
        else {}
    )
    lines: list[DeclarationLine] = []
    for t in totals:
        common = {"waste_code": t.waste_code, "waste_name": t.waste_name, "category": t.category}
        if t.generated:
            lines.append(
                DeclarationLine(
                    section=LineSection.GENERATION,
                    tonnes=t.generated,
                    plan_tonnes=planned.get(t.waste_code),
                    year_to_date_tonnes=to_date.get(t.waste_code, t.generated),
                    **common,
                )
            )
        for m in t.own_by_method:
            lines.append(
                DeclarationLine(
                    section=LineSection.OWN, method_code=m.method_code, tonnes=m.tonnes, **common
                )
            )
        for s in t.shipped:
            lines.append(
                DeclarationLine(
                    section=LineSection.SHIPPED,
                    method_code=s.method_code,
                    province=s.province,
                    receiver_name=s.receiver_name,
                    permit_number=s.permit_number,
                    receiver_type=s.receiver_type,
                    tonnes=s.tonnes,
                    **common,
                )
            )
        if t.storage_start or t.storage_end:
            lines.append(
                DeclarationLine(
                    section=LineSection.STORAGE,
                    opening_tonnes=t.storage_start,
                    tonnes=t.storage_end,
                    **common,
                )
            )
    return lines


def lines_digest(lines: list[DeclarationLine]) -> str:
    """SHA-256 over the ledger's figures (not the plan's estimate, which is not the ledger)."""
    body = [
        [
            line.section,
            line.waste_code,
            line.method_code,
            line.province,
            line.receiver_name,
            line.permit_number,
            line.receiver_type,
            f"{line.tonnes:.4f}",
            "" if line.opening_tonnes is None else f"{line.opening_tonnes:.4f}",
            "" if line.year_to_date_tonnes is None else f"{line.year_to_date_tonnes:.4f}",
        ]
        for line in lines
    ]
    raw = json.dumps(sorted(body), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _summary(declaration: Declaration, lines: list[DeclarationLine]) -> dict[str, Any]:
    generated = sum(
        (line.tonnes for line in lines if line.section == LineSection.GENERATION),
        start=Decimal("0"),
    )
    return audit.canonical(
        {
            "period": str(declaration.period),
            "status": declaration.status,
            "revision": declaration.revision,
            "lines": len(lines),
            "generated_tonnes": f"{generated:.4f}",
            "digest": declaration.digest,
        }
    )


def _record(actor: Any, action: str, declaration: Declaration, **kwargs: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=declaration,
        organization_id=declaration.site.organization_id,
        region_prefix=declaration.site.region.prefix,
        **kwargs,
    )


def _write_lines(declaration: Declaration, lines: list[DeclarationLine]) -> None:
    DeclarationLine.objects.filter(declaration=declaration).delete()
    for line in lines:
        line.declaration = declaration
    DeclarationLine.objects.bulk_create(lines)


# --- input ------------------------------------------------------------------------------------


def kinds_for(organization: Organization) -> tuple[str, ...]:
    return d.PERIODS_BY_CLASS.get(organization.management_class, (d.PeriodKind.ANNUAL,))


def clean_period(site: Site, kind: Any, period: Any, today: dt.date) -> d.Period:
    kind = str(kind or "").strip()
    if kind not in d.PeriodKind.values:
        raise ValidationFailed(
            _("Choose the period kind (monthly, quarterly or annual)."),
            code="plans.period_kind_invalid",
            field="period_kind",
        )
    allowed = kinds_for(site.organization)
    if kind not in allowed:
        raise ValidationFailed(
            _("A unit of class “%(cls)s” declares %(kinds)s (HJ 1259 §7).")
            % {
                "cls": site.organization.get_management_class_display() or "—",
                "kinds": ", ".join(str(d.PeriodKind(k).label) for k in allowed),
            },
            code="plans.period_kind_not_for_class",
            field="period_kind",
        )
    found = period if isinstance(period, d.Period) else d.parse_period(kind, period)
    if found is None or found.kind != kind or found.year < 2000:
        raise ValidationFailed(
            _("Enter the period as 2026-02 (month), 2026Q1 (quarter) or 2026 (year)."),
            code="plans.period_invalid",
            field="period",
        )
    if found.end > today:
        raise ValidationFailed(
            _("Period %(period)s has not ended yet: it can be declared from %(date)s.")
            % {"period": found, "date": found.end.isoformat()},
            code="plans.period_open",
            field="period",
        )
    return found


def _ledger_lines(site: Site, period: d.Period) -> list[DeclarationLine]:
    try:
        return build_lines(site, period)
    except d.LedgerUnavailable:
        raise Conflict(
            _("No ledger is connected: a declaration cannot be generated."),
            code="plans.ledger_unavailable",
        ) from None


# --- actions ----------------------------------------------------------------------------------


def _period_rows(site: Site, period: d.Period) -> Any:
    return Declaration.objects.filter(
        site=site, period_kind=period.kind, year=period.year, number=period.number
    )


def _create(
    actor: Any,
    site: Site,
    period: d.Period,
    lines: list[DeclarationLine],
    *,
    revision: int = 1,
    supersedes: Declaration | None = None,
    reason: str = "",
) -> Declaration:
    now = timezone.now()
    declaration = Declaration(
        site=site,
        management_class=site.organization.management_class,
        period_kind=period.kind,
        year=period.year,
        number=period.number,
        deadline=period.deadline,
        revision=revision,
        supersedes=supersedes,
        is_current=supersedes is None,
        status=DeclarationStatus.GENERATED,
        reason=reason,
        digest=lines_digest(lines),
        generated_at=now,
        generated_by=actor if getattr(actor, "pk", None) else None,
    )
    declaration.save(force_insert=True)
    _write_lines(declaration, lines)
    return declaration


def _regenerate(actor: Any, declaration: Declaration, lines: list[DeclarationLine]) -> Declaration:
    before = _summary(declaration, list(declaration.lines.all()))
    declaration.digest = lines_digest(lines)
    declaration.generated_at = timezone.now()
    declaration.generated_by = actor if getattr(actor, "pk", None) else None
    declaration.management_class = declaration.site.organization.management_class
    declaration.version += 1
    declaration.save()
    _write_lines(declaration, lines)
    _record(
        actor,
        "plans.declaration.update",
        declaration,
        before=before,
        after=_summary(declaration, lines),
    )
    return declaration


def generate_declaration(actor: Any, site: Site, kind: Any, period: Any) -> Declaration:
    """申报 figures for ``site`` and a closed ``period`` of ``kind``, from the ledger.

    Creates revision 1, or regenerates the declaration of that period that is not confirmed
    yet (first version or open revision). A confirmed one is refused: revise it with a reason.
    """
    with transaction.atomic():
        site = lock(actor, "view", Site, pk=site.pk)
        found = clean_period(site, kind, period, timezone.localdate())
        open_one = _period_rows(site, found).filter(status=DeclarationStatus.GENERATED).first()
        action = "change" if open_one is not None else "add"
        if not allows(actor, action, open_one or Declaration(site=site)):
            raise Forbidden(
                _("You may not declare for this site."), code="plans.declaration_not_allowed"
            )
        if open_one is not None:
            open_one = Declaration.objects.select_for_update().get(pk=open_one.pk)
            return _regenerate(actor, open_one, _ledger_lines(site, found))
        current = _period_rows(site, found).filter(is_current=True).first()
        if current is not None:
            raise Conflict(
                _(
                    "The declaration for %(period)s was confirmed on %(date)s and cannot be "
                    "changed: revise it with a reason."
                )
                % {
                    "period": found,
                    "date": timezone.localdate(current.confirmed_at).isoformat()
                    if current.confirmed_at
                    else "—",
                },
                code="plans.declaration_confirmed",
                details={"declaration": current.pk},
            )
        if not site.is_active or not site.organization.is_active:
            raise Conflict(_("The site is deactivated."), code="plans.site_inactive", field="site")
        lines = _ledger_lines(site, found)
        declaration = _create(actor, site, found, lines)
        _record(actor, "plans.declaration.create", declaration, after=_summary(declaration, lines))
    return declaration


def confirm_declaration(
    actor: Any, declaration: Declaration, *, version: int | None = None
) -> Declaration:
    """确认申报 by the producer. Refused when the ledger changed since the figures were
    generated (regenerate first), so what is confirmed is what the ledger says."""
    with transaction.atomic():
        declaration = lock(actor, "change", Declaration, pk=declaration.pk)
        check_version(declaration, version)
        p = principal(actor)
        if p is None or p.org_roles.get(declaration.site.organization_id) not in WRITE_ROLES:
            raise Forbidden(
                _("Only an administrator or member of %(org)s can confirm its declaration.")
                % {"org": declaration.site.organization.name},
                code="plans.confirm_by_producer",
            )
        if not declaration.can_confirm():
            raise Conflict(
                _("Declaration %(d)s is %(status)s and cannot be confirmed again.")
                % {"d": declaration, "status": declaration.get_status_display()},
                code="plans.declaration_not_open",
                field="status",
            )
        fresh = _ledger_lines(declaration.site, declaration.period)
        if lines_digest(fresh) != declaration.digest:
            raise Conflict(
                _(
                    "The ledger has changed since these figures were generated: regenerate them, "
                    "check them and confirm again."
                ),
                code="plans.declaration_stale",
            )
        before = {"status": declaration.status, "is_current": declaration.is_current}
        now = timezone.now()
        if declaration.supersedes_id is not None:
            old = Declaration.objects.select_for_update().get(pk=declaration.supersedes_id)
            if not old.can_revise():
                raise Conflict(
                    _("The declaration this revision replaces is no longer the current one."),
                    code="plans.supersedes_stale",
                )
            old.status = DeclarationStatus.SUPERSEDED
            old.is_current = False
            old.version += 1
            old.save()
            _record(
                actor,
                "plans.declaration.supersede",
                old,
                before={"status": DeclarationStatus.CONFIRMED, "is_current": True},
                after={"status": old.status, "is_current": False, "by": declaration.pk},
            )
        declaration.status = DeclarationStatus.CONFIRMED
        declaration.is_current = True
        declaration.confirmed_at = now
        declaration.confirmed_by = actor
        declaration.is_late = timezone.localdate(now) > declaration.deadline
        declaration.version += 1
        declaration.save()
        _record(
            actor,
            "plans.declaration.confirm",
            declaration,
            before=before,
            after={
                "status": declaration.status,
                "is_current": True,
                "is_late": declaration.is_late,
                "digest": declaration.digest,
            },
            reason=_("Confirmed after the deadline of %(date)s.")
            % {"date": declaration.deadline.isoformat()}
            if declaration.is_late
            else "",
        )
    return declaration


def revise_declaration(actor: Any, declaration: Declaration, *, reason: str) -> Declaration:
    """A correction of a confirmed declaration: a new revision, generated from the ledger now,
    with the reason; the confirmed one stays in force until the revision is confirmed."""
    reason_text = text({"reason": reason}, "reason", _("reason"), 2000, required=True)
    with transaction.atomic():
        declaration = lock(actor, "change", Declaration, pk=declaration.pk)
        if not declaration.can_revise():
            raise Conflict(
                _("Only the current confirmed declaration can be revised."),
                code="plans.declaration_not_revisable",
                field="status",
            )
        site = Site.objects.select_for_update().get(pk=declaration.site_id)
        rows = _period_rows(site, declaration.period)
        open_one = rows.filter(status=DeclarationStatus.GENERATED).first()
        if open_one is not None:
            raise Conflict(
                _("A revision (r%(revision)d) is already open: check and confirm it.")
                % {"revision": open_one.revision},
                code="plans.revision_open",
                details={"declaration": open_one.pk},
            )
        last = rows.aggregate(m=Max("revision"))["m"] or 0
        lines = _ledger_lines(site, declaration.period)
        new = _create(
            actor,
            site,
            declaration.period,
            lines,
            revision=last + 1,
            supersedes=declaration,
            reason=reason_text,
        )
        _record(
            actor, "plans.declaration.amend", new, after=_summary(new, lines), reason=reason_text
        )
    return new


def generate_due(today: dt.date | None = None) -> list[Declaration]:
    """The scheduled job: for every active producer site, the declaration of the last closed
    period of each kind its class declares, unless one exists (idempotent). Periods that ended
    before the site was registered are skipped. Written as the system (no user)."""
    today = today or timezone.localdate()
    if not d.has_ledger():
        log.warning("declarations: no ledger is connected, nothing generated")
        return []
    made: list[Declaration] = []
    sites = Site.objects.filter(
        is_active=True, organization__is_active=True, organization__is_producer=True
    ).select_related("organization", "region")
    for site in sites.iterator(chunk_size=500):
        for kind in kinds_for(site.organization):
            period = d.last_closed_period(kind, today)
            if period.end <= timezone.localdate(site.created_at):
                continue
            with transaction.atomic():
                locked = Site.objects.select_for_update().get(pk=site.pk)
                if _period_rows(locked, period).exists():
                    continue
                lines = build_lines(locked, period)
                declaration = _create(None, locked, period, lines)
                _record(
                    None,
                    "plans.declaration.create",
                    declaration,
                    after=_summary(declaration, lines),
                    reason="scheduled",
                )
                made.append(declaration)
    return made
