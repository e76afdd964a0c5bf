"""Who may apply, for what, to whom (Art. 22; the receiver's permit covers each code and method)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wufei.approvals import actions
from wufei.approvals.models import ApprovalStatus
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.registry.models import MembershipRole, PermitStatus
from wufei.registry.tests.factories import OrganizationFactory, SiteFactory, member_of

from .factories import application_data, draft, submitted

pytestmark = pytest.mark.django_db


def refused(w, user=None, site=None, **overrides) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as e:
        actions.create_application(
            user or w.applicant, site or w.site, **application_data(w, **overrides)
        )
    return e.value


def line(code="900-249-08", method="R9", quantity="5", name="废机油"):
    return {"waste_code": code, "name": name, "method": method, "quantity_tonnes": quantity}


def test_receiver_must_be_licensed_in_another_province(w):
    local = OrganizationFactory(is_receiver=True, is_producer=False)  # 绍兴
    e = refused(w, receiver=local.uscc)
    assert e.code == "approvals.same_province" and e.field == "receiver"
    producer_only = OrganizationFactory(region=w.jiangsu)
    assert refused(w, receiver=producer_only.uscc).code == "approvals.not_a_receiver"
    assert refused(w, receiver="91320000MA1XXXXX0X").code == "approvals.receiver_unknown"


def test_permit_must_cover_each_code_and_method(w):
    e = refused(w, lines=[line(method="D10")])
    assert e.code == "approvals.permit_scope" and e.field == "lines"
    assert "R9" not in e.message and "D10" in str(e.message)
    e = refused(
        w, lines=[line(code="900-039-49", method="D10"), line(code="772-002-18", method="D10")]
    )
    assert e.code == "approvals.permit_scope" and "772-002-18" in str(
        e.message
    )  # HW49 covered, HW18 not
    w.permit.status = PermitStatus.SUSPENDED
    w.permit.save()
    e = refused(w)
    assert e.code == "approvals.permit_missing" and e.field == "receiver_permit"
    e = refused(w, receiver_permit=w.permit.number)
    assert e.code == "approvals.permit_not_valid"


def test_lines_are_checked_field_by_field(w):
    assert refused(w, lines=[]).field == "lines"
    assert refused(w, lines=[line(), line(code="123")]).field == "lines.1.waste_code"
    assert refused(w, lines=[line(method="Z9")]).field == "lines.0.method"
    assert refused(w, lines=[line(quantity="0")]).field == "lines.0.quantity_tonnes"
    assert refused(w, lines=[line(name="")]).field == "lines.0.name"
    e = refused(w, lines=[line(), line(quantity="3")])
    assert e.code == "approvals.line_duplicate" and e.field == "lines.1.waste_code"
    e = refused(w, requested_from="2026-05-01", requested_until="2026-04-01")
    assert e.code == "approvals.period_invalid" and e.field == "requested_until"
    assert refused(w, requested_until="2026-02-01", requested_from="2026-01-01").code == (
        "approvals.period_past"
    )


def test_only_a_producer_or_collector_member_applies(w):
    reader = member_of(w.producer, MembershipRole.READER)
    with pytest.raises(Forbidden):  # a reader sees the site but may not apply
        actions.create_application(reader, w.site, **application_data(w))
    with pytest.raises(NotFound):  # the receiver does not see the producer's site
        actions.create_application(w.receiver_user, w.site, **application_data(w))
    with pytest.raises(Forbidden) as e:  # a bureau sees the site but does not apply
        actions.create_application(w.city_bureau, w.site, **application_data(w))
    assert e.value.code == "approvals.add_not_allowed"
    carrier = OrganizationFactory(is_producer=False, is_carrier=True)
    carrier_site = SiteFactory(organization=carrier)
    e = refused(w, user=member_of(carrier), site=carrier_site)
    assert e.code == "approvals.not_a_shipper"
    collector = OrganizationFactory(is_producer=False, is_collector=True)
    made = actions.create_application(
        member_of(collector), SiteFactory(organization=collector), **application_data(w)
    )
    assert made.status == ApprovalStatus.DRAFT


def test_documents_carry_their_hash_and_only_drafts_change(w):
    approval = draft(w)
    doc = actions.add_document(
        w.applicant,
        approval,
        kind="contract",
        title="委托处置合同",
        file=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", "application/pdf"),
    )
    assert doc.sha256 == hashlib.sha256(b"%PDF-1.4 contract").hexdigest()
    assert doc.file.read() == b"%PDF-1.4 contract"
    with pytest.raises(ValidationFailed) as e:
        actions.add_document(w.applicant, approval, kind="x", title="", file=None)
    assert e.value.field == "kind"
    actions.remove_document(w.applicant, doc)
    assert not approval.documents.exists()
    approval = submitted(w)
    with pytest.raises(Conflict) as e:
        actions.update_application(w.applicant, approval, purpose="改")
    assert e.value.code == "approvals.not_editable"
    with pytest.raises(Conflict):
        actions.add_document(
            w.applicant,
            approval,
            kind="other",
            title="",
            file=SimpleUploadedFile("a.pdf", b"x", "application/pdf"),
        )


def test_update_replaces_lines_and_finds_the_new_receivers_permit(w):
    approval = draft(w)
    approval = actions.update_application(w.applicant, approval, lines=[line(quantity="7.5")])
    assert [(x.waste_code.code, str(x.quantity_tonnes)) for x in approval.lines.all()] == [
        ("900-249-08", "7.5000")
    ]
    assert approval.version == 2
