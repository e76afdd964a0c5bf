"""factory_boy factories for the registry (valid USCCs with a correct check digit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from wufei.catalog.models import Region
from wufei.registry.models import (
    Driver,
    Facility,
    FacilityKind,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    Permit,
    PermitScope,
    Site,
    Vehicle,
)

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(n: int, region_code: str = "330602") -> str:
    """A valid 统一社会信用代码: 9 (registration authority: 工商) 1 (企业) + region + 9-char
    organisation code + check digit."""
    body = f"{n:09d}"
    stem = f"91{region_code}{body}"
    return stem + stdnum_uscc.calc_check_digit(stem)


def region(code: str = "330602") -> Region:
    """A region with its parents (province 33, city 3306, county 330602)."""
    levels = [
        (code[:2] + "0000", "province", code[:2]),
        (code[:4] + "00", "city", code[:4]),
        (code, "county", code),
    ]
    parent = None
    found = None
    for full, level, prefix in levels:
        if level == "city" and code[2:4] == "00":
            break
        if level == "county" and code[4:6] == "00":
            break
        found, _ = Region.objects.get_or_create(
            code=full,
            defaults={"name": f"区划{full}", "level": level, "parent": parent, "prefix": prefix},
        )
        parent = found
    return found


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password("wufei-test-password")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    uscc = factory.Sequence(lambda n: make_uscc(n + 1))
    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    region = factory.LazyFunction(lambda: region("330602"))
    address = "浙江省绍兴市越城区测试路1号"
    is_producer = True
    annual_hazardous_tonnes = Decimal("5")
    management_class = "registered"
    management_class_derived = "registered"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"厂区{n}")
    region = factory.SelfAttribute("organization.region")
    address = "浙江省绍兴市越城区测试路1号"


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    site = factory.SubFactory(SiteFactory)
    code = factory.Sequence(lambda n: f"TS{n:03d}")
    name = factory.Sequence(lambda n: f"危废贮存库{n}")
    kind = FacilityKind.STORAGE
    capacity_tonnes = Decimal("50")


class PermitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Permit

    organization = factory.SubFactory(OrganizationFactory, is_producer=False, is_receiver=True)
    number = factory.Sequence(lambda n: f"浙危废经第{n:04d}号")
    issuer = "浙江省生态环境厅"
    issued_on = dt.date(2024, 1, 1)
    valid_from = dt.date(2024, 1, 1)
    valid_until = dt.date(2029, 12, 31)


class PermitScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PermitScope

    permit = factory.SubFactory(PermitFactory)
    waste_code = None
    annual_capacity_tonnes = Decimal("1000")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    organization = factory.SubFactory(OrganizationFactory, is_producer=False, is_carrier=True)
    plate = factory.Sequence(lambda n: f"浙D{n:05d}")
    transport_permit_no = factory.Sequence(lambda n: f"浙交运管许可绍字{n:06d}号")
    load_limit_tonnes = Decimal("10")


class DriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Driver

    organization = factory.SubFactory(OrganizationFactory, is_producer=False, is_carrier=True)
    name = factory.Sequence(lambda n: f"司机{n}")
    phone = "13800000000"
    qualification_no = factory.Sequence(lambda n: f"3306{n:08d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = MembershipRole.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.cn")
    role = MembershipRole.MEMBER
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


def regulator(region_code: str = "3306", username: str | None = None):
    """A user working for the bureau of ``region_code`` (a 2-, 4- or 6-digit prefix)."""
    full = region_code.ljust(6, "0")
    reg = region(full)
    org = OrganizationFactory(
        region=reg,
        is_producer=False,
        is_regulator=True,
        name=f"{full}生态环境局",
        management_class="",
        management_class_derived="",
    )
    user = UserFactory(username=username) if username else UserFactory()
    MembershipFactory(user=user, organization=org, role=MembershipRole.ADMIN)
    return user


def member_of(org: Organization, role: str = MembershipRole.ADMIN, username: str | None = None):
    user = UserFactory(username=username) if username else UserFactory()
    MembershipFactory(user=user, organization=org, role=role)
    return user
