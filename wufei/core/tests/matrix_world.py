"""The world the permission matrix builds once per model, and the roles it checks.

Organisation A in 柯桥区 (330603, 绍兴市 3306, 浙江省 33) owns the row; B is another
organisation in 西湖区 (杭州市); four bureaus. Apps add their models to the matrix in their own
``tests/matrix.py`` (``EXPECTED`` and ``BUILDERS``), built from the pieces here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser

ROLES = [
    "anonymous",
    "no_membership",
    "platform_admin",
    "owner_admin",
    "owner_member",
    "owner_reader",
    "owner_driver",
    "other_org_admin",
    "reg_county",
    "reg_city",
    "reg_province",
    "reg_other_city",
]

# Shorthands for the table below.
ADMIN = {"platform_admin"}
COVERING = {"reg_county", "reg_city", "reg_province"}
OWNER_WRITE = {"owner_admin", "owner_member"}
OWNER_STAFF = OWNER_WRITE | {"owner_reader"}
SIGNED_IN = set(ROLES) - {"anonymous"}
NOBODY: set[str] = set()


# --- the world ---------------------------------------------------------------------------------


class World:
    """Organisation A in 柯桥区 (330603, 绍兴市 3306, 浙江省 33), B in 西湖区 (杭州市), regulators."""

    def __init__(self) -> None:
        from wufei.catalog.models import Region
        from wufei.core.models import User
        from wufei.registry.models import Membership, Organization

        def region(code: str, name: str, level: str, parent: Any = None) -> Any:
            return Region.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "level": level,
                    "parent": parent,
                    "prefix": Region.prefix_of(code, level),
                },
            )[0]

        zj = region("330000", "浙江省", "province")
        sx = region("330600", "绍兴市", "city", zj)
        self.keqiao = region("330603", "柯桥区", "county", sx)
        hz = region("330100", "杭州市", "city", zj)
        xihu = region("330106", "西湖区", "county", hz)

        counter = iter(range(1, 100))

        def org(name: str, reg: Any, **roles: bool) -> Any:
            n = next(counter)
            return Organization.objects.create(
                uscc=f"MATRIX{n:012d}", name=name, region=reg, **roles
            )

        self.a = org(
            "甲印染有限公司", self.keqiao, is_producer=True, is_carrier=True, is_receiver=True
        )
        self.b = org("乙化工有限公司", xihu, is_producer=True)
        bureaus = {
            "reg_county": org("柯桥分局", self.keqiao, is_regulator=True),
            "reg_city": org("绍兴市生态环境局", sx, is_regulator=True),
            "reg_province": org("浙江省生态环境厅", zj, is_regulator=True),
            "reg_other_city": org("杭州市生态环境局", hz, is_regulator=True),
        }
        self.users: dict[str, Any] = {"anonymous": AnonymousUser()}
        for name in ROLES[1:]:
            self.users[name] = User.objects.create_user(
                name, password="matrix-password-123", is_superuser=(name == "platform_admin")
            )
        for name, role in [
            ("owner_admin", "admin"),
            ("owner_member", "member"),
            ("owner_reader", "reader"),
            ("owner_driver", "driver"),
        ]:
            Membership.objects.create(user=self.users[name], organization=self.a, role=role)
        Membership.objects.create(
            user=self.users["other_org_admin"], organization=self.b, role="admin"
        )
        for name, bureau in bureaus.items():
            Membership.objects.create(user=self.users[name], organization=bureau, role="member")


def _catalog(w: World) -> dict[str, Any]:
    from wufei.catalog.models import CatalogueEdition, WasteCategory, WasteCode

    ed = CatalogueEdition.objects.get_or_create(
        code="T", defaults={"title": "test edition", "effective_from": dt.date(2021, 1, 1)}
    )[0]
    cat = WasteCategory.objects.get_or_create(
        edition=ed, code="HW08", defaults={"name": "废矿物油与含矿物油废物"}
    )[0]
    code = WasteCode.objects.get_or_create(
        edition=ed,
        code="900-249-08",
        defaults={
            "category": cat,
            "industry_code": "900",
            "industry_source": "非特定行业",
            "description": "其他生产、销售、使用过程中产生的废矿物油",
            "hazard": "T,I",
            "hazard_mode": "all",
        },
    )[0]
    return {"edition": ed, "category": cat, "code": code}


def _site(w: World) -> Any:
    from wufei.registry.models import Site

    return Site(organization=w.a, name="一号厂区", region=w.keqiao, address="柯桥区某路1号")


def _permit(w: World) -> Any:
    from wufei.registry.models import Permit

    return Permit(
        organization=w.a,
        number="浙危废经第3306001号",
        issuer="浙江省生态环境厅",
        issued_on=dt.date(2025, 1, 1),
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2029, 12, 31),
    )


def _saved(obj: Any) -> Any:
    obj.save()
    return obj


def _container(w: World) -> Any:
    from wufei.ledger.models import Container

    return Container(
        organization=w.a,
        site=_saved(_site(w)),
        kind="hazardous",
        waste_code=_catalog(w)["code"],
        internal_name="废机油",
        form="liquid",
        package_type="drum",
        volume_litres=Decimal("200"),
        produced_on=dt.date(2026, 3, 2),
    )
