"""Signatures (电子签名) and their offline proof.

Each step's signature records signer, role, organisation and time and the SHA-256 of the
manifest's *canonical content* at that step (sorted-key JSON of everything the parties agreed
on: parties, vehicle, lines, containers and their weights). The platform countersigns the
signature statement with its Ed25519 key, so that anyone holding the platform's public key can
check a printed manifest offline (``verify_statement``) — see docs/signatures.md.

The private key comes from ``WUFEI_SIGNING_KEY`` (PEM, PKCS#8) or, on the embedded default,
from ``<var>/keys/signing-ed25519.pem``, created on first use and kept.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from .models import Manifest, Signature

STATEMENT_VERSION = "wufei-sig-1"


def _key_path() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "signing-ed25519.pem"


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    pem = os.environ.get("WUFEI_SIGNING_KEY", "").strip()
    if pem:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    else:
        path = _key_path()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            new = Ed25519PrivateKey.generate()
            data = new.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # the first process to create the key wins
            tmp.unlink(missing_ok=True)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("WUFEI_SIGNING_KEY is not an Ed25519 private key")
    return key


def public_key_bytes() -> bytes:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def public_key_pem() -> str:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id() -> str:
    """The first 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public_key_bytes()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


RELATED = ("shipper", "receiver", "receiver_permit", "carrier", "vehicle", "driver")


def _load_related(manifest: Manifest) -> None:
    """Fetch the parties the content names in one query, keeping the in-memory field values
    (a caller may sign a manifest it has just changed)."""
    missing = [n for n in RELATED if n not in manifest._state.fields_cache]
    if not missing or manifest.pk is None:
        return
    fetched = Manifest.objects.select_related(*missing).get(pk=manifest.pk)
    for name in missing:
        if getattr(fetched, f"{name}_id") == getattr(manifest, f"{name}_id"):
            setattr(manifest, name, getattr(fetched, name))


def canonical_content(manifest: Manifest) -> dict[str, Any]:
    """What the parties sign: every agreed fact of the manifest, nothing volatile (four
    queries whatever its size: the parties, the lines, the containers, the legs)."""
    _load_related(manifest)
    lines = []
    for line in manifest.lines.select_related(
        "waste_code", "general_category", "method", "received_method"
    ):
        lines.append(
            {
                "position": line.position,
                "code": line.code_text,
                "name": line.name,
                "form": line.form,
                "hazard": line.hazard,
                "package_type": line.package_type,
                "package_count": line.package_count,
                "quantity_tonnes": _plain(line.quantity_tonnes),
                "method": line.method.code,
                "received_tonnes": _plain(line.received_tonnes),
                "accepted_tonnes": _plain(line.accepted_tonnes),
                "received_method": line.received_method.code if line.received_method else None,
                "outcome": line.outcome,
            }
        )
    items = []
    for item in manifest.items.select_related("container", "line", "treatment_method").order_by(
        "container__ident_code"
    ):
        items.append(
            {
                "code": item.container.ident_code,
                "line": item.line.position,
                "dispatch_tonnes": _plain(item.dispatch_tonnes),
                "received_tonnes": _plain(item.received_tonnes),
                "refused": item.refused,
                "treated": bool(item.treated_at),
                "treatment_method": item.treatment_method.code if item.treatment_method else None,
            }
        )
    legs = [
        {"sequence": leg.sequence, "carrier": leg.carrier.uscc, "plate": leg.vehicle.plate}
        for leg in manifest.legs.select_related("carrier", "vehicle").order_by("sequence")
    ]
    return {
        "number": manifest.number,
        "kind": manifest.kind,
        "shipper": manifest.shipper.uscc,
        "shipper_site": manifest.shipper_site_id,
        "receiver": manifest.receiver.uscc,
        "receiver_permit": manifest.receiver_permit.number if manifest.receiver_permit else None,
        "carrier": manifest.carrier.uscc,
        "plate": manifest.vehicle.plate,
        "driver": manifest.driver.qualification_no,
        "planned_pickup_on": _plain(manifest.planned_pickup_on),
        "approval": manifest.approval_id,
        "lines": lines,
        "items": items,
        "legs": legs,
        "outcome": manifest.outcome,
    }


def content_digest(content: dict[str, Any]) -> str:
    """SHA-256 of canonical content: sorted-key compact JSON, UTF-8 (what a verifier rebuilds)."""
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def content_sha256(manifest: Manifest) -> str:
    return content_digest(canonical_content(manifest))


def statement(
    *,
    number: str,
    step: str,
    leg: int,
    revision: int,
    signer_name: str,
    role: str,
    uscc: str,
    signed_at: str,
    content: str,
) -> bytes:
    """The exact bytes the platform signs (and a verifier rebuilds from the printed page)."""
    parts = [STATEMENT_VERSION, number, step, str(leg), str(revision), signer_name, role, uscc]
    parts += [signed_at, content]
    return "|".join(parts).encode("utf-8")


def statement_of(sig: Signature) -> bytes:
    return statement(
        number=sig.manifest.number or "",
        step=sig.step,
        leg=sig.leg,
        revision=sig.revision,
        signer_name=sig.signer_name,
        role=sig.role,
        uscc=sig.organization.uscc,
        signed_at=sig.signed_at.isoformat(),
        content=sig.content_sha256,
    )


def countersign(data: bytes) -> str:
    return base64.b64encode(private_key().sign(data)).decode()


def verify_statement(data: bytes, signature_b64: str, public_key: bytes | None = None) -> bool:
    """Offline check: ``public_key`` is the 32 raw bytes published by the platform."""
    raw = public_key if public_key is not None else public_key_bytes()
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(signature_b64), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(sig: Signature) -> bool:
    """Does the stored signature still match its statement (nothing altered since)?"""
    return verify_statement(statement_of(sig), sig.platform_signature)
