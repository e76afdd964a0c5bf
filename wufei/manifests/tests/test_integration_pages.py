"""The manifest pages joined into one product: the detail page links each party to what lies
beside the main path (revisions, refused waste, linked manifests, proof, trace), the left
navigation offers paper back-entry, consolidation and registers by role, the dashboard counts
revisions to decide, and refused waste goes back to its producer through the pages alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wufei.core.navigation import build
from wufei.manifests import actions
from wufei.manifests.models import ItemStatus, Manifest, ManifestStatus, RevisionStatus
from wufei.registry.tests.factories import (
    OrganizationFactory,
    SiteFactory,
    member_of,
    regulator,
)

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def _arrived(trip) -> Manifest:
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    m = actions.sign_handover(trip.shipper_user, m)
    m = actions.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    m.refresh_from_db()
    return m


def _partly_refused(trip) -> Manifest:
    m = _arrived(trip)
    return actions.sign_receipt(
        trip.receiver_user,
        m,
        refused={trip.containers[0].ident_code: "包装破损"},
        reason="一桶包装破损",
        refusal_route="return",
    )


def _testids(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-testid="([^"]+)"', html))


def test_detail_page_links_each_party_to_its_own_work(client, trip):
    m = _partly_refused(trip)
    actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称写错")
    detail = reverse("manifests:detail", args=[m.pk])
    linked_new = reverse("manifests:linked_new", args=[m.pk])
    revisions = reverse("manifests:revisions", args=[m.pk])

    shipper = _client(client, trip.shipper_user).get(detail).content.decode()
    ids = _testids(shipper)
    assert {"revisions-link", "open-revision", "refused-routing", "proof"} <= ids
    assert revisions in shipper and linked_new in shipper
    assert "待决定" in shipper  # the shipper must approve the receiver's request
    assert "转移至其他接受人" in shipper  # the shipper's route: redirect
    assert reverse("manifests:pdf", args=[m.pk]) in shipper

    receiver = _client(client, trip.receiver_user).get(detail).content.decode()
    ids = _testids(receiver)
    assert {"revisions-link", "refused-routing", "proof"} <= ids
    assert linked_new in receiver and "退回移出人" in receiver
    assert "待决定" not in receiver  # the requester does not decide its own request

    for user in (trip.driver_user, regulator("3306")):
        html = _client(client, user).get(detail).content.decode()
        ids = _testids(html)
        assert "refused-routing" not in ids and linked_new not in html
        assert "待决定" not in html
        assert "proof" in ids  # a party's driver and a bureau may print and share

    # once the refused container is on a return manifest, the routing call goes away and the
    # manifests are linked both ways
    SiteFactory(organization=trip.receiver)
    back = actions.create_linked_manifest(
        trip.receiver_user,
        m,
        "return",
        carrier=trip.carrier,
        vehicle=trip.vehicle,
        driver=trip.driver,
        planned_pickup_on=m.planned_pickup_on,
    )
    html = _client(client, trip.receiver_user).get(detail).content.decode()
    assert "refused-routing" not in _testids(html) and "linked-child" in _testids(html)
    assert reverse("manifests:detail", args=[back.pk]) in html
    html = client.get(reverse("manifests:detail", args=[back.pk])).content.decode()
    assert {"linked-parent", "linked-note"} <= _testids(html)
    assert detail in html and "退回" in html


def test_a_draft_has_no_proof_and_no_revisions(client, trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    html = _client(client, trip.shipper_user).get(reverse("manifests:detail", args=[m.pk]))
    ids = _testids(html.content.decode())
    assert not ids & {"proof", "revisions-link", "refused-routing", "trip-map", "linked"}


def test_trip_map_link_once_the_trip_is_recorded(client, trip):
    from django.utils import timezone

    from wufei.trips.models import Trip

    m = _arrived(trip)
    detail = reverse("manifests:detail", args=[m.pk])
    c = _client(client, trip.shipper_user)
    assert "trip-map" not in _testids(c.get(detail).content.decode())
    Trip.objects.create(manifest=m, vehicle=trip.vehicle, window_start=timezone.now())
    html = c.get(detail).content.decode()
    assert "trip-map" in _testids(html) and f"/trips/{m.pk}/" in html


def test_a_reader_member_gets_no_share_button(client, trip):
    m = _arrived(trip)
    reader = member_of(trip.producer.org, role="reader")
    html = _client(client, reader).get(reverse("manifests:detail", args=[m.pk])).content.decode()
    assert "proof" not in _testids(html) and "revisions-link" not in _testids(html)


def _nav_urls(user) -> set[str]:
    return {item["url"] for section in build(user, "/") for item in section["items"]}


def test_navigation_offers_each_role_its_transfer_pages(trip):
    paper = reverse("manifests:paper_new")
    consolidate = reverse("manifests:consolidate")
    register = "/manifests/registers/"

    shipper = _nav_urls(trip.shipper_user)
    assert paper in shipper and consolidate not in shipper
    assert reverse("manifests:register", args=["outgoing"]) in shipper

    receiver = _nav_urls(trip.receiver_user)  # no site of its own: nothing to ship
    assert paper not in receiver and consolidate not in receiver
    assert reverse("manifests:register", args=["incoming"]) in receiver

    collector = OrganizationFactory(is_producer=False, is_receiver=True, is_collector=True)
    SiteFactory(organization=collector)
    urls = _nav_urls(member_of(collector, role="member"))
    assert consolidate in urls and paper in urls
    assert reverse("manifests:register", args=["incoming"]) in urls
    assert consolidate not in _nav_urls(member_of(collector, role="reader"))

    driver = _nav_urls(trip.driver_user)
    assert reverse("manifests:driver") in driver
    assert paper not in driver and consolidate not in driver
    assert not any(u.startswith(register) for u in driver)

    bureau = _nav_urls(regulator("3306"))
    assert paper not in bureau and consolidate not in bureau
    assert any(u.startswith(register) for u in bureau)
    for url in shipper | bureau:
        assert url.startswith("/")


def test_dashboard_counts_revisions_to_decide_and_shows_links(client, trip):
    m = _partly_refused(trip)
    actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称写错")
    page = _client(client, trip.shipper_user).get(reverse("manifests:dashboard"))
    counts = {k: n for k, _l, n in page.context["tabs"]}
    assert counts["revisions"] == 1 and counts["refused"] == 1
    tab = client.get(reverse("manifests:dashboard") + "?tab=revisions").content.decode()
    assert m.number in tab
    page = _client(client, trip.receiver_user).get(reverse("manifests:dashboard"))
    counts = {k: n for k, _l, n in page.context["tabs"]}
    assert counts["revisions"] == 0  # its own request: the others decide

    r = m.revisions.get()
    actions.decide_revision(trip.shipper_user, r, True)
    actions.decide_revision(member_of(trip.carrier), r, True)
    r.refresh_from_db()
    assert r.status == RevisionStatus.APPROVED
    page = _client(client, trip.shipper_user).get(reverse("manifests:dashboard"))
    assert {k: n for k, _l, n in page.context["tabs"]}["revisions"] == 0

    SiteFactory(organization=trip.receiver)
    back = actions.create_linked_manifest(
        trip.receiver_user,
        m,
        "return",
        carrier=trip.carrier,
        vehicle=trip.vehicle,
        driver=trip.driver,
        planned_pickup_on=m.planned_pickup_on,
    )
    html = _client(client, trip.receiver_user).get(reverse("manifests:dashboard")).content.decode()
    assert 'data-testid="row-parent"' in html and 'data-testid="row-child"' in html
    assert reverse("manifests:detail", args=[back.pk]) in html


def test_refused_waste_goes_back_through_the_pages(client, trip):
    m = _arrived(trip)
    rc = _client(client, trip.receiver_user)
    refused = m.items.select_related("container").get(container=trip.containers[0])
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

    # the receiver finds the routing on the detail page and fills the return manifest
    SiteFactory(organization=trip.receiver)
    html = rc.get(reverse("manifests:detail", args=[m.pk])).content.decode()
    linked_new = reverse("manifests:linked_new", args=[m.pk])
    assert linked_new in html
    r = rc.post(
        linked_new,
        {
            "route": "return",
            "carrier": trip.carrier.pk,
            "vehicle": trip.vehicle.pk,
            "driver": trip.driver.pk,
            "planned_pickup_on": m.planned_pickup_on.isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    back = Manifest.objects.get(parent=m)
    assert back.link_kind == "return" and back.status == ManifestStatus.DRAFT

    # the linked draft's detail page: submit through submit_linked, no draft form
    page = rc.get(reverse("manifests:detail", args=[back.pk]))
    assert "submit" in page.context["steps"] and "edit" not in page.context["steps"]
    r = rc.post(reverse("manifests:step", args=[back.pk, "submit"]), {"version": back.version})
    assert r.status_code == 302
    back.refresh_from_db()
    assert back.status == ManifestStatus.SUBMITTED and back.number
    refused.refresh_from_db()
    assert refused.status == ItemStatus.RETURNED  # submit_linked ran, not the main submit

    # the driver loads; the receiver (shipper of the return) signs the linked hand-over
    d = _client(client, trip.driver_user)
    load = reverse("manifests:load", args=[back.pk])
    r = d.post(load, {"code": trip.containers[0].ident_code}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'data-testid="all-scanned"' in r.content.decode()
    assert 'hx-trigger="every 10s"' in r.content.decode()  # waits for the hand-over itself
    rc = _client(client, trip.receiver_user)
    page = rc.get(reverse("manifests:detail", args=[back.pk]))
    assert "handover" in page.context["forms"]
    back.refresh_from_db()
    r = rc.post(reverse("manifests:step", args=[back.pk, "handover"]), {"version": back.version})
    assert r.status_code == 302
    assert back.signatures.filter(step="handover").exists()

    # the driver's waiting panel now shows the pickup with the current version
    d = _client(client, trip.driver_user)
    panel = d.get(load, HTTP_HX_REQUEST="true")
    back.refresh_from_db()
    assert panel.context["forms"]["pickup"].initial["version"] == back.version
    r = d.post(
        reverse("manifests:step", args=[back.pk, "pickup"]),
        {"version": back.version, "page": "load"},
    )
    assert r.status_code == 302
    back.refresh_from_db()
    assert back.status == ManifestStatus.IN_TRANSIT

    # the producer receives its waste back and stores it through the linked page
    pc = _client(client, trip.shipper_user)
    receive = reverse("manifests:receive", args=[back.pk])
    r = pc.post(receive, {"code": trip.containers[0].ident_code, "weight_kg": "179.0"})
    assert r.status_code == 200
    back.refresh_from_db()
    r = pc.post(
        reverse("manifests:step", args=[back.pk, "receipt"]),
        {"version": back.version, "method_1": trip.method.code, "page": "receive"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    page = pc.get(reverse("manifests:detail", args=[back.pk]))
    assert "store" in page.context["steps"] and "treatment" not in page.context["steps"]
    step_url = reverse("manifests:linked_step", args=[back.pk])
    assert step_url in page.content.decode()
    r = pc.post(step_url, {"step": "store", "facility": trip.producer.storage.pk})
    assert r.status_code == 302
    back.refresh_from_db()
    assert back.status == ManifestStatus.CLOSED


def test_self_transport_signs_the_hand_over_on_the_loading_page(client, trip):
    """A shipper carrying its own waste: after the last scan the loading panel offers the
    hand-over at once, then the pickup (no reload in between)."""
    both = member_of(trip.producer.org)
    from wufei.registry.tests.factories import MembershipFactory

    MembershipFactory(user=both, organization=trip.carrier, role="member")
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    c = _client(client, both)
    load = reverse("manifests:load", args=[m.pk])
    for container in trip.containers:
        r = c.post(load, {"code": container.ident_code}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert 'data-testid="do-handover"' in html and 'data-testid="wait-handover"' not in html
    m.refresh_from_db()
    assert r.context["forms"]["handover"].initial["version"] == m.version
    r = c.post(
        reverse("manifests:step", args=[m.pk, "handover"]), {"version": m.version, "page": "load"}
    )
    assert r.status_code == 302 and r["Location"] == load
    page = c.get(load)
    assert 'data-testid="do-pickup"' in page.content.decode()


def test_detail_page_traces_consolidated_containers(client, trip):
    from wufei.catalog.models import TreatmentMethod

    from .test_collect import World, _consolidate, _to_collector, _unit

    method, _ = TreatmentMethod.objects.get_or_create(
        code="C1", defaults={"kind": "other", "name": "收集", "verified": "S"}
    )
    from wufei.registry.tests.factories import PermitFactory, PermitScopeFactory

    collector = _unit(trip, is_producer=False, is_collector=True, name="绍兴小微收运有限公司")
    permit = PermitFactory(
        organization=collector.org,
        valid_from=trip.permit.valid_from,
        valid_until=trip.permit.valid_until,
    )
    PermitScopeFactory(permit=permit, waste_code=trip.producer.code).methods.add(method)
    w = World(trip, collector, collector, [], method)
    m1 = _to_collector(w, trip.producer, trip.containers)
    box = _consolidate(w, list(m1.items.all()))
    onward = actions.create_draft(
        collector.user,
        **trip.draft_data(shipper_site=collector.site, containers=[box.pk]),
    )
    onward = actions.submit(collector.user, onward)

    html = (
        _client(client, trip.receiver_user)
        .get(reverse("manifests:detail", args=[onward.pk]))
        .content.decode()
    )
    assert 'data-testid="trace"' in html
    assert trip.producer.org.name in html and m1.number in html
    for c in trip.containers:
        assert c.ident_code in html  # every producer container inside the box
    html = (
        _client(client, trip.shipper_user)
        .get(reverse("manifests:detail", args=[m1.pk]))
        .content.decode()
    )
    assert 'data-testid="trace"' not in html  # nothing on m1 came from a consolidation


@pytest.fixture
def refused_world(transactional_db):
    """A partly refused manifest with an open revision request, for the browser."""
    from django.core.management import call_command

    from .factories import trip_setup

    call_command("load_reference_data", verbosity=0)
    trip = trip_setup()
    bureau = regulator("3306")
    for user in (trip.shipper_user, trip.receiver_user, bureau):
        user.set_password(BROWSER_PASSWORD)
        user.save()
    m = _partly_refused(trip)
    actions.request_revision(trip.receiver_user, m, {"line.1.name": "废矿物油"}, "名称写错")
    return trip, m, bureau


BROWSER_PASSWORD = "integration-pages-2026"


@pytest.mark.browser
def test_detail_page_in_the_browser_as_each_party(chromium, live_server, refused_world):
    """Screenshots ``manifest-detail-{shipper,receiver,regulator}.png`` (desktop) and the
    shipper's at 375 px; each sees its own calls to action."""
    from wufei.tests_browser.support import DESKTOP, PHONE, _open

    trip, m, bureau = refused_world
    path = reverse("manifests:detail", args=[m.pk])
    cases = [
        ("shipper", trip.shipper_user, DESKTOP, True, True),
        ("receiver", trip.receiver_user, DESKTOP, True, False),
        ("regulator", bureau, DESKTOP, False, False),
        ("shipper-phone", trip.shipper_user, PHONE, True, True),
    ]
    for name, user, viewport, routes, decides in cases:
        gen = _open(chromium, live_server, viewport)
        visit = next(gen)
        visit.login(user.username, BROWSER_PASSWORD)
        visit.go(path)
        page = visit.page
        assert page.locator("[data-testid=proof]").is_visible()
        assert page.locator("[data-testid=refused-routing]").count() == (1 if routes else 0)
        assert page.locator("[data-testid=revision-state]").inner_text().strip() == (
            "待决定" if decides else "待确认"
        )
        visit.shot(f"manifest-detail-{name}")
        next(gen, None)
