import datetime as dt

import pytest
from django.utils import translation

from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.plans.tests.clock import SHANGHAI, frozen

from .factories import transfer_world

#: The tests' "now": a working Monday morning in Shanghai.
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so that assertions read the msgids (test_i18n checks Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock():
    with frozen(NOW) as now:
        yield now


@pytest.fixture
def w(reference_data, clock):  # noqa: F811
    return transfer_world()


@pytest.fixture
def superuser(db):
    from wufei.registry.tests.factories import UserFactory

    return UserFactory(username="root", is_superuser=True, is_staff=True)
