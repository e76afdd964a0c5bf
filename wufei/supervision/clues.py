"""Clues, public reports, matching with track stops, cases and rewards (actions)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import Region
from wufei.core import audit
from wufei.core.actions import after_commit, check_version, lock
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.numbering import format_serial, next_number
from wufei.core.permissions import principal
from wufei.registry import validators as v
from wufei.registry.models import Organization
from wufei.trips.models import Finding, FindingKind
from wufei.trips.services import region_at

from .actions import bureau_for
from .clue_models import (
    Case,
    CaseStatus,
    Clue,
    ClueAttachment,
    ClueMatch,
    ClueSource,
    ClueStatus,
    PublicReport,
    RewardStatus,
)
from .photos import clean_photo

MATCH_RADIUS_M = 1000.0
MATCH_BEFORE_H = 72.0  # a stop up to three days before the clue was seen
MATCH_AFTER_H = 6.0


def _record(
    actor: Any, action: str, obj: Any, before: dict[str, Any] | None, reason: str = ""
) -> None:
    after = audit.snapshot(obj)
    if before is not None:
        before, after = audit.diff(before, after)
        before.pop("version", None)
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=after,
        organization_id=getattr(obj, "organization_id", None),
        region_prefix=obj.region.prefix,
        reason=reason,
    )


def _position(latitude: Any, longitude: Any) -> tuple[float, float, Region]:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Give the place on the map (latitude and longitude)."),
            code="supervision.position_required",
            field="latitude",
        ) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(
            _("The latitude or longitude is not a valid position."),
            code="supervision.position_invalid",
            field="latitude",
        )
    region_id = region_at(lat, lon)
    if region_id is None:
        raise ValidationFailed(
            _("The place is outside the province's counties."),
            code="supervision.outside_province",
            field="latitude",
        )
    return lat, lon, Region.objects.get(pk=region_id)


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(
                _("Give the date and time it was seen."),
                code="supervision.time_invalid",
                field="observed_at",
            ) from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationFailed(
            _("The time it was seen cannot be in the future."),
            code="supervision.time_future",
            field="observed_at",
        )
    return when


def _number(prefix: str, when: dt.datetime) -> str:
    year = timezone.localtime(when).year
    return format_serial(f"{prefix}{year}", next_number(f"{prefix.lower()}", year), 6)


def match(clue: Clue) -> list[ClueMatch]:
    """Link the clue to the long stops found near it in place and time (idempotent)."""
    lat, lon = clue.latitude, clue.longitude
    dlat = MATCH_RADIUS_M / 111_320
    dlon = MATCH_RADIUS_M / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Finding.objects.filter(
        kind__in=(FindingKind.LONG_STOP, FindingKind.GAP),
        latitude__range=(lat - dlat, lat + dlat),
        longitude__range=(lon - dlon, lon + dlon),
        started_at__lte=clue.observed_at + dt.timedelta(hours=MATCH_AFTER_H),
        ended_at__gte=clue.observed_at - dt.timedelta(hours=MATCH_BEFORE_H),
    )
    made = []
    for f in candidates:
        assert f.latitude is not None and f.longitude is not None
        dy = (f.latitude - lat) * 111_320
        dx = (f.longitude - lon) * 111_320 * math.cos(math.radians(lat))
        dist = math.hypot(dx, dy)
        if dist > MATCH_RADIUS_M:
            continue
        hours = (
            abs(
                (
                    clue.observed_at - (f.ended_at or f.started_at or clue.observed_at)
                ).total_seconds()
            )
            / 3600
        )
        found, created = ClueMatch.objects.get_or_create(
            clue=clue, finding=f, defaults={"distance_m": int(dist), "hours_apart": round(hours, 2)}
        )
        if created:
            made.append(found)
    return made


def _attach(clue: Clue, photos: list[Any]) -> tuple[float | None, float | None]:
    lat = lon = None
    for upload in photos[:5]:
        photo = clean_photo(upload)
        ClueAttachment.objects.create(
            clue=clue, file=photo.content, sha256=photo.sha256, content_type="image/jpeg"
        )
        if lat is None and photo.latitude is not None:
            lat, lon = photo.latitude, photo.longitude
    return lat, lon


def record_clue(
    actor: Any,
    *,
    source: str,
    latitude: Any,
    longitude: Any,
    observed_at: Any,
    description: str,
    address: str = "",
    photos: list[Any] | None = None,
) -> Clue:
    """A bureau records a clue (patrol, drone, satellite, video, hotline)."""
    try:
        ClueSource(source)
    except ValueError:
        raise ValidationFailed(
            _("Choose the source of the clue."), code="supervision.source_invalid", field="source"
        ) from None
    text = v.clean_required(description, "description", _("what was seen"), 4000)
    place = v.clean_length(address, "address", _("place"), 200)
    lat, lon, region = _position(latitude, longitude)
    when = _when(observed_at)
    p = principal(actor)
    if p is None or not p.in_jurisdiction(region.prefix):
        raise Forbidden(
            _("Only a bureau of the area can record a clue there."),
            code="supervision.not_bureau",
            field="latitude",
        )
    with transaction.atomic():
        clue = Clue.objects.create(
            number=_number("XS", when),
            source=source,
            latitude=lat,
            longitude=lon,
            region=region,
            observed_at=when,
            description=text,
            address=place,
            reported_by=actor,
        )
        _attach(clue, photos or [])
        matches = match(clue)
        _record(actor, "supervision.clue.record", clue, None)
    clue.new_matches = matches  # type: ignore[attr-defined]
    return clue


def _fernet() -> Fernet:
    secret = getattr(settings, "WUFEI_REPORTER_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"wufei-reporter-identity:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@dataclass
class Submitted:
    clue: Clue
    code: str  # shown once to the reporter


def submit_public_report(
    *,
    description: str,
    observed_at: Any,
    latitude: Any = None,
    longitude: Any = None,
    photos: list[Any] | None = None,
    name: str = "",
    phone: str = "",
    client: str = "",
) -> Submitted:
    """有奖举报 from anyone, no login: rate limited per client; anonymous unless a name or
    phone is given (kept encrypted); returns the follow-up code, shown once."""
    client_hash = hashlib.sha256(f"report:{client}".encode()).hexdigest()
    limit = int(getattr(settings, "WUFEI_REPORTS_PER_HOUR", 5))
    key = f"wufei:reports:{client_hash}"
    count = cache.get(key, 0)
    if count >= limit:
        raise Conflict(
            _("Too many reports from this device in the last hour; try again later or call 12369."),
            code="supervision.rate_limited",
            field=None,
        )
    text = v.clean_required(description, "description", _("what was seen"), 4000)
    when = _when(observed_at)
    photos = photos or []
    if len(photos) > 5:
        raise ValidationFailed(
            _("At most 5 photos."), code="supervision.too_many_photos", field="photos"
        )
    cleaned = [clean_photo(p) for p in photos]
    if (latitude in (None, "") or longitude in (None, "")) and cleaned:
        found = next((c for c in cleaned if c.latitude is not None), None)
        if found is not None:
            latitude, longitude = found.latitude, found.longitude
    lat, lon, region = _position(latitude, longitude)
    name = v.clean_length(name, "name", _("name"), 50)
    phone = v.clean_phone(phone, "phone") if phone else ""
    code = secrets.token_hex(5).upper()
    with transaction.atomic():
        clue = Clue.objects.create(
            number=_number("XS", when),
            source=ClueSource.PUBLIC,
            latitude=lat,
            longitude=lon,
            region=region,
            observed_at=when,
            description=text,
        )
        for photo in cleaned:
            ClueAttachment.objects.create(
                clue=clue, file=photo.content, sha256=photo.sha256, content_type="image/jpeg"
            )
        identity = (
            json.dumps({"name": name, "phone": phone}, ensure_ascii=False)
            if (name or phone)
            else ""
        )
        PublicReport.objects.create(
            clue=clue,
            code_sha256=_code_hash(code),
            identity_encrypted=_fernet().encrypt(identity.encode()).decode() if identity else "",
            anonymous=not identity,
            client_hash=client_hash,
        )
        match(clue)
        _record(None, "supervision.clue.public_report", clue, None)
    cache.set(key, count + 1, 3600)
    bureau = bureau_for(region)

    def send() -> None:
        from wufei.notifications.service import publish

        publish(
            "clue.reported",
            organizations=[bureau.pk] if bureau else [],
            title=_("Public report %(number)s") % {"number": clue.number},
            body=text[:300],
            url="",
            payload={"clue": clue.number},
        )

    after_commit(send)
    return Submitted(clue=clue, code=code)


def report_by_code(code: str) -> PublicReport:
    found = (
        PublicReport.objects.select_related("clue")
        .filter(code_sha256=_code_hash(code or ""))
        .first()
    )
    if found is None:
        raise NotFound(
            _("No report has this follow-up code."), code="supervision.code_unknown", field="code"
        )
    return found


def _lock_clue(actor: Any, clue: Clue | int) -> Clue:
    return lock(actor, "change", Clue, pk=clue.pk if isinstance(clue, Clue) else int(clue))


def verify_clue(actor: Any, clue: Clue, *, note: str, version: int | None = None) -> Clue:
    text = v.clean_required(note, "note", _("verification result"), 4000)
    with transaction.atomic():
        c = _lock_clue(actor, clue)
        check_version(c, version)
        if c.status not in (ClueStatus.NEW, ClueStatus.VERIFYING):
            raise Conflict(
                _("This clue has been dealt with."), code="supervision.wrong_state", field="status"
            )
        before = audit.snapshot(c)
        c.status = ClueStatus.VERIFYING
        c.verification = text
        c.verified_at = timezone.now()
        c.version += 1
        c.save()
        _record(actor, "supervision.clue.verify", c, before)
    return c


def dismiss_clue(actor: Any, clue: Clue, *, reason: str, version: int | None = None) -> Clue:
    text = v.clean_required(reason, "reason", _("reason"), 4000)
    with transaction.atomic():
        c = _lock_clue(actor, clue)
        check_version(c, version)
        if c.status not in (ClueStatus.NEW, ClueStatus.VERIFYING):
            raise Conflict(
                _("This clue has been dealt with."), code="supervision.wrong_state", field="status"
            )
        before = audit.snapshot(c)
        c.status = ClueStatus.DISMISSED
        c.dismissed_reason = text
        c.version += 1
        c.save()
        _record(actor, "supervision.clue.dismiss", c, before, reason=text)
    return c


def open_case(
    actor: Any,
    clue: Clue,
    *,
    title: str,
    organization: Any = None,
    findings: str = "",
    version: int | None = None,
) -> Case:
    """立案: a verified clue becomes a case; the party defaults to the carrier of the closest
    matched stop."""
    title = v.clean_required(title, "title", _("title"), 200)
    with transaction.atomic():
        c = _lock_clue(actor, clue)
        check_version(c, version)
        if c.status != ClueStatus.VERIFYING:
            raise Conflict(
                _("Verify the clue before opening a case."),
                code="supervision.not_verified",
                field="status",
            )
        org = None
        if organization:
            org = Organization.objects.filter(pk=getattr(organization, "pk", organization)).first()
            if org is None:
                raise ValidationFailed(
                    _("Choose the party responsible."),
                    code="supervision.party_invalid",
                    field="organization",
                )
        else:
            best = (
                c.matches.select_related("finding__trip__manifest").order_by("distance_m").first()
            )
            org = best.finding.trip.manifest.carrier if best else None
        bureau = bureau_for(c.region)
        if bureau is None:
            raise ValidationFailed(
                _("No bureau covers this area."), code="supervision.no_bureau", field="region"
            )
        before = audit.snapshot(c)
        case = Case.objects.create(
            number=_number("AJ", timezone.now()),
            clue=c,
            region=c.region,
            organization=org,
            bureau=bureau,
            title=title,
            findings=v.clean_length(findings, "findings", _("findings"), 8000),
            opened_at=timezone.now(),
        )
        c.status = ClueStatus.CASE
        c.version += 1
        c.save()
        _record(actor, "supervision.clue.open_case", c, before)
        _record(actor, "supervision.case.open", case, None)
    return case


def _lock_case(actor: Any, case: Case) -> Case:
    return lock(actor, "change", Case, pk=case.pk)


def _bureau(actor: Any, case: Case) -> None:
    p = principal(actor)
    if p is None or not p.in_jurisdiction(case.region.prefix):
        raise Forbidden(
            _("Only the bureau in charge of the area can do this."),
            code="supervision.not_bureau",
            field="actor",
        )


def require_case_rectification(
    actor: Any,
    case: Case,
    *,
    findings: str,
    measures: str,
    due_on: dt.date | None,
    penalty_reference: str = "",
    penalty_amount: Any = None,
    version: int | None = None,
) -> Case:
    findings = v.clean_required(findings, "findings", _("findings"), 8000)
    measures = v.clean_required(measures, "measures", _("rectification required"), 4000)
    reference = v.clean_length(penalty_reference, "penalty_reference", _("legal basis"), 200)
    amount = None
    if penalty_amount not in (None, ""):
        try:
            amount = Decimal(str(penalty_amount))
        except ArithmeticError:
            amount = Decimal("-1")
        if not amount.is_finite() or amount < 0:
            raise ValidationFailed(
                _("Enter the fine in yuan."),
                code="supervision.fine_invalid",
                field="penalty_amount",
            )
    with transaction.atomic():
        c = _lock_case(actor, case)
        _bureau(actor, c)
        check_version(c, version)
        if c.status != CaseStatus.INVESTIGATING:
            raise Conflict(
                _("This case is not under investigation."),
                code="supervision.wrong_state",
                field="status",
            )
        if not isinstance(due_on, dt.date):
            raise ValidationFailed(
                _("Enter the rectification deadline."),
                code="supervision.due_required",
                field="due_on",
            )
        if due_on < timezone.localdate():
            raise ValidationFailed(
                _("The rectification deadline cannot be in the past."),
                code="supervision.due_in_past",
                field="due_on",
            )
        before = audit.snapshot(c)
        c.findings, c.rectification, c.rectification_due_on = findings, measures, due_on
        c.penalty_reference, c.penalty_amount = reference, amount
        c.status = CaseStatus.RECTIFYING
        c.version += 1
        c.save()
        _record(actor, "supervision.case.rectify", c, before)
    return c


def respond_case(actor: Any, case: Case, *, response: str, version: int | None = None) -> Case:
    text = v.clean_required(response, "response", _("response"), 4000)
    with transaction.atomic():
        c = _lock_case(actor, case)
        p = principal(actor)
        if (
            p is None
            or c.organization_id is None
            or p.org_roles.get(c.organization_id) not in ("admin", "member")
        ):
            raise Forbidden(
                _("Only the party responsible can respond."),
                code="supervision.not_enterprise",
                field="actor",
            )
        check_version(c, version)
        if c.status != CaseStatus.RECTIFYING:
            raise Conflict(
                _("No rectification is required in this case."),
                code="supervision.wrong_state",
                field="status",
            )
        before = audit.snapshot(c)
        c.response = text
        c.version += 1
        c.save()
        _record(actor, "supervision.case.respond", c, before)
    return c


def close_case(actor: Any, case: Case, *, note: str, version: int | None = None) -> Case:
    text = v.clean_required(note, "note", _("closing note"), 4000)
    with transaction.atomic():
        c = _lock_case(actor, case)
        _bureau(actor, c)
        check_version(c, version)
        if c.status == CaseStatus.CLOSED:
            raise Conflict(
                _("This case is already closed."), code="supervision.wrong_state", field="status"
            )
        if c.status == CaseStatus.RECTIFYING and not c.response:
            raise Conflict(
                _("The party has not reported its rectification yet."),
                code="supervision.no_response",
                field="status",
            )
        before = audit.snapshot(c)
        c.status = CaseStatus.CLOSED
        c.closed_at = timezone.now()
        c.closing_note = text
        c.version += 1
        c.save()
        _record(actor, "supervision.case.close", c, before)
    return c


def claim_reward(code: str) -> PublicReport:
    """The reporter asks for the reward with the follow-up code (the case must be closed)."""
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().get(pk=report_by_code(code).pk)
        clue = report.clue
        closed = Case.objects.filter(clue=clue, status=CaseStatus.CLOSED).exists()
        if not closed:
            raise Conflict(
                _("The reward can be claimed once the case is closed."),
                code="supervision.case_open",
                field="code",
            )
        if report.reward_status != RewardStatus.NONE:
            raise Conflict(
                _("The reward has already been claimed."),
                code="supervision.already_claimed",
                field="code",
            )
        if report.anonymous:
            raise Conflict(
                _("An anonymous report cannot be paid: contact the bureau with your code."),
                code="supervision.anonymous",
                field="code",
            )
        report.reward_status = RewardStatus.CLAIMED
        report.save(update_fields=["reward_status"])
        audit.record(
            actor=None,
            action="supervision.report.claim",
            obj=report,
            after={"reward_status": "claimed"},
            region_prefix=clue.region.prefix,
        )
    return report


def approve_reward(actor: Any, report: PublicReport, *, amount: Any) -> PublicReport:
    """The officer who pays the reward takes the report; only they may see the identity."""
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        value = Decimal("-1")
    if not value.is_finite() or value <= 0:
        raise ValidationFailed(
            _("Enter the reward in yuan."), code="supervision.reward_invalid", field="amount"
        )
    with transaction.atomic():
        r = lock(actor, "change", PublicReport, pk=report.pk)
        if r.reward_status != RewardStatus.CLAIMED:
            raise Conflict(
                _("No claim is waiting on this report."),
                code="supervision.wrong_state",
                field="status",
            )
        r.reward_status = RewardStatus.APPROVED
        r.reward_amount = value
        r.reward_officer = actor
        r.save(update_fields=["reward_status", "reward_amount", "reward_officer"])
        audit.record(
            actor=actor,
            action="supervision.report.approve",
            obj=r,
            after={"amount": str(value)},
            region_prefix=r.clue.region.prefix,
        )
    return r


def reveal_reporter(actor: Any, report: PublicReport) -> dict[str, str]:
    """The reporter's identity, for the reward officer only; every reading is audited."""
    with transaction.atomic():
        r = lock(actor, "view", PublicReport, pk=report.pk)
        if r.reward_officer_id is None or r.reward_officer_id != getattr(actor, "pk", None):
            raise Forbidden(
                _("Only the officer paying the reward may see who reported."),
                code="supervision.identity_hidden",
                field="actor",
            )
        try:
            identity = (
                json.loads(_fernet().decrypt(r.identity_encrypted.encode()).decode())
                if r.identity_encrypted
                else {}
            )
        except InvalidToken:
            raise Conflict(
                _("The identity cannot be decrypted with the current key."),
                code="supervision.key_changed",
            ) from None
        audit.record(
            actor=actor,
            action="supervision.report.reveal",
            obj=r,
            after={},
            region_prefix=r.clue.region.prefix,
        )
    return identity


def mark_reward_paid(actor: Any, report: PublicReport) -> PublicReport:
    with transaction.atomic():
        r = lock(actor, "change", PublicReport, pk=report.pk)
        if r.reward_status != RewardStatus.APPROVED or r.reward_officer_id != getattr(
            actor, "pk", None
        ):
            raise Conflict(
                _("Only the approving officer can mark an approved reward paid."),
                code="supervision.wrong_state",
                field="status",
            )
        r.reward_status = RewardStatus.PAID
        r.save(update_fields=["reward_status"])
        audit.record(
            actor=actor,
            action="supervision.report.paid",
            obj=r,
            after={"reward_status": "paid"},
            region_prefix=r.clue.region.prefix,
        )
    return r
