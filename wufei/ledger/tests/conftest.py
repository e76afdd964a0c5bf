import datetime as dt

import pytest
from django.utils import translation

from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.plans.tests.clock import SHANGHAI, frozen
from wufei.registry.tests.conftest import (  # noqa: F401
    city_regulator,
    county,
    county_regulator,
    superuser,
)

from .factories import producer_setup

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


@pytest.fixture
def p(db, clock):
    """A producer ready for the 五即 day (filed plan listing one code, storage of 10 t)."""
    return producer_setup(NOW.year)
