"""The demo year leaves on manifests: every step through the actions, by the parties' users."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.core import audit
from wufei.demo import medical, plan
from wufei.demo.history import HistorySeeder
from wufei.ledger.models import Container, ContainerStatus, LedgerEntry, WasteKind
from wufei.manifests.models import (
    ItemStatus,
    Manifest,
    ManifestItem,
    ManifestKind,
    ManifestStatus,
    Outcome,
    Revision,
    RevisionStatus,
    Signature,
    SignatureStep,
)
from wufei.registry.models import Organization

from .conftest import SEED


def _state() -> dict[str, object]:
    return {
        "manifests": sorted(
            Manifest.objects.values_list("number", "status", "submitted_at", "received_at")
        ),
        "items": ManifestItem.objects.count(),
        "signatures": Signature.objects.count(),
        "revisions": Revision.objects.count(),
        "containers": Container.objects.count(),
        "entries": LedgerEntry.objects.count(),
    }


@pytest.mark.django_db
def test_a_small_year_ships_on_manifests_closed_refused_late_and_open(demo):
    demo.file_plans()
    chosen = demo.seed_activity(3)
    anchor = Organization.objects.get(uscc=plan.producer(SEED, 0).uscc)
    assert chosen[0] == anchor
    manifests = Manifest.objects.all()
    statuses = Counter(manifests.values_list("status", flat=True))
    assert statuses[ManifestStatus.CLOSED] > 20
    assert not statuses[ManifestStatus.DRAFT] and not statuses[ManifestStatus.CANCELLED]
    # numbers (Art. 15: year + province + city + serial) and dates fall across the year
    numbered = manifests.exclude(number="")
    assert numbered.count() == manifests.count()
    assert {m.number[:4] for m in numbered} == {"2025", "2026"}
    months = {m.submitted_at.month for m in numbered}
    assert len(months) >= 10
    assert all(m.number[4:8] == m.origin_region.code[:4] for m in numbered)
    # a partial refusal with its reason, going back to the shipper
    refused = manifests.filter(outcome=Outcome.PARTLY_REFUSED)
    assert refused.exists()
    for m in refused:
        assert m.refusal_route == "return" and m.refusal_reason
        assert m.items.filter(status=ItemStatus.REFUSED, refused=True).exclude(refusal_reason="")
    # a weight difference beyond 5 %, flagged "quantity" on its line
    differing = manifests.filter(has_discrepancy=True)
    assert differing.exists()
    assert any("quantity" in line.discrepancy for m in differing for line in m.lines.all())
    # a receipt signed after its 5-working-day deadline
    late = manifests.filter(receipt_late=True)
    assert late.exists()
    assert all(m.received_at.date() > m.receipt_due_on for m in late)
    # a 联运 trip: a second carrier signed its take-over
    relay = manifests.filter(legs__sequence=2).distinct()
    assert relay.exists()
    assert Signature.objects.filter(manifest__in=relay, step=SignatureStep.LEG_HANDOVER).exists()
    # the demo producer's last manifest is still on its way; general waste has its own kind
    assert manifests.filter(shipper=anchor, status=ManifestStatus.IN_TRANSIT).exists()
    assert manifests.filter(kind=ManifestKind.GENERAL).exists()
    # a paper manifest entered afterwards (Art. 20), closed, with its scan's hash
    paper = manifests.filter(is_paper=True, shipper=anchor).first()
    assert (
        paper is not None
        and paper.status == ManifestStatus.CLOSED
        and len(paper.paper_scan_sha256) == 64
    )
    assert paper.items.exists() and paper.paper_transferred_on < paper.received_at.date()
    # one revision (修正申请), approved by the other parties and applied
    revision = Revision.objects.get()
    assert revision.status == RevisionStatus.APPROVED and revision.manifest.shipper == anchor
    assert revision.manifest.lines.get(position=1).name.endswith("（含沾染包装物）")
    # signatures by the parties' own users, never the platform actor
    signers = set(Signature.objects.values_list("signer__username", flat=True))
    assert {"producer", "driver"} <= signers and "platform" not in signers
    assert audit.verify() is None


@pytest.mark.django_db
def test_every_shipped_container_is_on_a_manifest_with_its_weight(demo):
    demo.file_plans()
    demo.seed_activity(3)
    shipped = Container.objects.filter(status=ContainerStatus.SHIPPED)
    assert shipped.count() > 50
    # nothing merely taken out of storage: what leaves, leaves on a manifest
    assert not Container.objects.filter(status=ContainerStatus.OUT).exists()
    items = {
        i.container_id: i
        for i in ManifestItem.objects.select_related("manifest").exclude(
            manifest__status=ManifestStatus.CANCELLED
        )
    }
    for c in shipped:
        item = items.get(c.pk)
        assert item is not None, c.ident_code
        assert item.dispatch_tonnes == c.weight_tonnes
        assert item.manifest.status != ManifestStatus.SUBMITTED  # handed over
    # and nothing on a manifest past hand-over is still in the shipper's storage
    assert not Container.objects.filter(
        pk__in=[k for k, i in items.items() if i.manifest.status != ManifestStatus.SUBMITTED],
        status=ContainerStatus.STORED,
    ).exists()
    # received weights are within 5 % unless the manifest reports the difference
    for m in Manifest.objects.filter(has_discrepancy=False, received_at__isnull=False):
        for line in m.lines.all():
            dispatched = line.quantity_tonnes
            assert abs(line.received_tonnes - dispatched) <= dispatched * Decimal("0.05")
    assert Container.objects.filter(kind=WasteKind.GENERAL, status=ContainerStatus.SHIPPED).exists()


@pytest.mark.django_db
def test_running_the_year_again_adds_nothing(demo):
    demo.file_plans()
    demo.seed_activity(2)
    before = _state()
    assert before["manifests"]
    demo.run()
    demo.file_plans()
    demo.seed_activity(2)
    assert _state() == before


@pytest.mark.django_db
def test_a_hospital_sends_medical_waste_to_the_licensed_centre(demo):
    demo.file_plans()
    hospital = Organization.objects.get(uscc=medical.hospitals(SEED)[0].uscc)
    centre = Organization.objects.get(uscc=medical.centre(SEED).uscc)
    HistorySeeder(demo.actor, SEED, [hospital], anchor_uscc="").run()
    sent = Manifest.objects.filter(shipper=hospital)
    assert sent.count() > 10
    assert set(sent.values_list("kind", flat=True)) == {ManifestKind.MEDICAL}
    assert set(sent.values_list("receiver", flat=True)) == {centre.pk}
    assert sent.filter(status=ManifestStatus.CLOSED).exists()
    methods = set(sent.values_list("lines__method__code", flat=True))
    assert methods == {"Y10"}
    codes = set(sent.values_list("lines__waste_code__category__code", flat=True))
    assert codes == {"HW01"}
