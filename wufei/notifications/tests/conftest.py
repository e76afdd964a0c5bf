import datetime as dt

import pytest
from django.utils import translation

from wufei.notifications import actions
from wufei.plans.tests.clock import SHANGHAI, frozen
from wufei.registry.models import MembershipRole
from wufei.registry.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    member_of,
)

from .hookserver import HookServer

#: The tests' "now": a working Monday morning in Shanghai.
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so that assertions read the msgids (test_i18n checks Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with frozen(NOW) as now:
        yield now


class World:
    """Organisation A (admin, member, reader, driver, a member without e-mail), B (admin) and
    C (a member) — C is never published to."""

    def __init__(self) -> None:
        self.a = OrganizationFactory(name="甲公司")
        self.b = OrganizationFactory(name="乙公司", is_producer=False, is_receiver=True)
        self.c = OrganizationFactory(name="丙公司")
        self.a_admin = member_of(self.a, MembershipRole.ADMIN, "a_admin")
        self.a_member = member_of(self.a, MembershipRole.MEMBER, "a_member")
        self.a_reader = member_of(self.a, MembershipRole.READER, "a_reader")
        self.a_driver = member_of(self.a, MembershipRole.DRIVER, "a_driver")
        self.a_quiet = UserFactory(username="a_quiet", email="")
        MembershipFactory(user=self.a_quiet, organization=self.a, role=MembershipRole.MEMBER)
        self.b_admin = member_of(self.b, MembershipRole.ADMIN, "b_admin")
        self.c_member = member_of(self.c, MembershipRole.MEMBER, "c_member")


@pytest.fixture
def w(db):
    return World()


@pytest.fixture
def hook():
    server = HookServer().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(w, hook):
    """An endpoint of A pointing at the test receiver, subscribed to everything."""
    ep, secret = actions.create_endpoint(w.a_admin, w.a, url=hook.url, events=["*"])
    hook.secret = secret
    return ep


@pytest.fixture
def cb(django_capture_on_commit_callbacks):
    """Run the after-commit hooks (publish's dispatch) at the end of the ``with`` block."""
    return django_capture_on_commit_callbacks
