from __future__ import annotations

import pytest

from wufei.catalog import queries
from wufei.catalog.models import CatalogueEdition
from wufei.catalog.tests.factories import (
    CatalogueEditionFactory,
    ExemptionFactory,
    WasteCategoryFactory,
    WasteCodeFactory,
)
from wufei.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def codes(qs) -> list[str]:
    return [c.code for c in qs]


# --- is_exempt ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stage", ["collection", "transport", "utilisation", "disposal", "utilisation_disposal", "all"]
)
def test_oily_rags_are_exempt_at_every_stage(reference_data, stage):
    rows = queries.is_exempt("900-041-49", stage)
    assert [(e.item, e.stage) for e in rows] == [(24, "all")]


def test_intact_lead_acid_batteries_only_in_transport(reference_data):
    rows = queries.is_exempt("900-052-31", "transport")
    assert [e.item for e in rows] == [18]
    assert rows[0].condition.startswith("运输工具满足")
    assert rows[0].suspends_manifest
    assert queries.is_exempt("900-052-31", "disposal") == []
    assert queries.is_exempt("900-052-31", "collection") == []


def test_a_code_that_is_not_exempt(reference_data):
    for stage in ("collection", "transport", "disposal", "all"):
        assert queries.is_exempt("900-249-08", stage) == []
    assert [e.item for e in queries.is_exempt("900-249-08", "utilisation")] == [
        8
    ]  # iron drums only
    for stage in (
        "collection",
        "transport",
        "utilisation",
        "disposal",
        "utilisation_disposal",
        "all",
    ):
        assert queries.is_exempt("336-064-17", stage) == []


def test_exempt_through_its_category(reference_data):
    # item 20: HW34 废酸 (only corrosive) exempt at utilisation
    rows = queries.is_exempt("900-300-34", "utilisation")
    assert {e.item for e in rows} == {20}
    assert queries.is_exempt("900-300-34", "transport") == []
    # item 2: HW01 at collection and transport
    assert {e.item for e in queries.is_exempt("841-001-01", "collection")} == {2}
    assert {e.item for e in queries.is_exempt("841-001-01", "transport")} == {2, 3}
    assert {e.item for e in queries.is_exempt("841-001-01", "disposal")} == {2, 3}


def test_multi_code_items(reference_data):
    assert {e.item for e in queries.is_exempt("451-003-11", "utilisation")} == {10}
    assert {e.item for e in queries.is_exempt("90000609", "utilisation")} == {9}


def test_utilisation_disposal_covers_both():
    ed = CatalogueEditionFactory(is_current=True)
    code = WasteCodeFactory(edition=ed)
    ex = ExemptionFactory(edition=ed, stage="utilisation_disposal", codes=[code])
    assert queries.is_exempt(code, "utilisation") == [ex]
    assert queries.is_exempt(code, "disposal") == [ex]
    assert queries.is_exempt(code, "utilisation_disposal") == [ex]
    assert queries.is_exempt(code, "transport") == []
    assert queries.is_exempt(code, "all") == []


def test_exemptions_of_another_edition_do_not_apply():
    old, new = CatalogueEditionFactory(), CatalogueEditionFactory(is_current=True)
    old_code = WasteCodeFactory(
        edition=old, code="900-041-49", category=WasteCategoryFactory(edition=old, code="HW49")
    )
    new_code = WasteCodeFactory(
        edition=new, code="900-041-49", category=WasteCategoryFactory(edition=new, code="HW49")
    )
    ExemptionFactory(edition=old, stage="all", codes=[old_code])
    assert queries.is_exempt(new_code, "transport") == []
    assert len(queries.is_exempt(old_code, "transport")) == 1
    assert queries.is_exempt("900-041-49", "transport") == []  # current edition
    assert len(queries.is_exempt("900-041-49", "transport", edition=old.code)) == 1


def test_is_exempt_bad_input(reference_data):
    with pytest.raises(ValidationFailed) as err:
        queries.is_exempt("900-041-49", "storage")
    assert err.value.field == "stage" and err.value.code == "catalog.stage_invalid"
    with pytest.raises(NotFound) as err:
        queries.is_exempt("999-999-99", "transport")
    assert err.value.code == "catalog.code_not_found"
    with pytest.raises(NotFound):
        queries.is_exempt("900-041-49", "transport", edition="1999")


# --- editions and find_code ---------------------------------------------------------------


def test_current_edition(reference_data):
    assert queries.current_edition().code == "2021"
    CatalogueEdition.objects.update(is_current=False)
    assert queries.current_edition().code == "2021"  # newest one in force


def test_current_edition_empty_database():
    assert queries.current_edition() is None
    assert queries.find_code("900-041-49") is None
    assert queries.search_codes("油").count() == 0


@pytest.mark.parametrize(
    "text", ["900-249-08", "90024908", " 900－249－08 ", "900 249 08".replace(" ", "")]
)
def test_find_code_forms(reference_data, text):
    assert queries.find_code(text).code == "900-249-08"


def test_find_code_misses(reference_data):
    assert queries.find_code("900-249-09") is None
    assert queries.find_code("HW08") is None
    assert queries.find_code("") is None
    assert queries.find_code("900-249-08", reference_data.edition).edition == reference_data.edition


# --- search -------------------------------------------------------------------------------


def test_search_by_code_with_or_without_hyphens(reference_data):
    assert codes(queries.search_codes("900-249-08")) == ["900-249-08"]
    assert codes(queries.search_codes("90024908")) == ["900-249-08"]
    assert "900-249-08" in codes(queries.search_codes("900249"))
    assert set(codes(queries.search_codes("249-08"))) == {"900-249-08"}
    assert all(c.startswith("900-04") for c in codes(queries.search_codes("900-04")))


def test_search_by_text(reference_data):
    found = codes(queries.search_codes("含油抹布"))
    assert found == [] or "900-041-49" not in found  # the description does not say 含油抹布 …
    found = codes(queries.search_codes("废铅蓄电池"))
    assert "900-052-31" in found
    assert all("铅" in c.description for c in queries.search_codes("废铅蓄电池"))


def test_search_by_category_code_and_name(reference_data):
    assert queries.search_codes("HW08").count() == 32
    assert queries.search_codes("hw8").count() == 32
    assert queries.search_codes("废矿物油与含矿物油废物").count() == 32
    assert queries.search_codes("", category="HW49").count() == 11
    assert queries.search_codes("", category="HW01").count() == 5


def test_search_by_industry(reference_data):
    qs = queries.search_codes("", industry="900")
    assert qs.count() > 0 and all(c.industry_code == "900" for c in qs)
    assert all(c.industry_source == "卫生" for c in queries.search_codes("卫生"))
    assert queries.search_codes("", industry="卫生").count() == 5


def test_search_by_hazard(reference_data):
    assert queries.search_codes("In").count() == 6
    assert queries.search_codes("", hazard="In").count() == 6
    assert queries.search_codes("", hazard="T,C").count() == queries.search_codes("T C").count()
    assert all(c.is_reactive for c in queries.search_codes("", hazard="R"))


def test_search_combines_terms_and_filters(reference_data):
    qs = queries.search_codes("废矿物油 900", hazard="I")
    assert qs.count() > 0
    assert all(c.code.startswith("900") and c.is_ignitable for c in qs)
    assert all(c.category.code == "HW08" for c in queries.search_codes("废", category="HW08"))


def test_search_bad_filters(reference_data):
    with pytest.raises(ValidationFailed) as err:
        queries.search_codes("", hazard="X")
    assert err.value.field == "hazard"
    with pytest.raises(ValidationFailed) as err:
        queries.search_codes("", category="oil")
    assert err.value.field == "category"


def test_search_in_another_edition(reference_data):
    ed = CatalogueEditionFactory()
    WasteCodeFactory(edition=ed, description="锡冶炼烟尘")
    assert queries.search_codes("锡冶炼").count() == 0  # not the current edition
    assert queries.search_codes("锡冶炼", edition=ed.code).count() == 1
    assert queries.search_codes("锡冶炼", all_editions=True).count() == 1


def test_exempt_stages_summary(reference_data):
    summary = queries.exempt_stages(reference_data.code("900-052-31"))
    assert [e.item for e in summary["transport"]] == [18]
    assert summary["disposal"] == [] and summary["collection"] == []


def test_region_tree(reference_data):
    tree = queries.region_tree()
    assert len(tree) == 34
    zj = next(n for n in tree if n["region"].code == "330000")
    assert len(zj["children"]) == 11
    assert sum(len(c["children"]) for c in zj["children"]) == 90
