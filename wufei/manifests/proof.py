"""Proof of a manifest (联单凭证): signature checks, offline export, QR tokens, access links.

* ``check_manifest(manifest)`` re-verifies every signature (签名) against the platform's
  public keys, checks the chain (first the submission, the steps in lifecycle order, each by
  the right party, none dated before the one recorded ahead of it, none missing for the
  status) and whether the current content still matches the last signature's SHA-256.
* ``export(manifest)`` is the JSON a third party verifies with only the public key
  (``check_export`` is the same check without the database); see docs/signatures.md.
* ``verify_token`` / ``manifest_pk_from_token``: the HMAC-protected token the PDF's QR carries
  (``/v/<token>``), so that nobody opens a manifest by guessing numbers.
* ``create_access_link``: a short-lived link (临时查看链接) a party or a regulator gives a
  roadside officer; only the SHA-256 of the random token is stored.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core import signing as django_signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import principal

from . import signing
from .models import PARTY_ROLES, AccessLink, Manifest, SignatureStep

EXPORT_FORMAT = "wufei-manifest-proof-1"
VERIFY_SALT = "wufei.manifests.verify"
LINK_MINUTES_DEFAULT = 120
LINK_MINUTES_MAX = 24 * 60

# Lifecycle order of the steps; cancel and revision may come at any point after submission.
STEP_RANK = {
    SignatureStep.SUBMIT: 0,
    SignatureStep.PAPER: 0,
    SignatureStep.HANDOVER: 1,
    SignatureStep.PICKUP: 2,
    SignatureStep.LEG_HANDOVER: 3,
    SignatureStep.RECEIPT: 4,
    SignatureStep.TREATMENT: 5,
}
REQUIRED_STEPS = {
    "submitted": ("submit",),
    "in_transit": ("submit", "handover", "pickup"),
    "arrived": ("submit", "handover", "pickup"),
    "received": ("submit", "handover", "pickup", "receipt"),
    "refused": ("submit", "handover", "pickup", "receipt"),
    "closed": ("submit", "handover", "pickup", "receipt", "treatment"),
}


# --- the QR token (verification page) --------------------------------------------------------


def verify_token(manifest: Manifest | int) -> str:
    """``<pk>:<HMAC>`` (Django's signer with its own salt): opens /v/<token>, cannot be guessed."""
    pk = manifest.pk if isinstance(manifest, Manifest) else int(manifest)
    return django_signing.Signer(salt=VERIFY_SALT).sign(str(pk))


def manifest_pk_from_token(token: str) -> int | None:
    try:
        value = django_signing.Signer(salt=VERIFY_SALT).unsign(token)
    except django_signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def base_url() -> str:
    return str(getattr(settings, "WUFEI", {}).get("BASE_URL", "") or "").rstrip("/")


def verify_url(manifest: Manifest, base: str | None = None) -> str:
    path = reverse("manifest_verify", args=[verify_token(manifest)])
    return f"{(base if base is not None else base_url()).rstrip('/')}{path}"


# --- public keys -----------------------------------------------------------------------------


def key_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def fingerprint(raw: bytes) -> str:
    """SHA-256 of the raw public key in groups of four hex digits (printed on the PDF)."""
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def load_public_key(text: str) -> bytes:
    """The 32 raw bytes from the public-key JSON, a PEM public key or raw base64."""
    text = text.strip()
    if text.startswith("{"):
        text = str(json.loads(text)["public_key_base64"])
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return raw


def platform_keys() -> dict[str, bytes]:
    """key id → raw public key: the current key and the retired ones kept after a rotation
    (``<var>/keys/retired/*.pem``, see docs/signatures.md)."""
    keys = {signing.key_id(): signing.public_key_bytes()}
    retired = Path(settings.VAR_DIR) / "keys" / "retired"
    if retired.is_dir():
        for path in sorted(retired.glob("*.pem")):
            raw = load_public_key(path.read_text())
            keys[key_id_of(raw)] = raw
    return keys


def public_key_document() -> dict[str, Any]:
    raw = signing.public_key_bytes()
    return {
        "algorithm": "Ed25519",
        "key_id": signing.key_id(),
        "public_key_pem": signing.public_key_pem(),
        "public_key_base64": base64.b64encode(raw).decode(),
        "fingerprint_sha256": fingerprint(raw),
        "statement_version": signing.STATEMENT_VERSION,
        "retired_key_ids": sorted(k for k in platform_keys() if k != signing.key_id()),
    }


# --- checks ----------------------------------------------------------------------------------


@dataclass
class SignatureCheck:
    """One signature and what its check found (empty ``problems`` = valid)."""

    fields: dict[str, Any]
    valid: bool
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    number: str
    signatures: list[SignatureCheck]
    content_sha256: str
    signed_sha256: str  # what the last signature covers ("" without signatures)
    content_matches: bool
    pending: list[str] = field(default_factory=list)  # unsigned changes a later step will sign
    problems: list[str] = field(default_factory=list)  # chain and content problems

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.valid and not c.problems for c in self.signatures)


def signature_fields(sig: Any) -> dict[str, Any]:
    """The printed fields of a signature: everything needed to rebuild its statement."""
    return {
        "step": sig.step,
        "leg": sig.leg,
        "revision": sig.revision,
        "signer_name": sig.signer_name,
        "role": sig.role,
        "uscc": sig.organization.uscc,
        "org_name": sig.organization.name,
        "signed_at": sig.signed_at.isoformat(),
        "content_sha256": sig.content_sha256,
        "key_id": sig.key_id,
        "signature": sig.platform_signature,
    }


def statement_from(number: str, f: dict[str, Any]) -> bytes:
    return signing.statement(
        number=number,
        step=f["step"],
        leg=int(f["leg"]),
        revision=int(f["revision"]),
        signer_name=f["signer_name"],
        role=f["role"],
        uscc=f["uscc"],
        signed_at=f["signed_at"],
        content=f["content_sha256"],
    )


def _party_usccs(content: dict[str, Any], step: str, leg: int) -> set[str]:
    shipper, carrier, receiver = content["shipper"], content["carrier"], content["receiver"]
    legs = {int(x["sequence"]): x["carrier"] for x in content.get("legs", [])}
    if step in ("submit", "handover", "cancel", "paper"):
        return {shipper}
    if step == "pickup":
        return {legs.get(1, carrier)}
    if step == "leg_handover":
        return {legs[leg]} if leg in legs else set()
    if step in ("receipt", "treatment"):
        return {receiver}
    return {shipper, carrier, receiver, *legs.values()}


def signed_view(
    content: dict[str, Any], steps: set[str], current_leg: int
) -> tuple[dict[str, Any], list[str]]:
    """The content with the changes no signature covers yet taken out, and what they are:
    a named next carrier before its take-over, arrival weights before the receipt, treatment
    of some containers before the last one closes the manifest."""
    view = copy.deepcopy(content)
    pending: list[str] = []
    legs = [x for x in view.get("legs", []) if int(x["sequence"]) <= current_leg]
    if len(legs) != len(view.get("legs", [])):
        view["legs"] = legs
        pending.append(_("The next carrier is named but has not signed the take-over yet."))
    items = view.get("items", [])
    if "receipt" not in steps and any(i["received_tonnes"] is not None for i in items):
        for i in items:
            i["received_tonnes"] = None
        pending.append(_("Arrival weights are recorded; the receipt is not signed yet."))
    if "treatment" not in steps and any(i["treated"] or i["treatment_method"] for i in items):
        for i in items:
            i["treated"], i["treatment_method"] = False, None
        pending.append(
            _("Treatment is being recorded; it is signed when the last container is done.")
        )
    return view, pending


def check(
    number: str,
    content: dict[str, Any],
    state: dict[str, Any],
    sigs: list[dict[str, Any]],
    keys: dict[str, bytes],
) -> Report:
    """Check signatures (in recorded order) of a manifest whose current content and state
    (status, current_leg, is_paper) are given. No database: ``check_export`` uses it too."""
    checks: list[SignatureCheck] = []
    problems: list[str] = []
    last_rank, last_leg, last_at = -1, 1, None
    for n, f in enumerate(sigs):
        raw = keys.get(f["key_id"])
        c = SignatureCheck(f, valid=False)
        if raw is None:
            c.problems.append(
                _("Signed with key %(key)s, which is not a known platform key.")
                % {"key": f["key_id"]}
            )
        elif not signing.verify_statement(statement_from(number, f), f["signature"], raw):
            c.problems.append(_("The platform signature does not match the signed statement."))
        else:
            c.valid = True
        step, leg = f["step"], int(f["leg"])
        if n == 0 and step not in ("submit", "paper"):
            c.problems.append(_("The first signature must be the submission."))
        rank = STEP_RANK.get(step)
        if rank is not None:
            if rank < last_rank or (step == "leg_handover" and leg <= last_leg):
                c.problems.append(_("This step is out of the lifecycle order."))
            last_rank = rank
            last_leg = leg if step == "leg_handover" else last_leg
        if f["uscc"] not in _party_usccs(content, step, leg):
            c.problems.append(
                _("Signed by %(uscc)s, which is not the party for this step.") % {"uscc": f["uscc"]}
            )
        at = datetime.fromisoformat(f["signed_at"])
        if last_at is not None and at < last_at:
            c.problems.append(_("Dated before the signature recorded ahead of it."))
        last_at = at
        checks.append(c)
    steps = {f["step"] for f in sigs}
    if "paper" not in steps:
        required = list(REQUIRED_STEPS.get(state["status"], ()))
        if state["status"] == "cancelled" and sigs:
            required.append("cancel")
        for step in required:
            if step not in steps:
                problems.append(
                    _("The signature of step %(step)s is missing.")
                    % {"step": SignatureStep(step).label}
                )
        for x in content.get("legs", []):
            seq = int(x["sequence"])
            if 1 < seq <= int(state["current_leg"]) and not any(
                f["step"] == "leg_handover" and int(f["leg"]) == seq for f in sigs
            ):
                problems.append(
                    _("The take-over of carrier leg %(leg)s is not signed.") % {"leg": seq}
                )
    current = signing.content_digest(content)
    signed = sigs[-1]["content_sha256"] if sigs else ""
    matches = bool(signed) and current == signed
    pending: list[str] = []
    if signed and not matches:
        view, pending = signed_view(content, steps, int(state["current_leg"]))
        matches = bool(pending) and signing.content_digest(view) == signed
        if not matches:
            pending = []
            problems.append(
                _("The content no longer matches the last signature: it was changed unsigned.")
            )
    return Report(number, checks, current, signed, matches, pending, problems)


def _state(manifest: Manifest) -> dict[str, Any]:
    return {
        "status": manifest.status,
        "current_leg": manifest.current_leg,
        "is_paper": manifest.is_paper,
    }


def _sigs(manifest: Manifest) -> list[Any]:
    return list(manifest.signatures.select_related("organization").order_by("pk"))


def check_manifest(manifest: Manifest, keys: dict[str, bytes] | None = None) -> Report:
    """Re-verify every signature of ``manifest`` against the database's current content."""
    return check(
        manifest.number or "",
        signing.canonical_content(manifest),
        _state(manifest),
        [signature_fields(s) for s in _sigs(manifest)],
        keys if keys is not None else platform_keys(),
    )


def export(manifest: Manifest) -> dict[str, Any]:
    """What a third party needs to verify with only the public key (docs/signatures.md).

    ``content`` is what the last signature covers (unsigned changes since are named in
    ``pending``); each signature carries its statement text as well as its fields.
    """
    number = manifest.number or ""
    content = signing.canonical_content(manifest)
    sigs = [signature_fields(s) for s in _sigs(manifest)]
    report = check(number, content, _state(manifest), sigs, platform_keys())
    if report.pending:
        content, _pending = signed_view(content, {f["step"] for f in sigs}, manifest.current_leg)
    for f in sigs:
        f["statement"] = statement_from(number, f).decode("utf-8")
    return {
        "format": EXPORT_FORMAT,
        "statement_version": signing.STATEMENT_VERSION,
        "number": number,
        "state": _state(manifest),
        "platform_key": {k: v for k, v in public_key_document().items() if k != "retired_key_ids"},
        "content": content,
        "content_sha256": signing.content_digest(content),
        "pending": report.pending,
        "signatures": sigs,
    }


def check_export(data: dict[str, Any], keys: dict[str, bytes]) -> Report:
    """Check an export with the given public keys only (no database needed)."""
    if data.get("format") != EXPORT_FORMAT:
        raise ValueError(f"not a {EXPORT_FORMAT} document")
    report = check(data["number"], data["content"], data["state"], data["signatures"], keys)
    for c in report.signatures:
        stated = c.fields.get("statement")
        if stated is not None and stated.encode("utf-8") != statement_from(
            data["number"], c.fields
        ):
            c.problems.append(_("The printed statement differs from the signature's fields."))
    return report


# --- short-lived access links ----------------------------------------------------------------


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_url(token: str) -> str:
    return f"{base_url()}{reverse('manifests:shared', args=[token])}"


def may_share(actor: Any, manifest: Manifest) -> bool:
    """A party (not a read-only member) or a regulator of the manifest's origin or destination."""
    p = principal(actor)
    if p is None:
        return False
    parties = {manifest.shipper_id, manifest.carrier_id, manifest.receiver_id}
    parties |= {leg.carrier_id for leg in manifest.legs.all()}
    if any(p.org_roles.get(org) in PARTY_ROLES for org in parties):
        return True
    return p.in_jurisdiction(manifest.origin_region.prefix) or p.in_jurisdiction(
        manifest.destination_region.prefix
    )


def create_access_link(
    actor: Any, manifest: Manifest | int, minutes: int = LINK_MINUTES_DEFAULT
) -> str:
    """创建临时查看链接: a link that opens the manifest read-only without login for
    ``minutes`` (1 … 1440). Returns the URL with the raw token; only its SHA-256 is kept."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= LINK_MINUTES_MAX:
        raise ValidationFailed(
            _("A link lasts from 1 minute to 24 hours."),
            code="manifests.link_minutes",
            field="minutes",
        )
    pk = manifest.pk if isinstance(manifest, Manifest) else int(manifest)
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        locked = lock(actor, "view", Manifest, pk=pk)
        if not may_share(actor, locked):
            raise Forbidden(
                _("Only a party or a regulator of this manifest may share it."),
                code="manifests.link_not_allowed",
                field="actor",
            )
        if not locked.number:
            raise Conflict(
                _("A draft has no number yet: submit it before sharing it."),
                code="manifests.link_draft",
                field="status",
            )
        link = AccessLink.objects.create(
            manifest=locked,
            token_sha256=token_sha256(token),
            expires_at=timezone.now() + timedelta(minutes=minutes),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="manifests.access_link.create",
            obj=link,
            after={
                "manifest": locked.number,
                "expires_at": link.expires_at.isoformat(),
                "minutes": minutes,
            },
            organization_id=locked.shipper_id,
            region_prefix=locked.origin_region.prefix,
        )
    return link_url(token)


def find_link(token: str) -> AccessLink | None:
    """The link of a raw token (expired or not), or None."""
    if not token or len(token) > 100:
        return None
    return (
        AccessLink.objects.select_related("manifest")
        .filter(token_sha256=token_sha256(token))
        .first()
    )


def is_expired(link: AccessLink) -> bool:
    return link.expires_at <= timezone.now()


def count_open(link: AccessLink) -> None:
    AccessLink.objects.filter(pk=link.pk).update(opened_count=F("opened_count") + 1)
