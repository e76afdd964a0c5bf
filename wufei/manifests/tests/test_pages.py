"""The manifest pages: who sees which page (others get 404), each step posted through the
pages from draft to closure, and action errors shown in Chinese beside the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from wufei.manifests import actions
from wufei.manifests.models import ItemStatus, Manifest, ManifestStatus
from wufei.registry.tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def _submitted(trip) -> Manifest:
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    return actions.submit(trip.shipper_user, m)


def _arrived(trip) -> Manifest:
    m = _submitted(trip)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    m = actions.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    m.refresh_from_db()
    return m


def _outsider():
    org = OrganizationFactory(is_producer=True, name="无关单位有限公司")
    return member_of(org)


def test_dashboard_tabs_counts_and_search(client, trip):
    m = _submitted(trip)
    c = _client(client, trip.shipper_user)
    page = c.get(reverse("manifests:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "转移联单" in html or "联单" in html
    assert m.number in html
    assert page.context["tab"] == "all"
    counts = {key: n for key, _label, n in page.context["tabs"]}
    assert counts["all"] == 1 and counts["to_sign"] == 1 and counts["drafts"] == 0
    # search by plate, by waste code, by a name that matches nothing
    assert (
        m.number
        in c.get(reverse("manifests:dashboard"), {"q": trip.vehicle.plate}).content.decode()
    )
    code = trip.containers[0].code_text
    assert m.number in c.get(reverse("manifests:dashboard"), {"q": code}).content.decode()
    empty = c.get(reverse("manifests:dashboard"), {"q": "没有这个单位"})
    assert empty.context["page"].paginator.count == 0
    # the driver sees it to sign only after the hand-over; the receiver sees it nowhere to sign
    driver_counts = {
        k: n
        for k, _l, n in _client(client, trip.driver_user)
        .get(reverse("manifests:dashboard"))
        .context["tabs"]
    }
    assert driver_counts["all"] == 1 and driver_counts["to_sign"] == 0


def test_overdue_tab_flags_a_missed_pickup(client, trip, clock):
    m = _submitted(trip)
    Manifest.objects.filter(pk=m.pk).update(planned_pickup_on="2026-02-27")
    page = _client(client, trip.shipper_user).get(
        reverse("manifests:dashboard"), {"tab": "overdue"}
    )
    assert page.context["page"].paginator.count == 1
    assert 'data-testid="overdue"' in page.content.decode()


def test_pages_answer_404_to_outsiders(client, trip):
    m = _submitted(trip)
    outsider = _outsider()
    c = _client(client, outsider)
    for name in ("detail", "load", "takeover", "receive", "edit"):
        assert c.get(reverse(f"manifests:{name}", args=[m.pk])).status_code == 404, name
    assert c.post(reverse("manifests:step", args=[m.pk, "handover"])).status_code == 404
    assert m.number not in c.get(reverse("manifests:dashboard")).content.decode()
    assert m.number not in c.get(reverse("manifests:driver")).content.decode()
    # each party opens the detail page
    for user in (trip.shipper_user, trip.driver_user, trip.receiver_user):
        assert (
            _client(client, user).get(reverse("manifests:detail", args=[m.pk])).status_code == 200
        )
    # the load page is the carrier's: the shipper and the receiver get 404
    for user in (trip.shipper_user, trip.receiver_user):
        assert _client(client, user).get(reverse("manifests:load", args=[m.pk])).status_code == 404
    assert (
        _client(client, trip.driver_user).get(reverse("manifests:load", args=[m.pk])).status_code
        == 200
    )


def test_draft_form_creates_and_edits_a_draft(client, trip):
    c = _client(client, trip.shipper_user)
    page = c.get(reverse("manifests:new"))
    assert page.status_code == 200
    html = page.content.decode()
    for container in trip.containers:
        assert container.ident_code in html
    assert trip.permit.number in html  # the receiver's permit is shown with it
    data = {
        "shipper_site": trip.producer.site.pk,
        "receiver": trip.receiver.pk,
        "carrier": trip.carrier.pk,
        "vehicle": trip.vehicle.pk,
        "driver": trip.driver.pk,
        "planned_pickup_on": "2026-03-03",
        "containers": [trip.containers[0].pk, trip.containers[1].pk],
        f"method_{trip.containers[0].code_text}": trip.method.code,
    }
    response = c.post(reverse("manifests:new"), data)
    assert response.status_code == 302
    m = Manifest.objects.get()
    assert m.status == ManifestStatus.DRAFT and m.items.count() == 2
    # the third container is still offered; the two on the draft are not offered to a new one
    html = c.get(reverse("manifests:new")).content.decode()
    assert trip.containers[2].ident_code in html and trip.containers[0].ident_code not in html
    # edit: all three
    data["containers"] = [x.pk for x in trip.containers]
    data["version"] = m.version
    response = c.post(reverse("manifests:edit", args=[m.pk]), data)
    assert response.status_code == 302
    assert m.items.count() == 3
    # the transport options follow the carrier (htmx)
    part = c.get(reverse("manifests:transport_options"), {"carrier": trip.carrier.pk})
    assert trip.vehicle.plate in part.content.decode()


def test_draft_form_shows_action_errors_in_chinese(client, trip):
    c = _client(client, trip.shipper_user)
    data = {
        "shipper_site": trip.producer.site.pk,
        "receiver": trip.receiver.pk,
        "carrier": trip.carrier.pk,
        "vehicle": trip.vehicle.pk,
        "driver": trip.driver.pk,
        "planned_pickup_on": "2026-03-03",
        "containers": [trip.containers[0].pk],
    }  # no method for the waste code
    response = c.post(reverse("manifests:new"), data)
    assert response.status_code == 200
    form = response.context["form"]
    field = f"method_{trip.containers[0].code_text}"
    assert form.errors[field]
    assert "利用/处置方式" in form.errors[field][0]
    assert Manifest.objects.count() == 0


def test_every_step_through_the_pages(client, trip):
    shipper, driver, receiver = trip.shipper_user, trip.driver_user, trip.receiver_user
    m = actions.create_draft(shipper, **trip.draft_data())
    c = _client(client, shipper)
    detail = reverse("manifests:detail", args=[m.pk])
    page = c.get(detail)
    assert {"edit", "submit", "cancel"} <= page.context["steps"]
    r = c.post(reverse("manifests:step", args=[m.pk, "submit"]), {"version": m.version})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == ManifestStatus.SUBMITTED and m.number

    # the driver: trip list, load page, a wrong code, then every container
    d = _client(client, driver)
    trips = d.get(reverse("manifests:driver")).content.decode()
    assert m.number in trips and reverse("manifests:load", args=[m.pk]) in trips
    load = reverse("manifests:load", args=[m.pk])
    wrong = d.post(load, {"code": "X" * 37})
    assert "不在联单" in wrong.content.decode()
    for n, container in enumerate(trip.containers):
        r = d.post(load, {"code": container.ident_code}, HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        assert r.context["done"] == n + 1 and len(r.context["pending"]) == 2 - n
    assert 'data-testid="wait-handover"' in r.content.decode()

    # the shipper signs the hand-over; the driver signs the pickup from the load page
    c = _client(client, shipper)
    m.refresh_from_db()
    assert (
        c.post(
            reverse("manifests:step", args=[m.pk, "handover"]), {"version": m.version}
        ).status_code
        == 302
    )
    d = _client(client, driver)
    page = d.get(load)
    assert page.context["forms"].get("pickup") is not None
    m.refresh_from_db()
    r = d.post(
        reverse("manifests:step", args=[m.pk, "pickup"]), {"version": m.version, "page": "load"}
    )
    assert r.status_code == 302 and r["Location"] == reverse("manifests:driver")
    m.refresh_from_db()
    assert m.status == ManifestStatus.IN_TRANSIT

    # the receiver: scan and weigh (in kg), then the receipt, then treatment
    rc = _client(client, receiver)
    receive = reverse("manifests:receive", args=[m.pk])
    for container in trip.containers:
        r = rc.post(receive, {"code": container.ident_code, "weight_kg": "179.0"})
        assert r.status_code == 200 and not r.context["scan_form"].errors
    m.refresh_from_db()
    assert m.status == ManifestStatus.ARRIVED
    page = rc.get(receive)
    assert page.context["forms"].get("receipt") is not None
    assert m.items.filter(received_tonnes=Decimal("0.1790")).count() == 3
    r = rc.post(
        reverse("manifests:step", args=[m.pk, "receipt"]),
        {"version": m.version, "method_1": trip.method.code, "page": "receive"},
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == ManifestStatus.RECEIVED
    r = rc.post(reverse("manifests:step", args=[m.pk, "treatment"]), {"version": m.version})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == ManifestStatus.CLOSED
    assert set(m.items.values_list("status", flat=True)) == {ItemStatus.TREATED}

    # the detail page shows signatures and the timeline
    html = rc.get(detail).content.decode()
    for sig in m.signatures.all():
        assert sig.content_sha256[:12] in html
    assert "已闭环" in html and "签收" in html


def test_step_errors_render_in_chinese_beside_the_field(client, trip):
    m = _submitted(trip)
    c = _client(client, trip.shipper_user)
    # the hand-over before loading: the missing containers are named
    r = c.post(reverse("manifests:step", args=[m.pk, "handover"]), {"version": m.version})
    assert r.status_code == 200
    errors = r.context["forms"]["handover"].non_field_errors()
    assert errors and "个容器未扫码装车" in errors[0]
    # a stale version
    r = c.post(
        reverse("manifests:step", args=[m.pk, "cancel"]),
        {"version": m.version - 1, "reason": "重复"},
    )
    assert r.context["forms"]["cancel"].errors
    m.refresh_from_db()
    assert m.status == ManifestStatus.SUBMITTED
    # cancel without a reason: the field error
    r = c.post(reverse("manifests:step", args=[m.pk, "cancel"]), {"version": m.version})
    assert r.context["forms"]["cancel"].errors["reason"]
    # a refusal without a reason, on the receipt form
    m2 = _arrived_other(trip)
    rc = _client(client, trip.receiver_user)
    item = m2.items.first()
    r = rc.post(
        reverse("manifests:step", args=[m2.pk, "receipt"]),
        {"version": m2.version, f"refuse_{item.pk}": "on", "refusal_route": "return"},
    )
    assert r.status_code == 200
    form = r.context["forms"]["receipt"]
    assert "原因" in form.errors["reason"][0]


def _arrived_other(trip) -> Manifest:
    """A second manifest, arrived, with a new container of the same producer."""
    from .factories import stored_container

    trip.containers = [stored_container(trip.producer, 9)]
    return _arrived(trip)


def test_cancel_through_the_page(client, trip):
    m = _submitted(trip)
    c = _client(client, trip.shipper_user)
    r = c.post(
        reverse("manifests:step", args=[m.pk, "cancel"]),
        {"version": m.version, "reason": "计划变更"},
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == ManifestStatus.CANCELLED and m.cancel_reason == "计划变更"


def test_leg_takeover_through_the_pages(client, trip):
    from wufei.registry.tests.factories import DriverFactory, VehicleFactory

    m = _submitted(trip)
    for container in trip.containers:
        actions.scan_load(trip.driver_user, m, container.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    m = actions.sign_pickup(trip.driver_user, m)
    second = OrganizationFactory(is_producer=False, is_carrier=True, name="宁波危货联运有限公司")
    vehicle = VehicleFactory(organization=second)
    second_user = member_of(second, role="driver")
    import datetime as dt

    person = DriverFactory(
        organization=second, user=second_user, qualification_valid_until=dt.date(2030, 1, 1)
    )
    d = _client(client, trip.driver_user)
    r = d.post(
        reverse("manifests:step", args=[m.pk, "add_leg"]),
        {
            "version": m.version,
            "carrier": second.pk,
            "vehicle": vehicle.pk,
            "driver": person.pk,
            "handover_place": "杭州湾服务区",
        },
    )
    assert r.status_code == 302, r.context and r.context["forms"]["add_leg"].errors
    n = _client(client, second_user)
    assert m.number in n.get(reverse("manifests:driver")).content.decode()
    takeover = reverse("manifests:takeover", args=[m.pk])
    for container in trip.containers:
        n.post(takeover, {"code": container.ident_code})
    page = n.get(takeover)
    assert page.context["forms"].get("sign_leg") is not None
    m.refresh_from_db()
    r = n.post(
        reverse("manifests:step", args=[m.pk, "sign_leg"]),
        {"version": m.version, "page": "takeover"},
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.current_leg == 2


def test_regulators_see_the_manifests_of_their_jurisdiction(client, trip):
    from wufei.registry.tests.factories import regulator

    m = _submitted(trip)
    city = _client(client, regulator("3306")).get(reverse("manifests:dashboard"))
    assert m.number in city.content.decode()
    counts = {k: n for k, _l, n in city.context["tabs"]}
    assert counts["all"] == 1 and counts["to_sign"] == 0  # nothing for a bureau to sign
    assert city.context["can_create"] is False
    other = _client(client, regulator("3301"))
    assert m.number not in other.get(reverse("manifests:dashboard")).content.decode()
    assert other.get(reverse("manifests:detail", args=[m.pk])).status_code == 404


def test_search_by_planned_date_range(client, trip):
    m = _submitted(trip)  # planned for 2026-03-02 (the frozen clock's day)
    c = _client(client, trip.shipper_user)
    url = reverse("manifests:dashboard")
    inside = c.get(url, {"date_from": "2026-03-01", "date_to": "2026-03-02"})
    assert inside.context["page"].paginator.count == 1
    after = c.get(url, {"date_from": "2026-03-03"})
    assert after.context["page"].paginator.count == 0
    assert m.number in c.get(url, {"q": m.number[-6:]}).content.decode()


def test_partial_refusal_through_the_receipt_form(client, trip):
    m = _arrived(trip)
    rc = _client(client, trip.receiver_user)
    refused = m.items.select_related("container").first()
    r = rc.post(
        reverse("manifests:step", args=[m.pk, "receipt"]),
        {
            "version": m.version,
            f"refuse_{refused.pk}": "on",
            f"refuse_reason_{refused.pk}": "包装破损",
            "method_1": trip.method.code,
            "disc_1": ["packaging"],
            "reason": "一桶包装破损，退回",
            "refusal_route": "return",
        },
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == ManifestStatus.RECEIVED and m.outcome == "partly_refused"
    assert m.has_discrepancy and m.refusal_route == "return"
    refused.refresh_from_db()
    assert refused.refused and refused.refusal_reason == "包装破损"
    html = rc.get(reverse("manifests:detail", args=[m.pk])).content.decode()
    assert "部分拒收" in html and "包装破损" in html
