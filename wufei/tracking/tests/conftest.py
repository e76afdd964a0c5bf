import pytest
from django.utils import translation

from wufei.registry.tests.factories import (
    OrganizationFactory,
    VehicleFactory,
    member_of,
    regulator,
)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so that assertions read the msgids (test_i18n checks Chinese)."""
    with translation.override("en"):
        yield


class Fleet:
    """Carrier A with two vehicles and a member; carrier B with one vehicle."""

    def __init__(self) -> None:
        self.carrier = OrganizationFactory(is_producer=False, is_carrier=True)
        self.truck = VehicleFactory(
            organization=self.carrier, plate="浙D10001", terminal_id="T0001"
        )
        self.van = VehicleFactory(organization=self.carrier, plate="浙D10002")
        self.user = member_of(self.carrier, role="member")
        self.reader = member_of(self.carrier, role="reader")
        self.other = OrganizationFactory(is_producer=False, is_carrier=True)
        self.foreign = VehicleFactory(organization=self.other, plate="浙A99999")
        self.regulator = regulator("3306")


@pytest.fixture
def fleet(db):
    return Fleet()
