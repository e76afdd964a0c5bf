import datetime as dt

import pytest
from django.utils import translation

from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.plans.tests.clock import SHANGHAI, frozen

from .factories import trip_setup

#: The tests' "now": a working Monday morning in Shanghai.
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so that assertions read the msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with frozen(NOW) as now:
        yield now


@pytest.fixture
def trip(db, clock):
    return trip_setup()
