"""Revision requests (修正申请): request, approve by every other party, apply, refuse, withdraw."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.manifests import actions, signing
from wufei.manifests.models import ManifestStatus, RevisionStatus, Signature
from wufei.registry.tests.factories import OrganizationFactory, VehicleFactory, member_of, regulator

pytestmark = pytest.mark.django_db


def _in_transit(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    return actions.sign_pickup(trip.driver_user, m)


def _received(trip, weight="0.1790"):
    m = _in_transit(trip)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes=weight)
    return actions.sign_receipt(trip.receiver_user, m)


@pytest.fixture
def carrier_user(trip):
    return member_of(trip.carrier)


def test_received_weight_corrected_with_both_approvals(trip, carrier_user):
    m = _received(trip)
    line = m.lines.get()
    assert line.received_tonnes == Decimal("0.5370")
    r = actions.request_revision(
        trip.receiver_user,
        m,
        {"line.1.received_tonnes": "0.5300", "line.1.received_method": "D10"},
        "地磅读数录入错误",
    )
    assert r.status == RevisionStatus.OPEN and r.number == 1
    assert r.original == {"line.1.received_tonnes": "0.5370"}  # D10 is unchanged: left out
    assert r.proposed == {"line.1.received_tonnes": "0.5300"}
    assert sorted(r.approvers) == sorted([trip.producer.org.pk, trip.carrier.pk])

    r = actions.decide_revision(trip.shipper_user, r, True)
    assert r.status == RevisionStatus.OPEN
    line.refresh_from_db()
    assert line.received_tonnes == Decimal("0.5370")  # nothing applied before everyone agreed

    r = actions.decide_revision(carrier_user, r, True, "同意")
    assert r.status == RevisionStatus.APPROVED and r.decided_at is not None
    line.refresh_from_db()
    assert line.received_tonnes == Decimal("0.5300")
    sig = Signature.objects.get(manifest=m, step="revision", revision=1)
    assert sig.organization_id == trip.carrier.pk and signing.verify(sig)
    event = AuditEvent.objects.get(action="manifests.manifest.revision_apply")
    assert event.after["changes_before"] == {"line.1.received_tonnes": "0.5370"}
    assert event.after["changes_after"] == {"line.1.received_tonnes": "0.5300"}
    assert {"manifests.revision.request", "manifests.revision.approve"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_container_weight_and_vehicle_and_date(trip, carrier_user):
    m = _received(trip)
    code = trip.containers[0].ident_code
    other = VehicleFactory(organization=trip.carrier)
    r = actions.request_revision(
        trip.shipper_user,
        m,
        {
            f"item.{code}.received_tonnes": "0.1700",
            "leg.1.vehicle": other.plate,
            "planned_pickup_on": "2026-03-01",
        },
        "车牌与日期填写错误",
    )
    actions.decide_revision(carrier_user, r, True)
    r = actions.decide_revision(trip.receiver_user, r, True)
    assert r.status == RevisionStatus.APPROVED
    m.refresh_from_db()
    assert m.vehicle_id == other.pk and str(m.planned_pickup_on) == "2026-03-01"
    assert m.legs.get(sequence=1).vehicle_id == other.pk
    line = m.lines.get()
    assert line.received_tonnes == Decimal("0.5280")  # 0.1700 + 2 × 0.1790


def test_one_refusal_refuses_and_changes_nothing(trip, carrier_user):
    m = _received(trip)
    r = actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称")
    with pytest.raises(ValidationFailed) as err:
        actions.decide_revision(trip.shipper_user, r, False)
    assert err.value.field == "comment"
    r = actions.decide_revision(trip.shipper_user, r, False, "名称无误")
    assert r.status == RevisionStatus.REFUSED
    assert m.lines.get().name == "废机油"
    with pytest.raises(Conflict) as err:
        actions.decide_revision(carrier_user, r, True)
    assert err.value.code == "manifests.revision_closed"


def test_only_one_open_request(trip):
    m = _received(trip)
    actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称")
    with pytest.raises(Conflict) as err:
        actions.request_revision(trip.shipper_user, m, {"line.1.form": "solid"}, "形态")
    assert err.value.code == "manifests.revision_open" and err.value.status == 409


def test_bad_requests(trip):
    m = _received(trip)
    cases = [
        ({"status": "closed"}, "manifests.revision_field"),
        ({"line.9.name": "x"}, "manifests.revision_field"),
        ({"item.NOPE.received_tonnes": "0.1"}, "manifests.revision_field"),
        ({"line.1.received_tonnes": "-1"}, None),
        ({"line.1.form": "plasma"}, "manifests.revision_invalid"),
        ({"line.1.method": "Z99"}, "manifests.revision_invalid"),
        ({"leg.1.vehicle": "浙X00000"}, "manifests.revision_invalid"),
        ({"planned_pickup_on": "tomorrow"}, "manifests.revision_invalid"),
        ({"line.1.name": "废机油"}, "manifests.revision_empty"),
        ({}, "manifests.revision_empty"),
    ]
    for changes, code in cases:
        with pytest.raises(ValidationFailed) as err:
            actions.request_revision(trip.receiver_user, m, changes, "理由")
        if code:
            assert err.value.code == code, changes
    with pytest.raises(ValidationFailed) as err:
        actions.request_revision(trip.receiver_user, m, {"line.1.name": "新名称"}, "")
    assert err.value.field == "reason"
    assert not m.revisions.exists()


def test_who_may_request_and_decide(trip, carrier_user):
    draft = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(Conflict) as err:
        actions.request_revision(trip.shipper_user, draft, {"line.1.name": "x"}, "理由")
    assert err.value.code == "manifests.not_revisable"
    actions.cancel(trip.shipper_user, draft, reason="测试")

    m = _received(trip)
    with pytest.raises(NotFound):  # a regulator sees the manifest but may not request
        actions.request_revision(regulator("3306"), m, {"line.1.name": "x"}, "理由")
    stranger = member_of(OrganizationFactory())
    with pytest.raises(NotFound):
        actions.request_revision(stranger, m, {"line.1.name": "x"}, "理由")
    with pytest.raises(Forbidden):  # a driver does not request corrections
        actions.request_revision(trip.driver_user, m, {"line.1.name": "x"}, "理由")

    r = actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称")
    with pytest.raises(Forbidden):
        actions.decide_revision(trip.receiver_user, r, True)  # not its own request
    with pytest.raises(NotFound):
        actions.decide_revision(regulator("33"), r, True)
    actions.decide_revision(trip.shipper_user, r, True)
    with pytest.raises(Conflict) as err:
        actions.decide_revision(trip.shipper_user, r, True)
    assert err.value.code == "manifests.revision_decided"
    with pytest.raises(Forbidden):
        actions.withdraw_revision(carrier_user, r)
    r = actions.withdraw_revision(trip.receiver_user, r, "改由线下沟通")
    assert r.status == RevisionStatus.WITHDRAWN
    assert m.lines.get().name == "废机油"
    again = actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称")
    assert again.number == 2


def test_changed_manifest_makes_the_request_stale(trip, carrier_user):
    m = _in_transit(trip)
    code = trip.containers[0].ident_code
    actions.scan_arrival(trip.receiver_user, m, code, weight_tonnes="0.1790")
    m.refresh_from_db()
    assert m.status == ManifestStatus.ARRIVED
    r = actions.request_revision(
        trip.shipper_user, m, {f"item.{code}.received_tonnes": "0.1800"}, "复称"
    )
    actions.scan_arrival(trip.receiver_user, m, code, weight_tonnes="0.1750")
    actions.decide_revision(carrier_user, r, True)
    with pytest.raises(Conflict) as err:
        actions.decide_revision(trip.receiver_user, r, True)
    assert err.value.code == "manifests.revision_stale"


def test_revision_pages(trip, carrier_user, client):
    from django.urls import reverse

    m = _received(trip)
    url = reverse("manifests:revisions", args=[m.pk])
    client.force_login(trip.receiver_user)
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is not None
    assert "line.1.received_tonnes" in dict(page.context["form"].fields["key_1"].choices)
    bad = client.post(url, {"key_1": "line.1.received_tonnes", "value_1": "abc", "reason": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors
    r = client.post(url, {"key_1": "line.1.received_tonnes", "value_1": "0.5300", "reason": "复称"})
    assert r.status_code == 302
    revision = m.revisions.get()
    for user in (trip.shipper_user, carrier_user):
        client.force_login(user)
        page = client.get(url)
        assert page.context["items"][0]["can_decide"]
        assert page.context["items"][0]["rows"][0][1:] == ("0.5370", "0.5300")
        client.post(reverse("manifests:revision_decide", args=[m.pk, 1]), {"decision": "approve"})
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED
    assert m.lines.get().received_tonnes == Decimal("0.5300")

    client.force_login(regulator("3306"))
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert (
        client.post(url, {"key_1": "line.1.name", "value_1": "x", "reason": "x"}).status_code == 404
    )
    client.force_login(member_of(OrganizationFactory()))
    assert client.get(url).status_code == 404


@pytest.mark.browser
def test_revision_through_the_browser(transactional_db, chromium, live_server):
    """Browser: the receiver requests a correction, the shipper and the carrier approve it.
    Screenshots ``test-output/screenshots/revision-*.png`` (desktop and 375 px)."""
    from django.core.management import call_command

    from wufei.tests_browser.support import DESKTOP, PHONE, _open

    from .factories import trip_setup

    call_command("load_reference_data", verbosity=0)
    trip = trip_setup()
    carrier_admin = member_of(trip.carrier)
    for user in (trip.shipper_user, trip.receiver_user, carrier_admin):
        user.set_password("revision-pages-2026")
        user.save()
    m = _received(trip)
    path = f"/manifests/{m.pk}/revisions/"

    gen = _open(chromium, live_server, DESKTOP)
    visit = next(gen)
    visit.login(trip.receiver_user.username, "revision-pages-2026")
    visit.go(path)
    page = visit.page
    page.select_option("#id_key_1", "line.1.received_tonnes")
    page.fill("#id_value_1", "0.5300")
    page.fill("#id_reason", "地磅读数录入错误")
    visit.shot("revision-1-request")
    page.click("[data-testid=revision-form] button[type=submit]")
    page.wait_for_selector("[data-testid=revision-1]")
    assert "0.5300" in visit.text("[data-testid=revision-1]")
    visit.shot("revision-2-open")
    next(gen, None)

    for user, viewport in ((trip.shipper_user, PHONE), (carrier_admin, DESKTOP)):
        gen = _open(chromium, live_server, viewport)
        visit = next(gen)
        visit.login(user.username, "revision-pages-2026")
        visit.go(path)
        visit.page.click("[data-testid=decide] button[value=approve]")
        visit.page.wait_for_selector(".messages")
        visit.shot(f"revision-3-approved-{'phone' if viewport is PHONE else 'desktop'}")
        next(gen, None)
    m.refresh_from_db()
    assert m.lines.get().received_tonnes == Decimal("0.5300")
    assert m.revisions.get().status == RevisionStatus.APPROVED
