from __future__ import annotations

import pytest

from wufei.catalog.models import Region
from wufei.catalog.tests.factories import (
    CatalogueEditionFactory,
    ExemptionFactory,
    GeneralWasteCategoryFactory,
    RegionFactory,
    TreatmentMethodFactory,
    WasteCategoryFactory,
    WasteCodeFactory,
)

pytestmark = pytest.mark.django_db


def test_region_factory_makes_a_consistent_county():
    county = RegionFactory()
    city, province = county.parent, county.parent.parent
    assert (county.level, city.level, province.level) == ("county", "city", "province")
    assert province.parent is None
    assert county.code.startswith(city.code[:4]) and city.code.startswith(province.code[:2])
    assert (province.prefix, city.prefix, county.prefix) == (
        province.code[:2],
        city.code[:4],
        county.code,
    )
    assert province.code.endswith("0000") and city.code.endswith("00")
    assert county in province.subtree()


def test_region_factory_codes_are_unique_and_avoid_real_ones(reference_data):
    made = [RegionFactory() for _ in range(5)] + [RegionFactory(level="province") for _ in range(3)]
    assert len({r.code for r in made}) == 8
    assert all(r.code[:2] not in {"33", "11", "44"} for r in made)
    shaoxing = Region.objects.get(code="330600")
    extra = RegionFactory(level="county", parent=shaoxing)
    assert extra.code.startswith("3306") and extra.prefix == extra.code
    assert extra in shaoxing.subtree()


def test_catalogue_factories():
    code = WasteCodeFactory(hazard="T,I")
    assert code.category.edition == code.edition
    assert code.code[-2:] == code.category.code[2:]
    assert (
        code.hazard_mode == "all" and code.is_toxic and code.is_ignitable and not code.is_corrosive
    )
    assert WasteCodeFactory(hazard="T/In").hazard_mode == "any"
    cat = WasteCategoryFactory(edition=code.edition, code=code.category.code)
    assert cat == code.category  # get_or_create
    ex = ExemptionFactory(edition=code.edition, stage="all", codes=[code], categories=[cat])
    assert list(ex.codes.all()) == [code] and ex.suspends_manifest and ex.suspends_permit
    assert CatalogueEditionFactory().code != CatalogueEditionFactory().code
    assert GeneralWasteCategoryFactory().code_2021.startswith("SW")
    assert TreatmentMethodFactory().code.startswith("X")


def test_factories_live_with_the_real_data(reference_data):
    code = WasteCodeFactory(edition=reference_data.edition)
    assert code.code.startswith("99")
    GeneralWasteCategoryFactory()
    TreatmentMethodFactory()
