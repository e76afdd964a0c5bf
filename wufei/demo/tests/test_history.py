"""Plans and a year of ledger activity in the database: through the actions, with warnings,
deterministic and idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.core import audit
from wufei.demo import medical, plan
from wufei.demo.activity import END, producer_activity
from wufei.demo.industries import waste_streams
from wufei.demo.seeding import ACTIVITY_PRODUCERS
from wufei.ledger import queries
from wufei.ledger.models import Container, ContainerStatus, EntryKind, LedgerEntry
from wufei.manifests.models import Manifest, ManifestItem
from wufei.plans.actions import generate_declaration
from wufei.plans.declarations_queries import plan_overruns
from wufei.plans.models import ManagementPlan, PlanStatus, PlanWaste
from wufei.registry.models import Organization, Site

from .conftest import SEED


def _state() -> dict[str, object]:
    return {
        "containers": sorted(
            Container.objects.values_list("ident_code", "weight_tonnes", "status", "produced_on")
        ),
        "entries": sorted(LedgerEntry.objects.values_list("batch_number", "kind", "at")),
        "plans": sorted(ManagementPlan.objects.values_list("filing_number", "year", "status")),
    }


@pytest.mark.django_db
def test_plans_are_filed_for_every_demo_site(demo):
    demo.file_plans()
    sites = Site.objects.filter(organization__is_producer=True)
    plans = ManagementPlan.objects.filter(year=2026)
    assert plans.count() == sites.count() > 0
    assert set(plans.values_list("status", flat=True)) == {PlanStatus.FILED}
    assert not plans.filter(is_late=True).exists()  # filed in March
    for p in plans.select_related("site__organization"):
        org = p.site.organization
        streams = waste_streams(org.uscc, org.industry_code, org.annual_hazardous_tonnes)
        lines = {w.waste_code.code: w for w in p.wastes.select_related("waste_code", "receiver")}
        assert set(lines) == {code for code, _ in streams}
        for code, tonnes in streams:
            line = lines[code]
            assert line.annual_tonnes == tonnes and line.internal_name and line.process
            if line.receiver is not None:  # an intended receiver licensed for the waste
                permit = line.receiver.permits.get(number=line.receiver_permit_number)
                scopes = permit.scopes.select_related("category", "waste_code")
                assert any(
                    (s.waste_code and s.waste_code.code == code)
                    or (s.category and s.category.code == line.waste_code.category.code)
                    for s in scopes
                )
    assert audit.verify() is None


@pytest.mark.django_db
def test_a_year_of_activity_with_warnings_deterministic_and_idempotent(demo):
    demo.file_plans()
    chosen = demo.seed_activity(3)
    anchor = Organization.objects.get(uscc=plan.producer(SEED, 0).uscc)
    assert chosen[0] == anchor and len(chosen) == 3
    mine = Container.objects.filter(organization=anchor)
    assert mine.count() > 50
    assert mine.filter(status=ContainerStatus.SHIPPED).exists()  # on manifests
    # every container went through the 五即 steps: generation, into storage, (out)
    entry_kinds = set(
        LedgerEntry.objects.filter(organization=anchor).values_list("kind", flat=True)
    )
    assert {EntryKind.PRODUCED, EntryKind.STORED_IN, EntryKind.STORED_OUT} <= entry_kinds
    # inventory now, with ages, and the one-year warnings (固废法 Art. 81)
    storage = anchor.sites.get().facilities.get(code="ZC01")
    stock = queries.inventory(storage)
    assert stock.count > 4 and stock.tonnes > 0
    rules = [w.rule for w in queries.storage_warnings(anchor)]
    assert "storage_over_year" in rules and "storage_near_year" in rules
    # the 2025 plan covers the containers produced in 2025
    assert ManagementPlan.objects.filter(site__organization=anchor, year=2025).exists()
    # the overrun unit: over capacity, and a declaration flags generation far above its plan
    overrun = next(o for o in chosen if o != anchor and o.management_class == "key")
    assert "over_capacity" in {w.rule for w in queries.storage_warnings(overrun)}
    before = _state()
    with transaction.atomic():
        declaration = generate_declaration(demo.actor, overrun.sites.get(), "monthly", "2026-10")
        assert plan_overruns(declaration=declaration)
        transaction.set_rollback(True)
    assert audit.verify() is None

    demo.file_plans()
    demo.seed_activity(3)
    assert _state() == before  # a second run adds nothing
    call_command("verify_audit", verbosity=0)


@pytest.mark.django_db
def test_the_ledger_holds_exactly_the_planned_year(demo):
    """Deterministic: what the database holds is the plan recomputed from the seed."""
    demo.file_plans()
    demo.seed_activity(2)
    anchor = Organization.objects.get(uscc=plan.producer(SEED, 0).uscc)
    lines = PlanWaste.objects.filter(plan__site__organization=anchor)
    cross = frozenset(  # planned for an out-of-province receiver: left out (pending.py)
        lines.filter(receiver__isnull=True, treatment_facility__isnull=True).values_list(
            "waste_code__code", flat=True
        )
    )
    lots = producer_activity(
        SEED,
        anchor.uscc,
        anchor.industry_code,
        anchor.annual_hazardous_tonnes,
        anchor.management_class,
        pin_over=2,
        pin_near=2,
        skip=cross,
    ).lots
    made = Container.objects.filter(organization=anchor)
    assert sorted(made.values_list("produced_on", "weight_tonnes", "count")) == sorted(
        (x.produced.date(), x.weight, x.count) for x in lots
    )
    # in storage: what the plan keeps there, but for the manifest sent on the last day
    still = made.filter(status=ContainerStatus.STORED).count()
    on_the_way = ManifestItem.objects.filter(
        manifest__shipper=anchor, manifest__planned_pickup_on=END
    ).count()
    assert on_the_way > 0 and still >= sum(x.out is None for x in lots) - on_the_way - 1


@pytest.mark.slow
@pytest.mark.django_db
def test_the_default_seed_command_builds_plans_and_a_year(reference_data):  # noqa: F811
    """What the default seed builds (its duration is measured in docs/demo.md, not here)."""
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    hospitals = len(medical.hospitals(SEED))
    assert (
        ManagementPlan.objects.filter(year=2026, status=PlanStatus.FILED).count() == 300 + hospitals
    )
    producers = Container.objects.values("organization").distinct().count()
    assert producers == ACTIVITY_PRODUCERS
    classes = set(
        Organization.objects.filter(containers__isnull=False).values_list(
            "management_class", flat=True
        )
    )
    assert classes == {"key", "simplified", "registered"}
    rules: set[str] = set()
    for org in Organization.objects.filter(containers__isnull=False).distinct():
        rules |= {w.rule for w in queries.storage_warnings(org)}
    assert {"storage_over_year", "storage_near_year", "over_capacity"} <= rules
    # the year left on manifests of every kind, most of them closed, some still open
    kinds = set(Manifest.objects.values_list("kind", flat=True))
    assert kinds == {"hazardous", "general", "medical"}
    statuses = set(Manifest.objects.values_list("status", flat=True))
    assert {"closed", "received", "arrived", "in_transit", "submitted"} <= statuses
    before = _state()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing to add" in out.getvalue()
    assert _state() == before
