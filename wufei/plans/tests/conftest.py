import pytest
from django.utils import translation

from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.registry.tests.conftest import (  # noqa: F401
    city_regulator,
    county,
    county_regulator,
    superuser,
)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so that assertions read the msgids (test_i18n checks Chinese)."""
    with translation.override("en"):
        yield
