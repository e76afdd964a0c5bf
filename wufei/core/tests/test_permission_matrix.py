"""The permission matrix: every model × role × action, generated.

``EXPECTED`` says, for each model of the project, which roles may ``view``, ``add`` and
``change`` one row owned by organisation A (in 柯桥区, 330603). The test builds that world
once per model, then for every role and action checks both ``Model.objects.restrict(user,
action)`` and ``allows(user, action, obj)`` (the unsaved-object form) against the table, and
reports every mismatch at once. A model without an entry (or listed as internal) fails the
test: adding a model means deciding, here, who may do what with it. See docs/permissions.md.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from wufei.core.permissions import ACTIONS, allows, forget_principal

from .matrix_world import (
    ADMIN,
    COVERING,
    NOBODY,
    OWNER_STAFF,
    OWNER_WRITE,
    ROLES,
    SIGNED_IN,
    World,
    _catalog,
    _container,
    _permit,
    _saved,
    _site,
)

# Models that are never exposed to users (no list, no detail, no API): internal bookkeeping.
INTERNAL = {"core.audithead", "core.sequence", "core.idempotencyrecord"}

REFERENCE = {"view": SIGNED_IN, "add": NOBODY, "change": NOBODY}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "core.user": {
        "view": ADMIN | {"owner_member"},
        "add": ADMIN,
        "change": ADMIN | {"owner_member"},
    },
    "core.auditevent": {
        "view": ADMIN | {"owner_admin"} | COVERING,
        "add": NOBODY,
        "change": NOBODY,
    },
    "catalog.catalogueedition": REFERENCE,
    "catalog.wastecategory": REFERENCE,
    "catalog.wastecode": REFERENCE,
    "catalog.exemption": REFERENCE,
    "catalog.generalwastecategory": REFERENCE,
    "catalog.treatmentmethod": REFERENCE,
    "catalog.region": REFERENCE,
    "registry.organization": {
        "view": ADMIN | OWNER_STAFF | {"owner_driver"} | COVERING,
        "add": ADMIN | COVERING,
        "change": ADMIN | {"owner_admin"} | COVERING,
    },
    "registry.site": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "registry.facility": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "registry.permit": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | COVERING,
        "change": ADMIN | COVERING,
    },
    "registry.permitscope": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | COVERING,
        "change": ADMIN | COVERING,
    },
    "registry.vehicle": {
        "view": ADMIN | OWNER_STAFF | {"owner_driver"} | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "registry.driver": {
        "view": ADMIN | OWNER_STAFF | {"owner_driver"} | COVERING,  # the driver sees its own record
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "registry.membership": {
        "view": ADMIN
        | {"owner_admin", "owner_member"}
        | COVERING,  # owner_member: its own membership
        "add": ADMIN | {"owner_admin"},
        "change": ADMIN | {"owner_admin"},
    },
    "registry.invitation": {
        "view": ADMIN | {"owner_admin"},
        "add": ADMIN | {"owner_admin"},
        "change": ADMIN | {"owner_admin"},
    },
    "plans.managementplan": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "plans.planwaste": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "plans.planreduction": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    # declarations: confirming also needs a membership (platform admins do not confirm for a
    # producer: plans.actions.confirm_declaration)
    "plans.declaration": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "plans.declarationline": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "ledger.container": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
    "ledger.ledgerentry": {  # append-only: nobody changes an entry
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": NOBODY,
    },
    "ledger.scaledevice": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | {"owner_admin"},
        "change": ADMIN | {"owner_admin"},
    },
    "ledger.scalereading": {  # posted by the scales themselves
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": NOBODY,
        "change": NOBODY,
    },
}


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("wufei.")]


def test_every_model_is_in_the_matrix():
    labels = {m._meta.label_lower for m in project_models()}
    missing = sorted(labels - set(EXPECTED) - INTERNAL)
    assert not missing, (
        f"models without a permission matrix entry: {missing} — add them to EXPECTED"
    )
    stale = sorted((set(EXPECTED) | INTERNAL) - labels)
    assert not stale, f"matrix entries for models that no longer exist: {stale}"
    for label in EXPECTED:
        assert label in BUILDERS, f"no builder for {label}"
        assert hasattr(apps.get_model(label).objects, "restrict"), f"{label} has no restrict()"


def _build_facility(w: World) -> Any:
    from wufei.registry.models import Facility

    return Facility(
        site=_saved(_site(w)),
        code="TS001",
        name="危废仓库",
        kind="storage",
        capacity_tonnes=Decimal("50"),
    )


def _build_scope(w: World) -> Any:
    from wufei.registry.models import PermitScope

    return PermitScope(
        permit=_saved(_permit(w)),
        category=_catalog(w)["category"],
        annual_capacity_tonnes=Decimal("1000"),
    )


def _build_exemption(w: World) -> Any:
    from wufei.catalog.models import Exemption

    ed = _catalog(w)["edition"]
    return Exemption(
        edition=ed,
        item=8,
        row=1,
        category_text="900-249-08",
        waste="废弃的含油抹布",
        stage="all",
        stage_text="全部环节",
        condition="未分类收集",
        content="全过程不按危险废物管理",
    )


def _build_audit(w: World) -> Any:
    from wufei.core.models import AuditEvent

    return AuditEvent(
        seq=1,
        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        actor_repr="x",
        organization_id_ref=w.a.pk,
        region_prefix=w.keqiao.prefix,
        action="t",
        object_type="t",
        object_id="1",
        object_repr="t",
        prev_hash="0" * 64,
        hash="f" * 64,
    )


def _build_org(w: World) -> Any:
    from wufei.registry.models import Organization

    # The object under test is A itself for view/change; an unsaved twin in A's county for add.
    return Organization(uscc="MATRIX999999999999", name="丙公司", region=w.keqiao, is_producer=True)


def _plan(w: World) -> Any:
    from wufei.plans.models import ManagementPlan

    return ManagementPlan(site=_saved(_site(w)), year=2026, management_class="key")


def _build_plan_waste(w: World) -> Any:
    from wufei.plans.models import PlanWaste

    return PlanWaste(
        plan=_saved(_plan(w)),
        process="清洗",
        internal_name="废机油",
        waste_code=_catalog(w)["code"],
        form="liquid",
        annual_tonnes=Decimal("12"),
    )


def _declaration(w: World) -> Any:
    from wufei.plans.models import Declaration

    return Declaration(
        site=_saved(_site(w)),
        period_kind="monthly",
        year=2026,
        number=1,
        deadline=dt.date(2026, 2, 15),
        generated_at=dt.datetime(2026, 2, 2, 1, tzinfo=dt.UTC),
    )


def _build_declaration_line(w: World) -> Any:
    from wufei.plans.models import DeclarationLine

    return DeclarationLine(
        declaration=_saved(_declaration(w)),
        section="generation",
        waste_code="900-249-08",
        tonnes=Decimal("0.5000"),
    )


def _build_entry(w: World) -> Any:
    from wufei.ledger.models import LedgerEntry

    container = _saved(_container(w))
    return LedgerEntry(
        organization=w.a,
        site=container.site,
        container=container,
        kind="produced",
        batch_number="HWCS20260302001",
        at=dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC),
        quantity_tonnes=Decimal("0.1800"),
    )


def _scale(w: World) -> Any:
    from wufei.ledger.models import ScaleDevice

    return ScaleDevice(organization=w.a, device_id="SCALE-A-1", token_hash="b" * 64)


def _build_reading(w: World) -> Any:
    from wufei.ledger.models import ScaleReading

    return ScaleReading(
        device=_saved(_scale(w)),
        reading_id="r1",
        container=_saved(_container(w)),
        weight_kg=Decimal("180.0"),
        weight_tonnes=Decimal("0.1800"),
        outcome="applied",
    )


def _models(label: str) -> Callable[..., Any]:
    return apps.get_model(label)


BUILDERS: dict[str, Callable[[World], Any]] = {
    "core.user": lambda w: w.users["owner_member"],
    "core.auditevent": _build_audit,
    "catalog.catalogueedition": lambda w: _models("catalog.CatalogueEdition")(
        code="X", title="x", effective_from=dt.date(2025, 1, 1)
    ),
    "catalog.wastecategory": lambda w: _models("catalog.WasteCategory")(
        edition=_catalog(w)["edition"], code="HW49", name="其他废物"
    ),
    "catalog.wastecode": lambda w: _catalog(w)["code"],
    "catalog.exemption": _build_exemption,
    "catalog.generalwastecategory": lambda w: _models("catalog.GeneralWasteCategory")(
        code_2021="SW01", code_2024="S01", name="冶炼废渣", verified="M"
    ),
    "catalog.treatmentmethod": lambda w: _models("catalog.TreatmentMethod")(
        code="R9", kind="utilisation", name="废油再提炼", verified="S"
    ),
    "catalog.region": lambda w: w.keqiao,
    "registry.organization": lambda w: w.a,
    "registry.site": _site,
    "registry.facility": _build_facility,
    "registry.permit": _permit,
    "registry.permitscope": _build_scope,
    "registry.vehicle": lambda w: _models("registry.Vehicle")(
        organization=w.a,
        plate="浙D12345",
        transport_permit_no="330600123456",
        load_limit_tonnes=Decimal("10"),
    ),
    "registry.driver": lambda w: _models("registry.Driver")(
        organization=w.a,
        name="王师傅",
        phone="13800000000",
        qualification_no="Q330600001",
        user=w.users["owner_driver"],
    ),
    "registry.membership": lambda w: _models("registry.Membership").objects.get(
        user=w.users["owner_member"]
    ),
    "registry.invitation": lambda w: _models("registry.Invitation")(
        organization=w.a,
        email="new@example.com",
        role="member",
        token_hash="a" * 64,
        invited_by=w.users["owner_admin"],
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    ),
    "plans.managementplan": _plan,
    "plans.planwaste": _build_plan_waste,
    "plans.planreduction": lambda w: _models("plans.PlanReduction")(
        plan=_saved(_plan(w)), measure="改进清洗工艺，减少废有机溶剂产生"
    ),
    "plans.declaration": _declaration,
    "plans.declarationline": _build_declaration_line,
    "ledger.container": _container,
    "ledger.ledgerentry": _build_entry,
    "ledger.scaledevice": _scale,
    "ledger.scalereading": _build_reading,
}


def _collect_app_entries() -> None:
    """Apps newer than the ledger keep their rows of the matrix in ``<app>/tests/matrix.py``."""
    for config in apps.get_app_configs():
        if not config.name.startswith("wufei.") or config.name == "wufei.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.matrix"):
                raise
            continue
        EXPECTED.update(module.EXPECTED)
        BUILDERS.update(module.BUILDERS)


_collect_app_entries()


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_matrix(label: str) -> None:
    world = World()
    obj = BUILDERS[label](world)
    unsaved_allows: dict[str, bool] = {}
    # "add" is asked of the object before it exists (what the create action checks) …
    if obj.pk is None:
        for role in ROLES:
            unsaved_allows[role] = allows(world.users[role], "add", obj)
        obj.save()
    model = type(obj)
    mismatches = []
    for role in ROLES:
        user = world.users[role]
        forget_principal(user)
        for action in ACTIONS:
            expected = role in EXPECTED[label][action]
            in_restrict = model.objects.restrict(user, action).filter(pk=obj.pk).exists()
            by_allows = allows(user, action, obj)
            if in_restrict != expected or by_allows != expected:
                mismatches.append(
                    f"{role:16} {action:6} expected={expected} restrict={in_restrict} allows={by_allows}"
                )
            if action == "add" and role in unsaved_allows and unsaved_allows[role] != expected:
                mismatches.append(
                    f"{role:16} add    expected={expected} allows(unsaved)={unsaved_allows[role]}"
                )
    assert not mismatches, f"{label}:\n" + "\n".join(mismatches)
