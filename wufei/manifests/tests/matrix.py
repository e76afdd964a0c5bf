"""The manifests app's rows of the permission matrix (see core/tests/test_permission_matrix.py).

The row is a manifest whose shipper, carrier and receiver are all organisation A; the tests of
the manifests app check the multi-party cases (B as receiver or later carrier sees it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from wufei.core.tests.matrix_world import (
    ADMIN,
    COVERING,
    OWNER_STAFF,
    OWNER_WRITE,
    World,
    _catalog,
    _container,
    _saved,
    _site,
)

PARTIES = OWNER_STAFF | {"owner_driver"}
PARTY_WRITE = OWNER_WRITE | {"owner_driver"}
MANIFEST_ROWS = {"view": ADMIN | PARTIES | COVERING, "add": PARTY_WRITE, "change": PARTY_WRITE}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "manifests.manifest": {
        "view": ADMIN | PARTIES | COVERING,
        "add": OWNER_WRITE,
        "change": PARTY_WRITE,
    },
    "manifests.manifestline": MANIFEST_ROWS,
    "manifests.manifestitem": MANIFEST_ROWS,
    "manifests.manifestleg": MANIFEST_ROWS,
    "manifests.signature": MANIFEST_ROWS,
    "manifests.revision": MANIFEST_ROWS,
    "manifests.accesslink": MANIFEST_ROWS,
    "manifests.consolidation": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": OWNER_WRITE,
        "change": OWNER_WRITE,
    },
}


def _manifest(w: World) -> Any:
    from wufei.catalog.models import Region
    from wufei.manifests.models import Manifest
    from wufei.registry.models import Driver, Vehicle

    site = _saved(_site(w))
    vehicle = Vehicle.objects.create(
        organization=w.a,
        plate="浙D54321",
        transport_permit_no="330600654321",
        load_limit_tonnes=Decimal("10"),
    )
    driver = Driver.objects.create(
        organization=w.a,
        name="王师傅",
        phone="13800000000",
        qualification_no="Q330600002",
        user=w.users["owner_driver"],
    )
    keqiao = Region.objects.get(code="330603")
    return Manifest(
        kind="hazardous",
        shipper=w.a,
        shipper_site=site,
        receiver=w.a,
        carrier=w.a,
        vehicle=vehicle,
        driver=driver,
        origin_region=keqiao,
        destination_region=keqiao,
        planned_pickup_on=dt.date(2026, 3, 10),
    )


def _line(w: World, manifest: Any = None) -> Any:
    from wufei.catalog.models import TreatmentMethod
    from wufei.manifests.models import ManifestLine

    method = TreatmentMethod.objects.create(code="R9", kind="utilisation", name="废油再提炼")
    return ManifestLine(
        manifest=manifest or _saved(_manifest(w)),
        waste_code=_catalog(w)["code"],
        name="废机油",
        form="liquid",
        package_type="drum",
        package_count=1,
        quantity_tonnes=Decimal("0.1800"),
        method=method,
    )


def _item(w: World) -> Any:
    from wufei.manifests.models import ManifestItem

    line = _saved(_line(w))
    container = _container(w)
    container.waste_code = line.waste_code
    container.site = line.manifest.shipper_site
    return ManifestItem(
        manifest=line.manifest,
        line=line,
        container=_saved(container),
        dispatch_tonnes=Decimal("0.1800"),
    )


def _leg(w: World) -> Any:
    from wufei.manifests.models import ManifestLeg

    m = _saved(_manifest(w))
    return ManifestLeg(manifest=m, sequence=2, carrier=w.a, vehicle=m.vehicle, driver=m.driver)


def _signature(w: World) -> Any:
    from wufei.manifests.models import Signature

    m = _saved(_manifest(w))
    return Signature(
        manifest=m,
        step="submit",
        signer=w.users["owner_member"],
        signer_name="owner_member",
        role="shipper",
        organization=w.a,
        signed_at=dt.datetime(2026, 3, 10, 1, tzinfo=dt.UTC),
        content_sha256="0" * 64,
        key_id="k",
        platform_signature="s",
    )


def _revision(w: World) -> Any:
    from wufei.manifests.models import Revision

    return Revision(
        manifest=_saved(_manifest(w)),
        number=1,
        requested_by=w.a,
        reason="重量录入错误",
        original={"quantity_tonnes": "0.1800"},
        proposed={"quantity_tonnes": "0.1900"},
    )


def _link(w: World) -> Any:
    from wufei.manifests.models import AccessLink

    return AccessLink(
        manifest=_saved(_manifest(w)),
        token_sha256="c" * 64,
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )


def _consolidation(w: World) -> Any:
    from wufei.manifests.models import Consolidation

    item = _saved(_item(w))
    target = _container(w)
    target.site = item.container.site
    target.internal_name = "合并桶"
    return Consolidation(container=_saved(target), source_item=item, tonnes=Decimal("0.1800"))


BUILDERS: dict[str, Any] = {
    "manifests.manifest": _manifest,
    "manifests.manifestline": _line,
    "manifests.manifestitem": _item,
    "manifests.manifestleg": _leg,
    "manifests.signature": _signature,
    "manifests.revision": _revision,
    "manifests.accesslink": _link,
    "manifests.consolidation": _consolidation,
}
