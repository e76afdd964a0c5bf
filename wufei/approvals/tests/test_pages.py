"""Pages: the applicant's form and documents, the bureaus' step pages, list, overdue, pairs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wufei.approvals.models import ApprovalStatus, CrossProvinceApproval, ProvincePair
from wufei.plans.tests.clock import SHANGHAI, frozen

from .factories import approved, draft, submitted

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def form_data(w, **overrides):
    data = {
        "applicant_site": w.site.pk,
        "receiver": w.receiver.uscc,
        "receiver_permit": "",
        "requested_from": "2026-03-16",
        "requested_until": "2027-03-15",
        "purpose": "再生利用",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-waste_code": "900-249-08",
        "lines-0-name": "废机油",
        "lines-0-method": "R9",
        "lines-0-quantity_tonnes": "50",
        "lines-1-waste_code": "",
        "lines-1-name": "",
        "lines-1-method": "",
        "lines-1-quantity_tonnes": "",
    }
    data.update(overrides)
    return data


def test_applicant_drafts_attaches_and_submits(w, client):
    login(client, w.applicant)
    page = client.get(reverse("approvals:create")).content.decode()
    assert 'data-testid="application-form"' in page and 'name="lines-0-waste_code"' in page
    r = client.post(reverse("approvals:create"), form_data(w, **{"lines-0-method": "D10"}))
    assert r.status_code == 200
    body = r.content.decode()
    assert "不允许以 D10 方式" in body and "form-error" in body  # errors on the page
    r = client.post(reverse("approvals:create"), form_data(w, **{"lines-0-quantity_tonnes": "x"}))
    assert r.status_code == 200 and "field-error" in r.content.decode()  # beside the field
    r = client.post(reverse("approvals:create"), form_data(w))
    approval = CrossProvinceApproval.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("approvals:detail", args=[approval.pk])
    page = client.get(r["Location"]).content.decode()
    assert 'data-testid="missing-documents"' in page and 'data-testid="submit"' in page
    assert "style=" not in page
    for kind in ("permit_copy", "method", "contract"):
        r = client.post(
            reverse("approvals:document_add", args=[approval.pk]),
            {"kind": kind, "title": "", "file": SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4")},
        )
        assert r.status_code == 302, r.content.decode()[:500]
    doc = approval.documents.first()
    r = client.get(reverse("approvals:document_file", args=[doc.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4"
    approval.refresh_from_db()
    r = client.post(reverse("approvals:submit", args=[approval.pk]), {"version": approval.version})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUBMITTED and approval.number
    page = client.get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    assert 'data-testid="next-step"' in page and "2026-03-09" in page
    assert 'data-testid="accept"' not in page  # not the applicant's step


def test_bureaus_walk_the_steps_on_their_pages(w, client):
    approval = submitted(w)
    login(client, w.origin_bureau)
    detail = reverse("approvals:detail", args=[approval.pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="accept"' in page and 'data-testid="plan-hints"' in page
    r = client.post(reverse("approvals:step", args=[approval.pk, "incomplete"]), {"missing": ""})
    assert r.status_code == 200 and "field-error" in r.content.decode()
    r = client.post(reverse("approvals:step", args=[approval.pk, "accept"]), {"note": "齐全"})
    assert r.status_code == 302
    r = client.post(
        reverse("approvals:step", args=[approval.pk, "review"]), {"agree": "1", "note": ""}
    )
    assert r.status_code == 302
    # the reply page is the receiving province's
    assert client.get(reverse("approvals:step", args=[approval.pk, "reply"])).status_code == 404
    login(client, w.destination_bureau)
    page = client.get(detail).content.decode()
    assert 'data-testid="reply"' in page and 'data-testid="decide"' not in page
    r = client.post(reverse("approvals:step", args=[approval.pk, "reply"]), {"agree": "1"})
    assert r.status_code == 302
    login(client, w.origin_bureau)
    r = client.post(
        reverse("approvals:step", args=[approval.pk, "decide"]),
        {"approve": "1", "decision_number": "", "valid_from": "", "valid_until": ""},
    )
    assert r.status_code == 200 and "field-error" in r.content.decode()  # number required
    r = client.post(
        reverse("approvals:step", args=[approval.pk, "decide"]),
        {"approve": "1", "decision_number": "浙环危转〔2026〕5号", "valid_until": "2030-01-01"},
    )
    assert r.status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.valid_until == dt.date(2027, 3, 15)
    page = client.get(detail).content.decode()
    assert "浙环危转〔2026〕5号" in page and 'data-testid="lines"' in page
    # another province's bureau sees nothing
    login(client, w.other_bureau)
    assert client.get(detail).status_code == 404
    assert client.get(reverse("approvals:step", args=[approval.pk, "accept"])).status_code == 404


def test_list_filters_and_overdue_page(w, client):
    one = approved(w)
    two = draft(w, purpose="第二份")
    login(client, w.applicant)
    page = client.get(reverse("approvals:list")).content.decode()
    assert one.decision_number in page and f"#{two.pk}" in page
    page = client.get(reverse("approvals:list"), {"status": "approved"}).content.decode()
    assert one.decision_number in page and f"#{two.pk}" not in page
    page = client.get(reverse("approvals:list"), {"province": "340000"}).content.decode()
    assert one.decision_number not in page
    page = client.get(reverse("approvals:list"), {"applicant": w.producer.uscc}).content.decode()
    assert one.decision_number in page
    r = client.get(reverse("approvals:list"), {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    late = submitted(w, purpose="第三份")
    with frozen(dt.datetime(2026, 3, 20, 9, tzinfo=SHANGHAI)):
        login(client, w.origin_bureau)
        page = client.get(reverse("approvals:list")).content.decode()
        assert 'data-testid="overdue-link"' in page
        page = client.get(reverse("approvals:overdue")).content.decode()
        assert late.number in page and "2026-03-09" in page
        detail = client.get(reverse("approvals:detail", args=[late.pk])).content.decode()
        assert 'data-testid="overdue"' in detail
        login(client, w.other_bureau)
        page = client.get(reverse("approvals:overdue")).content.decode()
        assert late.number not in page and 'data-testid="overdue-steps"' in page


def test_province_pairs_page(w, client, superuser):
    login(client, superuser)
    r = client.post(
        reverse("approvals:pairs"),
        {"origin": "330000", "destination": "320000", "white_list": "on", "note": "长三角"},
    )
    assert r.status_code == 302
    pair = ProvincePair.objects.get()
    assert pair.white_list and pair.note == "长三角"
    login(client, w.origin_bureau)
    r = client.post(
        reverse("approvals:pairs"), {"origin": "330000", "destination": "320000", "note": "停用"}
    )
    assert r.status_code == 302
    pair.refresh_from_db()
    assert not pair.white_list
    login(client, w.destination_bureau)  # not the origin province's pair
    r = client.post(
        reverse("approvals:pairs"),
        {"origin": "330000", "destination": "320000", "white_list": "on"},
    )
    assert r.status_code == 200 and "form-error" in r.content.decode()
    login(client, w.applicant)
    page = client.get(reverse("approvals:pairs")).content.decode()
    assert "长三角" not in page and 'data-testid="pair-form"' not in page and "停用" in page
