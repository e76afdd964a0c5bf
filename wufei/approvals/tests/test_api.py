"""API: create, documents, submit, the bureaus' steps, errors, idempotency, visibility."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from wufei.approvals.models import CrossProvinceApproval
from wufei.core.models import AuditEvent

from .factories import application_data, approved

pytestmark = pytest.mark.django_db
BASE = "/api/v1/transfer-approvals/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_procedure_through_the_api(w):
    applicant = api(w.applicant)
    body = {"applicant_site": w.site.pk, **application_data(w)}
    r = applicant.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="ks-1")
    assert r.status_code == 201, r.content
    pk = r.data["id"]
    assert r.data["status"] == "draft" and r.data["destination_region"] == "320000"
    assert [line["waste_code"] for line in r.data["lines"]] == ["900-249-08", "900-041-49"]
    again = applicant.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="ks-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert CrossProvinceApproval.objects.count() == 1
    r = applicant.patch(f"{BASE}{pk}/", {"purpose": "改"}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r["ETag"] == '"2"'
    r = applicant.patch(f"{BASE}{pk}/", {"purpose": "再改"}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = applicant.post(f"{BASE}{pk}/submit/")
    assert r.status_code == 400 and r.json()["code"] == "approvals.documents_missing"
    assert r.json()["field"] == "documents"
    assert r.json()["details"]["missing"] == ["permit_copy", "method", "contract"]
    for kind in ("permit_copy", "method", "contract"):
        payload = {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", b"%PDF")}
        if kind != "permit_copy":
            payload["title"] = f"{kind} 说明"
        r = applicant.post(f"{BASE}{pk}/documents/", payload, format="multipart")
        assert r.status_code == 201, r.content
        assert len(r.data["sha256"]) == 64
        assert r.data["title"] == ("permit_copy.pdf" if kind == "permit_copy" else f"{kind} 说明")
    r = applicant.post(f"{BASE}{pk}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert r.status_code == 200 and r.data["number"] == "KS202633000001"
    assert r.data["steps"][0]["due_on"] == "2026-03-09" and not r.data["steps"][0]["overdue"]

    origin, destination = api(w.origin_bureau), api(w.destination_bureau)
    assert origin.post(f"{BASE}{pk}/accept/", {"note": "齐全"}, format="json").status_code == 200
    r = origin.post(f"{BASE}{pk}/review/", {"agree": True}, format="json")
    assert r.status_code == 200 and r.data["status"] == "requested"
    r = origin.post(f"{BASE}{pk}/reply/", {"agree": True}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "approvals.not_destination_bureau"
    r = destination.post(f"{BASE}{pk}/reply/", {"agree": True, "note": "同意"}, format="json")
    assert r.status_code == 200 and r.data["status"] == "replied"
    r = origin.post(
        f"{BASE}{pk}/decide/",
        {"approve": True, "decision_number": "浙环危转〔2026〕9号"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.data["status"] == "approved" and r.data["valid_until"] == "2027-03-15"
    r = origin.get(f"{BASE}{pk}/steps/")
    assert [s["kind"] for s in r.data] == ["acceptance", "review", "reply", "decision"]
    r = applicant.post(f"{BASE}{pk}/withdraw/")
    assert r.status_code == 409 and r.json()["code"] == "approvals.not_withdrawable"


def test_errors_name_the_field(w):
    applicant = api(w.applicant)
    body = {"applicant_site": w.site.pk, **application_data(w)}
    body["lines"] = [{**body["lines"][0], "method": "D10"}]
    r = applicant.post(BASE, body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "approvals.permit_scope"
    assert r.json()["field"] == "lines"
    r = applicant.post(BASE, {**body, "applicant_site": 999999}, format="json")
    assert r.status_code == 404 and r.json()["field"] == "applicant_site"
    r = applicant.post(BASE, {**body, "requested_from": "x"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "requested_from"


def test_visibility_and_filters(w):
    approval = approved(w)
    for user in (w.applicant, w.receiver_user, w.origin_bureau, w.destination_bureau):
        r = api(user).get(BASE)
        assert [a["id"] for a in r.data["results"]] == [approval.pk], user
        assert "next" in r.data  # cursor pagination
    for user in (w.other_bureau, w.city_bureau):
        assert api(user).get(BASE).data["results"] == []
        assert api(user).get(f"{BASE}{approval.pk}/").status_code == 404
        r = api(user).post(f"{BASE}{approval.pk}/accept/", {}, format="json")
        assert r.status_code == 404
    client = api(w.origin_bureau)
    assert client.get(BASE, {"status": "draft"}).data["results"] == []
    assert len(client.get(BASE, {"province": "32"}).data["results"]) == 1
    assert len(client.get(BASE, {"number": approval.number}).data["results"]) == 1
    assert len(client.get(BASE, {"q": "900-249-08"}).data["results"]) == 1
    assert not AuditEvent.objects.filter(action="approvals.approval.accept", actor=w.other_bureau)
