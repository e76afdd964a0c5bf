"""The warning loop's actions: raise (once per fact), assign, verify, require rectification,
respond, close (销号), dismiss, and escalate overdue steps to the city bureau."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wufei.catalog.models import Region
from wufei.core import audit
from wufei.core.actions import after_commit, check_version, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import ADMIN, MEMBER, principal
from wufei.registry import validators as v
from wufei.registry.models import Organization

from .models import NoteKind, Warning, WarningNote, WarningStatus
from .rules import Fact, Rule

OPEN_STATES = (
    WarningStatus.OPEN,
    WarningStatus.ASSIGNED,
    WarningStatus.VERIFYING,
    WarningStatus.RECTIFYING,
)

#: Hours to take each step, by severity; days to rectify (``WUFEI_WARNING_DEADLINES``).
DEADLINES: dict[str, dict[str, int]] = {
    "red": {"assign": 24, "verify": 72, "rectify_days": 7},
    "orange": {"assign": 72, "verify": 168, "rectify_days": 15},
    "yellow": {"assign": 120, "verify": 360, "rectify_days": 30},
}


def deadlines(severity: str) -> dict[str, int]:
    custom = getattr(settings, "WUFEI_WARNING_DEADLINES", {}) or {}
    return {**DEADLINES[severity], **custom.get(severity, {})}


def bureau_for(region: Region, *, above: Organization | None = None) -> Organization | None:
    """The most local active bureau whose jurisdiction covers ``region`` (above ``above``)."""
    prefixes = {region.code[:2], region.code[:4], region.code[:6], region.prefix}
    qs = Organization.objects.filter(
        is_regulator=True, is_active=True, region__prefix__in=prefixes
    ).annotate(depth=Length("region__prefix"))
    if above is not None:
        qs = qs.filter(depth__lt=len(above.region.prefix))
    return qs.order_by("-depth", "pk").first()


def _notify(w: Warning, event: str, orgs: list[int | None], title: str) -> None:
    targets = sorted({o for o in orgs if o})

    def send() -> None:
        from wufei.notifications.service import publish

        publish(
            event,
            organizations=targets,
            title=title,
            body=w.summary[:500],
            url=w.get_absolute_url(),
            payload={
                "warning_id": w.pk,
                "rule": w.rule,
                "severity": w.severity,
                "status": w.status,
            },
            obj=w,
        )

    after_commit(send)


def _record(
    actor: Any, action: str, w: Warning, before: dict[str, Any] | None, reason: str = ""
) -> None:
    after = audit.snapshot(w)
    if before is not None:
        before, after = audit.diff(before, after)
        before.pop("version", None)
    audit.record(
        actor=actor,
        action=action,
        obj=w,
        before=before,
        after=after,
        organization_id=w.organization_id,
        region_prefix=w.region.prefix,
        reason=reason,
    )


def _save(w: Warning) -> None:
    w.version += 1
    w.save()


def raise_warning(rule: Rule, fact: Fact, *, now: dt.datetime | None = None) -> Warning | None:
    """Record the fact as a warning unless this rule already raised it (returns ``None``)."""
    now = now or timezone.now()
    if Warning.objects.filter(rule=rule.code, fact_key=fact.key).exists():
        return None
    region = Region.objects.get(pk=fact.region_id)
    bureau = bureau_for(region)
    subject = fact.subject
    w = Warning(
        rule=rule.code,
        fact_key=fact.key[:200],
        severity=rule.severity,
        title=fact.title[:200],
        summary=fact.summary,
        evidence=fact.evidence,
        organization_id=fact.organization_id,
        region=region,
        assigned_to=bureau,
        manifest_id=fact.manifest_id,
        finding_id=fact.finding_id,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_repr=str(subject)[:200] if subject is not None else "",
        latitude=fact.latitude,
        longitude=fact.longitude,
        raised_at=now,
        stage_due_at=now + dt.timedelta(hours=deadlines(rule.severity)["assign"]),
    )
    try:
        with transaction.atomic():
            w.save()
            _record(None, "supervision.warning.raise", w, None)
    except IntegrityError:
        return None  # raised a moment ago by another worker: the same fact, once
    _notify(
        w,
        "warning.raised",
        [bureau.pk if bureau else None],
        _("%(severity)s warning: %(title)s")
        % {"severity": w.get_severity_display(), "title": w.title},
    )
    return w


def raise_facts(rule: Rule, facts: Any, *, now: dt.datetime | None = None) -> list[Warning]:
    """Raise each fact once. Titles are written in the platform's language (zh-hans), whoever's
    request or task triggered the scan."""
    raised = []
    with translation.override(settings.LANGUAGE_CODE):
        for fact in facts:
            w = raise_warning(rule, fact, now=now)
            if w is not None:
                raised.append(w)
    return raised


def _lock(actor: Any, warning: Warning | int) -> Warning:
    pk = warning.pk if isinstance(warning, Warning) else int(warning)
    return lock(actor, "change", Warning, pk=pk)


def _bureau_org(actor: Any, w: Warning) -> int:
    """The actor must work for a bureau whose jurisdiction covers the warning."""
    p = principal(actor)
    if p is None or not p.in_jurisdiction(w.region.prefix):
        raise Forbidden(
            _("Only the bureau in charge of the area can do this."),
            code="supervision.not_bureau",
            field="actor",
        )
    org = (
        Organization.objects.filter(pk__in=p.orgs_with({ADMIN, MEMBER}), is_regulator=True)
        .filter(Q(region__prefix__in=[w.region.code[:2], w.region.code[:4], w.region.code[:6]]))
        .first()
    )
    if org is None:
        raise Forbidden(
            _("Only the bureau in charge of the area can do this."),
            code="supervision.not_bureau",
            field="actor",
        )
    return org.pk


def _state(w: Warning, allowed: tuple[str, ...], what: str) -> None:
    if w.status not in allowed:
        raise Conflict(
            _("This warning is %(status)s: it cannot be %(what)s.")
            % {"status": w.get_status_display(), "what": what},
            code="supervision.wrong_state",
            field="status",
            details={"status": w.status},
        )


def _note(
    actor: Any, w: Warning, kind: str, text: str, org_id: int, upload: Any = None
) -> WarningNote:
    note = WarningNote(warning=w, kind=kind, text=text, author=actor, organization_id=org_id)
    if upload is not None:
        data = upload.read()
        if len(data) > 10 * 1024 * 1024:
            raise ValidationFailed(
                _("The attachment is larger than 10 MB."),
                code="supervision.file_too_large",
                field="file",
            )
        upload.seek(0)
        note.file_sha256 = hashlib.sha256(data).hexdigest()
        note.file = upload
    note.save()
    return note


def assign(
    actor: Any, warning: Warning, *, assignee: Any = None, version: int | None = None
) -> Warning:
    """分派: the bureau takes the warning (an officer of it, by default the actor)."""
    with transaction.atomic():
        w = _lock(actor, warning)
        org = _bureau_org(actor, w)
        check_version(w, version)
        _state(w, (WarningStatus.OPEN, WarningStatus.ASSIGNED), _("assigned"))
        before = audit.snapshot(w)
        w.status = WarningStatus.ASSIGNED
        w.assignee = assignee or actor
        if w.assigned_to_id is None:
            w.assigned_to_id = org
        w.stage_due_at = timezone.now() + dt.timedelta(hours=deadlines(w.severity)["verify"])
        _save(w)
        _record(actor, "supervision.warning.assign", w, before)
    return w


def verify(
    actor: Any, warning: Warning, *, note: str, upload: Any = None, version: int | None = None
) -> Warning:
    """核实: add verification evidence (notes, photos, files); the warning is being verified."""
    text = v.clean_required(note, "note", _("note"), 4000)
    with transaction.atomic():
        w = _lock(actor, warning)
        org = _bureau_org(actor, w)
        check_version(w, version)
        _state(
            w, (WarningStatus.OPEN, WarningStatus.ASSIGNED, WarningStatus.VERIFYING), _("verified")
        )
        before = audit.snapshot(w)
        _note(actor, w, NoteKind.VERIFICATION, text, org, upload)
        if w.status != WarningStatus.VERIFYING:
            w.status = WarningStatus.VERIFYING
            w.assignee = w.assignee or actor
        w.verified_at = timezone.now()
        w.verification = text
        _save(w)
        _record(actor, "supervision.warning.verify", w, before)
    return w


def require_rectification(
    actor: Any,
    warning: Warning,
    *,
    measures: str,
    due_on: dt.date | None = None,
    version: int | None = None,
) -> Warning:
    """责令整改: the verified problem must be rectified by the enterprise by ``due_on``."""
    text = v.clean_required(measures, "measures", _("rectification required"), 4000)
    with transaction.atomic():
        w = _lock(actor, warning)
        org = _bureau_org(actor, w)
        check_version(w, version)
        _state(w, (WarningStatus.VERIFYING,), _("sent for rectification"))
        if w.organization_id is None:
            raise ValidationFailed(
                _("This warning names no enterprise to rectify: close or dismiss it."),
                code="supervision.no_enterprise",
                field="measures",
            )
        today = timezone.localdate()
        due = due_on or today + dt.timedelta(days=deadlines(w.severity)["rectify_days"])
        if due < today:
            raise ValidationFailed(
                _("The rectification deadline cannot be in the past."),
                code="supervision.due_in_past",
                field="due_on",
            )
        before = audit.snapshot(w)
        _note(actor, w, NoteKind.RECTIFICATION, text, org)
        w.status = WarningStatus.RECTIFYING
        w.rectification = text
        w.rectification_due_on = due
        w.stage_due_at = dt.datetime.combine(
            due, dt.time(23, 59), tzinfo=timezone.get_current_timezone()
        )
        _save(w)
        _record(actor, "supervision.warning.rectify", w, before)
    _notify(
        w,
        "warning.rectification",
        [w.organization_id],
        _("Rectification required: %(title)s") % {"title": w.title},
    )
    return w


def respond(
    actor: Any, warning: Warning, *, response: str, upload: Any = None, version: int | None = None
) -> Warning:
    """整改反馈: the enterprise reports what it did, with evidence."""
    text = v.clean_required(response, "response", _("response"), 4000)
    with transaction.atomic():
        w = _lock(actor, warning)
        p = principal(actor)
        if (
            p is None
            or w.organization_id is None
            or p.org_roles.get(w.organization_id) not in (ADMIN, MEMBER)
        ):
            raise Forbidden(
                _("Only the enterprise concerned can respond."),
                code="supervision.not_enterprise",
                field="actor",
            )
        check_version(w, version)
        _state(w, (WarningStatus.RECTIFYING,), _("answered"))
        before = audit.snapshot(w)
        _note(actor, w, NoteKind.RESPONSE, text, w.organization_id, upload)
        w.response = text
        w.responded_at = timezone.now()
        _save(w)
        _record(actor, "supervision.warning.respond", w, before)
    _notify(
        w,
        "warning.responded",
        [w.assigned_to_id],
        _("Rectification reported: %(title)s") % {"title": w.title},
    )
    return w


def close(actor: Any, warning: Warning, *, note: str, version: int | None = None) -> Warning:
    """销号: the bureau closes the warning once verified and, if required, rectified."""
    text = v.clean_required(note, "note", _("closing note"), 4000)
    with transaction.atomic():
        w = _lock(actor, warning)
        org = _bureau_org(actor, w)
        check_version(w, version)
        _state(w, (WarningStatus.VERIFYING, WarningStatus.RECTIFYING), _("closed"))
        if w.status == WarningStatus.RECTIFYING and not w.responded_at:
            raise Conflict(
                _("The enterprise has not reported its rectification yet."),
                code="supervision.no_response",
                field="status",
            )
        before = audit.snapshot(w)
        _note(actor, w, NoteKind.COMMENT, text, org)
        w.status = WarningStatus.CLOSED
        w.closed_at = timezone.now()
        w.closing_note = text
        w.stage_due_at = None
        _save(w)
        _record(actor, "supervision.warning.close", w, before)
    _notify(
        w,
        "warning.closed",
        [w.organization_id],
        _("Warning closed: %(title)s") % {"title": w.title},
    )
    return w


def dismiss(actor: Any, warning: Warning, *, reason: str, version: int | None = None) -> Warning:
    """排除: not a problem after all (a false positive), with the reason."""
    text = v.clean_required(reason, "reason", _("reason"), 4000)
    with transaction.atomic():
        w = _lock(actor, warning)
        org = _bureau_org(actor, w)
        check_version(w, version)
        _state(
            w, (WarningStatus.OPEN, WarningStatus.ASSIGNED, WarningStatus.VERIFYING), _("dismissed")
        )
        before = audit.snapshot(w)
        _note(actor, w, NoteKind.COMMENT, text, org)
        w.status = WarningStatus.DISMISSED
        w.dismissed_reason = text
        w.closed_at = timezone.now()
        w.stage_due_at = None
        _save(w)
        _record(actor, "supervision.warning.dismiss", w, before, reason=text)
    return w


def escalate_overdue(*, now: dt.datetime | None = None) -> list[Warning]:
    """Warnings whose current step is overdue go to the next bureau up (county → city), once."""
    now = now or timezone.now()
    done = []
    for pk in Warning.objects.filter(
        status__in=OPEN_STATES, escalated=False, stage_due_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            w = (
                Warning.objects.select_for_update(of=("self",))
                .select_related("region", "assigned_to__region")
                .get(pk=pk)
            )
            if w.escalated or w.status not in OPEN_STATES:
                continue
            before = audit.snapshot(w)
            upper = bureau_for(w.region, above=w.assigned_to) if w.assigned_to else None
            w.escalated = True
            w.escalated_at = now
            if upper is not None:
                w.assigned_to = upper
            _save(w)
            _record(None, "supervision.warning.escalate", w, before)
        _notify(
            w,
            "warning.escalated",
            [w.assigned_to_id],
            _("Overdue warning escalated: %(title)s") % {"title": w.title},
        )
        done.append(w)
    return done
