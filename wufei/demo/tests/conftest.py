import pytest

from wufei.catalog.testing import reference_data  # noqa: F401  (the fixture)
from wufei.demo.seeding import Seeder

SEED = 20261126
SMALL = 40  # producers: enough for every role, county bureau and management class


@pytest.fixture
def demo(reference_data):  # noqa: F811
    """A small demo province in the test database (rolled back after the test)."""
    seeder = Seeder(SEED, SMALL)
    seeder.run()
    return seeder
