"""Request id: every request gets one (or keeps the caller's ``X-Request-ID``); the audit
chain stores it so that an event can be traced to the request that caused it."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "wufei_request_id", default=None
)
_SAFE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = _request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Pages speak Simplified Chinese unless the user chose English with the switch.

    The switch (``/i18n/setlang/``) stores the choice in the language cookie; the browser's
    ``Accept-Language`` does not decide for a page, so a bureau PC with an English system still
    gets the Chinese platform. API clients are systems: for ``/api/`` the standard negotiation
    applies (cookie, then ``Accept-Language``), so ``Accept-Language: en`` gets English errors.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
