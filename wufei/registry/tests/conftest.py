import pytest

from .factories import UserFactory, region, regulator


@pytest.fixture
def county(db):
    return region("330602")


@pytest.fixture
def city_regulator(db):
    return regulator("3306")


@pytest.fixture
def county_regulator(db):
    return regulator("330602")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
