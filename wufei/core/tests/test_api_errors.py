"""The common error body, and the security basics every page and response gets."""

import pytest
from django.conf import settings
from rest_framework import exceptions

from wufei.core.api.errors import exception_handler
from wufei.core.errors import Conflict, ValidationFailed


def test_action_error_body():
    resp = exception_handler(
        ValidationFailed("统一社会信用代码无效", code="registry.uscc_invalid", field="uscc"), {}
    )
    assert resp.status_code == 400
    assert resp.data == {
        "code": "registry.uscc_invalid",
        "message": "统一社会信用代码无效",
        "field": "uscc",
        "details": {},
    }
    assert exception_handler(Conflict("x"), {}).status_code == 409


def test_drf_validation_error_names_the_first_field():
    resp = exception_handler(exceptions.ValidationError({"name": ["This field is required."]}), {})
    assert resp.status_code == 400
    assert resp.data["field"] == "name" and resp.data["code"] == "validation.invalid"
    nested = exception_handler(
        exceptions.ValidationError({"scopes": [{"annual_capacity_tonnes": ["bad"]}]}), {}
    )
    assert nested.data["field"] == "scopes.annual_capacity_tonnes"


def test_not_found_body():
    resp = exception_handler(exceptions.NotFound(), {})
    assert resp.status_code == 404 and resp.data["code"] == "not_found"


def test_password_hashing_is_argon2_outside_tests():
    assert "Argon2PasswordHasher" in "".join(settings.PASSWORD_HASHERS)


@pytest.mark.django_db
def test_security_headers_and_csp_on_login_page(client):
    resp = client.get("/accounts/login/")
    assert resp.status_code == 200
    csp = resp["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["X-Request-ID"]
    assert "<script>" not in resp.content.decode()  # no inline scripts
    assert resp.cookies["csrftoken"]["samesite"] == "Lax"


@pytest.mark.django_db
def test_request_id_is_kept_when_safe(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id;<>")["X-Request-ID"] != "bad id;<>"


@pytest.mark.django_db
def test_login_is_throttled(client, django_user_model):
    django_user_model.objects.create_user("someone", password="right-password-123")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "someone", "password": "wrong"})
    resp = client.post(
        "/accounts/login/", {"username": "someone", "password": "right-password-123"}
    )
    assert (
        resp.status_code == 429
        or "locked" in resp.content.decode().lower()
        or "锁定" in resp.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_idempotency_digest_covers_uploaded_file_contents():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.parsers import MultiPartParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from wufei.core.api.idempotency import _request_hash

    def digest(content: bytes) -> str:
        upload = SimpleUploadedFile("ledger.csv", content, content_type="text/csv")
        raw = APIRequestFactory().post(
            "/api/v1/x/", {"site": "1", "file": upload}, format="multipart"
        )
        return _request_hash(Request(raw, parsers=[MultiPartParser()]))

    assert digest(b"a,b\n1,2\n") == digest(b"a,b\n1,2\n")
    assert digest(b"a,b\n1,2\n") != digest(b"a,b\n1,3\n")  # same name, other contents


@pytest.mark.django_db
def test_pages_are_chinese_unless_the_user_switches(client):
    # A browser that prefers English still gets the Chinese platform …
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page
    # … until the user picks English with the switch (the language cookie).
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page and "Sign in" in page


@pytest.mark.django_db
def test_api_honours_accept_language(client):
    zh = client.get("/api/v1/waste-codes/").json()  # not signed in: an error body
    en = client.get("/api/v1/waste-codes/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["message"] != en["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["message"])
