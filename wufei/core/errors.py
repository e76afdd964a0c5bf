"""Errors raised by actions, shared by pages, the API and commands.

Every error carries a stable ``code`` (``registry.uscc_invalid``), a message in the user's
language (lazy translation, so it renders in Chinese or English per request), the ``field`` it
concerns, optional ``details`` and the HTTP status the API answers with (see docs/api.md).
"""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "field": self.field,
            "details": self.details,
        }


class ValidationFailed(ActionError):
    """Bad input (400)."""

    status = 400
    default_code = "validation.invalid"


class NotFound(ActionError):
    """Missing, or not visible to the actor: both answer the same (404)."""

    status = 404
    default_code = "not_found"


class Forbidden(ActionError):
    """The actor sees the object but may not do this to it (403)."""

    status = 403
    default_code = "permission_denied"


class Conflict(ActionError):
    """State conflict, replay or stale version (409)."""

    status = 409
    default_code = "conflict"
