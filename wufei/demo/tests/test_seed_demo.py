"""seed_demo in the database: through the actions, idempotent, valid, one account per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from stdnum.cn import uscc

from wufei.core import audit
from wufei.core.models import AuditEvent, User
from wufei.demo import medical, plan
from wufei.demo.accounts import ANCHORS, DEMO_ACCOUNTS, demo_password
from wufei.demo.analytics import seed_analytics
from wufei.demo.seeding import Seeder
from wufei.demo.warnings import seed_warnings
from wufei.registry.models import (
    Driver,
    Facility,
    Membership,
    Organization,
    Permit,
    PermitScope,
    Site,
    Vehicle,
)

from .conftest import SEED, SMALL

MODELS = (
    Organization,
    Site,
    Facility,
    Permit,
    PermitScope,
    Vehicle,
    Driver,
    Membership,
    User,
    AuditEvent,
)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.mark.django_db
def test_the_province_is_built_through_audited_actions(demo):
    c = plan.counts(SMALL)
    regulators = Organization.objects.filter(is_regulator=True)
    assert regulators.count() == 1 + 11 + len(plan.COUNTY_BUREAUS)
    assert set(regulators.filter(region__level="city").values_list("region__code", flat=True)) == {
        code for code, row in plan.divisions().items() if row["level"] == "city"
    }
    assert Organization.objects.get(name="绍兴市生态环境局柯桥分局").region.code == "330603"
    hospitals = len(medical.hospitals(SEED))  # and the medical-waste centre (medical.py)
    assert Organization.objects.filter(is_producer=True).count() == c.producers + hospitals
    assert Organization.objects.filter(is_carrier=True).count() == c.carriers
    assert Organization.objects.filter(is_receiver=True).count() == c.receivers + 1
    assert Organization.objects.filter(is_collector=True).count() == c.collectors
    # every producer has a site with an HJ 608-style code and a storage facility
    for org in Organization.objects.filter(is_producer=True):
        site = org.sites.get()
        assert site.site_code.startswith(org.uscc) and len(site.site_code) == 22
        assert site.facilities.filter(kind="storage").exists()
    # operators hold 5-year permits with scopes and methods; their treatment facility is there
    for permit in Permit.objects.filter(organization__is_receiver=True):
        assert permit.issuer == "浙江省生态环境厅"
        assert permit.valid_until.year - permit.valid_from.year == 5
        assert permit.scopes.exists() and all(s.methods.exists() for s in permit.scopes.all())
        assert Facility.objects.filter(
            site__organization=permit.organization, kind__in=["utilisation", "disposal"]
        )
    assert Vehicle.objects.filter(organization__is_carrier=True).count() >= 2 * c.carriers
    # each change wrote its audit event, and the chain holds
    assert (
        AuditEvent.objects.filter(action="registry.organization.create").count()
        == Organization.objects.count()
    )
    assert (
        AuditEvent.objects.filter(action="registry.vehicle.create").count()
        == Vehicle.objects.count()
    )
    assert audit.verify() is None


@pytest.mark.django_db
def test_every_uscc_is_valid_and_every_management_class_occurs(demo):
    assert all(uscc.is_valid(code) for code in Organization.objects.values_list("uscc", flat=True))
    classes = set(
        Organization.objects.filter(is_producer=True).values_list("management_class", flat=True)
    )
    assert classes == {"key", "simplified", "registered"}
    for org in Organization.objects.filter(is_producer=True, management_class="registered"):
        assert org.annual_hazardous_tonnes < 10


@pytest.mark.django_db
def test_the_database_holds_exactly_the_seeded_plan(demo):
    """Same seed → same data: what is in the database is what the seed's plan says."""
    c = plan.counts(SMALL)
    specs = plan.regulators(SEED) + [plan.producer(SEED, i) for i in range(c.producers)]
    specs += [plan.carrier(SEED, i) for i in range(c.carriers)] + [
        plan.receiver(SEED, i) for i in range(c.receivers)
    ]
    specs += [plan.collector(SEED, i) for i in range(c.collectors)] + medical.specs(SEED)
    expected = {(s.uscc, s.name, s.region) for s in specs}
    assert set(Organization.objects.values_list("uscc", "name", "region__code")) == expected
    plates = {v.plate for s in specs for v in s.vehicles}
    assert set(Vehicle.objects.values_list("plate", flat=True)) == plates


@pytest.mark.django_db
def test_running_again_adds_nothing(demo):
    demo.file_plans()  # the command files the 2026 plans too
    seed_analytics(demo)  # and loads the 2024 statistics
    seed_warnings(demo)  # and scans the rules
    before = _counts()
    result = Seeder(SEED, SMALL).run()
    assert sum(result["created"].values()) == 0
    assert result["present"]["organization"] == before["Organization"]
    assert _counts() == before
    out = StringIO()
    call_command("seed_demo", "--scale", str(SMALL), "--no-activity", stdout=out, stderr=StringIO())
    assert "already present" in out.getvalue()
    assert _counts() == before


@pytest.mark.django_db
def test_a_larger_scale_only_adds(demo):
    before = set(Organization.objects.values_list("uscc", flat=True))
    Seeder(
        SEED, SMALL + 10, detailed=SMALL + 5, batch=3
    ).run()  # 5 more with sites, 5 by bulk import
    after = set(Organization.objects.values_list("uscc", flat=True))
    assert before < after and len(after - before) == 10
    assert AuditEvent.objects.filter(action="registry.organization.import").count() == 5
    hospitals = len(medical.hospitals(SEED))
    assert Site.objects.filter(organization__is_producer=True).count() == SMALL + 5 + hospitals
    assert audit.verify() is None


@pytest.mark.django_db
def test_the_command_prints_the_accounts(reference_data):
    out = StringIO()
    call_command("seed_demo", "--scale", "10", "--no-activity", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "built" in text
    for account in DEMO_ACCOUNTS:
        assert account["username"] in text
    assert demo_password() in text


@pytest.mark.django_db
def test_every_demo_account_logs_in(client, demo):
    """Through the login form (django-axes in front), with the password from the settings."""
    for account in DEMO_ACCOUNTS:
        response = client.post(
            reverse("login"), {"username": account["username"], "password": demo_password()}
        )
        assert response.status_code == 302, (account["username"], response.content[:300])
        assert client.get(reverse("home")).status_code == 200
        user = User.objects.get(username=account["username"])
        if account["org_key"]:
            membership = Membership.objects.get(user=user)
            assert membership.organization.name == ANCHORS[account["org_key"]]["name"]
            assert membership.role == account["membership"]
        else:
            assert user.is_superuser
        client.logout()
    platform = User.objects.get(username="platform")  # the generator's actor cannot log in
    assert platform.is_superuser and not platform.has_usable_password()


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.mark.django_db
def test_each_role_sees_what_it_should(demo):
    regions = lambda name: set(  # noqa: E731
        Organization.objects.restrict(_user(name)).values_list("region__prefix", flat=True)
    )
    assert Organization.objects.restrict(_user("admin")).count() == Organization.objects.count()
    assert Organization.objects.restrict(_user("province")).count() == Organization.objects.count()
    assert regions("shaoxing") and all(p.startswith("3306") for p in regions("shaoxing"))
    assert regions("keqiao") == {"330603"}
    keqiao = Organization.objects.restrict(_user("keqiao"))
    assert keqiao.filter(name=ANCHORS["producer"]["name"]).exists()
    assert keqiao.count() < Organization.objects.restrict(_user("shaoxing")).count()
    # members see their own organisation
    for username, key in (
        ("producer", "producer"),
        ("carrier", "carrier"),
        ("operator", "receiver"),
        ("collector", "collector"),
    ):
        assert list(
            Organization.objects.restrict(_user(username)).values_list("name", flat=True)
        ) == [ANCHORS[key]["name"]]
    assert not Organization.objects.restrict(_user("reader"), "change").exists()
    assert Organization.objects.restrict(_user("producer"), "change").count() == 1
    assert Permit.objects.restrict(_user("operator")).count() == 1
    driver = Driver.objects.restrict(_user("driver")).get()
    assert (
        driver.user.username == "driver" and driver.organization.name == ANCHORS["carrier"]["name"]
    )
    assert Vehicle.objects.restrict(_user("driver")).count() == 6


@pytest.mark.django_db
def test_the_county_bureau_opens_its_own_producers_only(client, demo):
    client.force_login(_user("keqiao"))
    mine = Organization.objects.get(name=ANCHORS["producer"]["name"])
    other = Organization.objects.filter(is_producer=True, region__code__startswith="3301").first()
    assert other is not None
    assert client.get(reverse("registry:organization_detail", args=[mine.uscc])).status_code == 200
    assert client.get(reverse("registry:organization_detail", args=[other.uscc])).status_code == 404


@pytest.mark.slow
@pytest.mark.django_db
def test_default_demo_twice(reference_data):
    # the ledger year is tested in test_history.py (the full default command)
    out = StringIO()
    call_command("seed_demo", "--quiet", "--no-activity", stdout=out, stderr=StringIO())
    before = _counts()
    assert before["Organization"] == 21 + 300 + 8 + 8 + 4 + len(medical.specs(SEED))
    call_command("seed_demo", "--no-activity", stdout=out, stderr=StringIO())
    assert _counts() == before
    assert "already present" in out.getvalue()
