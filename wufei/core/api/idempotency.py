"""``Idempotency-Key`` on POST: a repeated key returns the first answer and writes nothing.

The record is inserted in the same transaction as the action it guards. A concurrent request
with the same key waits on the unique index (PostgreSQL) or the write lock (SQLite) and then
finds the stored answer. A failed request stores nothing, so it can be retried with the same
key. Reusing a key for a different request (other path or body) is a 409.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from wufei.core.errors import Conflict, ValidationFailed
from wufei.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _request_hash(request: Request) -> str:
    """A digest of method, path, body and the *contents* of uploaded files."""
    try:
        body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    except Exception:  # noqa: BLE001 - multipart bodies etc.: hash the raw keys
        body = repr(sorted(getattr(request.data, "keys", lambda: [])()))
    digest = hashlib.sha256(f"{request.method} {request.path}\n{body}".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"\n{name}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, request: Request, digest: str) -> Response:
    if record.request_hash != digest:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency.key_reused",
            field="Idempotency-Key",
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view method handling POST."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 200:
            raise ValidationFailed(
                _("Idempotency-Key is too long (200 characters at most)."),
                code="idempotency.key_invalid",
                field="Idempotency-Key",
            )
        digest = _request_hash(request)
        user: Any = request.user  # authenticated: every API view requires it
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is not None:
            return _replay(existing, request, digest)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method or "POST",
                    path=request.path[:500],
                    request_hash=digest,
                    status_code=0,
                    response_body=None,
                )
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.response_body = json.loads(json.dumps(response.data, default=str))
                record.save(update_fields=["status_code", "response_body"])
                return response
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if existing is None:
                raise
            return _replay(existing, request, digest)

    return wrapper
