from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from wufei.catalog import loaders
from wufei.catalog.loaders import (
    DATA_DIR,
    EditionSpec,
    ReferenceDataError,
    load_all,
    load_edition,
    parse_hazard,
)
from wufei.catalog.models import (
    CatalogueEdition,
    Exemption,
    ExemptionStage,
    GeneralWasteCategory,
    Region,
    TreatmentMethod,
    WasteCategory,
    WasteCode,
)
from wufei.core import audit
from wufei.core.models import AuditEvent

pytestmark = pytest.mark.django_db

MODELS = (
    CatalogueEdition,
    WasteCategory,
    WasteCode,
    Exemption,
    TreatmentMethod,
    GeneralWasteCategory,
    Region,
)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the data directory."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    for f in target.iterdir():
        f.chmod(0o644)
    return target


# --- hazard notation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "mode", "letters"),
    [
        ("T", "single", ("T",)),
        ("In", "single", ("In",)),
        ("T,I", "all", ("T", "I")),
        ("C,T", "all", ("C", "T")),
        ("T，I,R", "all", ("T", "I", "R")),
        ("T/C/I/R/In", "any", ("T", "C", "I", "R", "In")),
        ("T/In", "any", ("T", "In")),
    ],
)
def test_parse_hazard(printed, mode, letters):
    h = parse_hazard(printed)
    assert (h.mode, h.letters) == (mode, letters)
    assert h.flags()["is_toxic"] == ("T" in letters)
    assert h.flags()["is_infectious"] == ("In" in letters)


@pytest.mark.parametrize("bad", ["", "X", "T,X", "T/C,I", "T,T", "t"])
def test_parse_hazard_rejects(bad):
    with pytest.raises(ValueError):
        parse_hazard(bad)


# --- the real files --------------------------------------------------------------------


def test_loads_the_2021_catalogue(reference_data):
    edition = CatalogueEdition.objects.get(code="2021")
    assert edition.is_current
    assert "令第15号" in edition.decree
    assert str(edition.effective_from) == "2021-01-01"
    assert WasteCode.objects.filter(edition=edition).count() == 467
    assert WasteCategory.objects.filter(edition=edition).count() == 46
    per_category = Counter(WasteCode.objects.values_list("category__code", flat=True))
    # REGULATIONS.md §4.2
    expected = {"HW01": 5, "HW02": 20, "HW08": 32, "HW11": 85, "HW17": 21, "HW29": 22, "HW34": 19,
                "HW48": 33, "HW49": 11, "HW50": 44, "HW03": 1, "HW40": 1}  # fmt: skip
    for cat, n in expected.items():
        assert per_category[cat] == n, cat
    assert not WasteCategory.objects.filter(code__in=["HW41", "HW42", "HW43", "HW44"]).exists()
    assert WasteCategory.objects.get(code="HW08").name == "废矿物油与含矿物油废物"
    hazards = Counter(WasteCode.objects.values_list("hazard", flat=True))
    assert hazards["T"] == 364
    assert hazards["T,I"] == 29
    assert hazards["C,T"] == 27
    assert hazards["T/C/I/R"] == 4
    assert hazards["In"] == 3
    assert hazards["T/C/I/R/In"] == 1
    assert sum(hazards.values()) == 467


def test_hazard_flags_and_mode(reference_data):
    code = reference_data.code("900-249-08")
    assert (code.hazard, code.hazard_mode, code.hazards) == ("T,I", "all", ["T", "I"])
    code = reference_data.code("841-004-01")
    assert (code.hazard, code.hazard_mode) == ("T/C/I/R", "any")
    assert code.is_toxic and code.is_corrosive and code.is_ignitable and code.is_reactive
    assert not code.is_infectious
    code = reference_data.code("841-001-01")
    assert (code.hazard_mode, code.hazards) == ("single", ["In"])
    assert WasteCode.objects.filter(is_toxic=True).count() > 400
    assert WasteCode.objects.filter(is_infectious=True).count() == 6  # In 3 + T/In 2 + T/C/I/R/In 1


def test_code_fields(reference_data):
    code = reference_data.code("900-041-49")
    assert code.category.code == "HW49"
    assert code.industry_code == "900"
    assert code.industry_source == "非特定行业"
    assert code.source_page == 23
    assert code.digits == "90004149"


def test_exemptions(reference_data):
    ed = reference_data.edition
    rows = Exemption.objects.filter(edition=ed)
    assert rows.count() == 57
    assert rows.values("item").distinct().count() == 32
    stages = Counter(rows.values_list("stage", flat=True))
    assert stages[ExemptionStage.ALL] == 4
    assert stages[ExemptionStage.UTILISATION_DISPOSAL] == 2
    oily_rags = rows.get(item=24)
    assert oily_rags.stage == "all" and oily_rags.stage_text == "全部环节"
    assert [c.code for c in oily_rags.codes.all()] == ["900-041-49"]
    assert (
        oily_rags.suspends_manifest
        and oily_rags.suspends_permit
        and oily_rags.suspends_transport_rules
    )
    battery = rows.get(item=18)
    assert battery.stage == "transport"
    assert (
        battery.suspends_manifest
        and battery.suspends_transport_rules
        and not battery.suspends_permit
    )
    coal_tar = rows.filter(item=10)
    assert coal_tar.count() == 4
    assert sorted(c.code for c in coal_tar[0].codes.all()) == [
        "252-002-11",
        "252-017-11",
        "451-003-11",
    ]
    acid = rows.filter(item=20).first()
    assert [c.code for c in acid.categories.all()] == ["HW34"] and not acid.codes.exists()
    assert acid.suspends_permit and not acid.suspends_manifest
    household = rows.filter(item=1).first()
    assert not household.codes.exists() and not household.categories.exists()
    assert household.category_text == "生活垃圾中的危险废物"
    point_to_point = rows.get(item=32)
    assert point_to_point.category_text == "-" and not point_to_point.codes.exists()
    accident = rows.get(item=25, stage="utilisation_disposal")
    assert accident.stage_text == "利用、处置" and accident.suspends_permit
    assert list(rows.values_list("row", flat=True)) == list(range(1, 58))


def test_general_classes_and_methods(reference_data):
    assert GeneralWasteCategory.objects.count() == 17
    sw01 = GeneralWasteCategory.objects.get(code_2021="SW01")
    assert (sw01.code_2024, sw01.name, sw01.verified) == ("S01", "冶炼废渣", "M")
    assert TreatmentMethod.objects.count() == 22
    d1 = TreatmentMethod.objects.get(code="D1")
    assert (d1.kind, d1.name, d1.verified) == ("disposal", "填埋", "S")
    assert TreatmentMethod.objects.get(code="C1").name == "水泥窑共处置"
    assert TreatmentMethod.objects.filter(kind="medical").count() == 5


def test_regions(reference_data):
    provinces = Region.objects.filter(level="province")
    assert provinces.count() == 34
    assert Region.objects.filter(level="city").count() == 11
    assert Region.objects.filter(level="county").count() == 90
    zj = Region.objects.get(code="330000")
    assert (zj.name, zj.prefix, zj.parent) == ("浙江省", "33", None)
    assert zj.boundary["type"] in ("Polygon", "MultiPolygon")
    assert Region.objects.get(code="110000").boundary is None
    for county in Region.objects.filter(level="county").select_related("parent__parent"):
        assert county.parent.level == "city", county.code
        assert county.parent.parent == zj
        assert county.prefix == county.code
        assert county.code.startswith(county.parent.prefix)
        assert county.boundary is not None and county.center_lon is not None
        assert 118 < county.center_lon < 123.5 and 27 < county.center_lat < 31.5
    for city in Region.objects.filter(level="city"):
        assert city.parent == zj and city.prefix == city.code[:4] and city.code.endswith("00")
    shaoxing = Region.objects.get(code="330600")
    assert shaoxing.name == "绍兴市"
    keqiao = Region.objects.get(code="330603")
    assert keqiao.name == "柯桥区" and keqiao.ancestors() == [zj, shaoxing]
    assert shaoxing.subtree().count() == 1 + shaoxing.children.count()
    assert zj.subtree().count() == 102
    assert Region.objects.filter(code__in=["330113", "330114"]).count() == 2  # 临平区, 钱塘区


def test_loaded_through_the_audit_chain(reference_data):
    events = AuditEvent.objects.filter(actor_repr=loaders.ACTOR)
    assert set(events.values_list("action", flat=True)) >= {
        "catalog.edition_loaded",
        "catalog.catalogue_loaded",
        "catalog.exemptions_loaded",
        "catalog.treatment_methods_loaded",
        "catalog.general_waste_loaded",
        "catalog.regions_loaded",
    }
    assert events.count() == 6  # one per edition / file, not one per row
    catalogue = events.get(action="catalog.catalogue_loaded")
    assert catalogue.after["codes"]["created"] == 467
    assert len(catalogue.after["sha256"]) == 64
    assert audit.verify() is None


# --- idempotency and updates ------------------------------------------------------------


def test_running_twice_changes_nothing():
    first = load_all()
    assert first.changed
    before, events = counts(), AuditEvent.objects.count()
    second = load_all()
    assert not second.changed
    assert counts() == before
    assert AuditEvent.objects.count() == events
    assert second["waste codes 2021"].unchanged == 467
    assert second["regions"].unchanged == 135


def test_command_prints_what_it_did(capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "waste codes 2021: 467 created" in out
    assert "exemptions 2021: 57 created" in out
    assert "regions: 135 created" in out
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "467 unchanged" in out
    assert "nothing changed" in out


def test_command_only_a_section(capsys):
    call_command("load_reference_data", only=["methods"])
    assert TreatmentMethod.objects.count() == 22
    assert WasteCode.objects.count() == 0


def test_a_corrected_file_updates_only_what_changed(data_dir):
    load_all(data_dir)
    path = data_dir / "hw_catalog_2021.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("841-001-01,HW01,医疗废物,841,卫生,感染性废物,In,3",
                                 "841-001-01,HW01,医疗废物,841,卫生,感染性废物（更正）,In,3"), encoding="utf-8")  # fmt: skip
    events = AuditEvent.objects.count()
    report = load_all(data_dir)
    assert report["waste codes 2021"].updated == 1
    assert report["waste codes 2021"].unchanged == 466
    assert WasteCode.objects.get(code="841-001-01").description == "感染性废物（更正）"
    new = AuditEvent.objects.filter(seq__gt=events)
    assert list(new.values_list("action", flat=True)) == ["catalog.catalogue_loaded"]
    assert new.get().after["codes"]["updated"] == 1


def test_verified_mark_corrected_in_one_place(data_dir):
    load_all(data_dir)
    path = data_dir / "treatment_methods.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("D1,disposal,填埋,S", "D1,disposal,填埋,V"),
        encoding="utf-8",
    )
    report = load_all(data_dir, only=["methods"])
    assert report["treatment methods"].updated == 1
    assert TreatmentMethod.objects.get(code="D1").verified == "V"


# --- bad files load nothing -------------------------------------------------------------


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("hw_catalog_2021.csv", "841-002-01,HW01,医疗废物,841,卫生,损伤性废物,In", "841-002-01,HW01,医疗废物,841,卫生,损伤性废物,X", "unknown hazard"),
        ("hw_catalog_2021.csv", "841-002-01,HW01", "841-002-02,HW01", "ends in 02 but its category is HW01"),
        ("hw_catalog_2021.csv", "841-002-01,HW01", "841-001-01,HW01", "listed twice"),
        ("hw_catalog_2021.csv", "waste_code,", "code,", "missing column"),
        ("hw_exemption_2021.csv", ",全部环节,", ",偶尔,", "unknown exempt stage"),
        ("hw_exemption_2021.csv", "900-052-31", "900-052-39", "not in this edition"),
        ("zhejiang_divisions.csv", "330602,越城区,county,330600", "330602,越城区,county,330100", "does not lie under"),
        ("zhejiang_divisions.csv", "330602,越城区,county,330600", "330602,越城区,county,330000", "must be a city"),
        ("provinces.csv", "110000,北京市", "110100,北京市", "not a province code"),
        ("treatment_methods.csv", "D1,disposal,填埋,S", "D1,burial,填埋,S", "not a kind"),
        ("general_waste_categories.csv", "SW01,S01,冶炼废渣,M", "SW01,S01,冶炼废渣,Q", "verification mark"),
        ("editions.csv", "2021-01-01", "2021-13-01", "not a date"),
    ],
)  # fmt: skip
def test_a_bad_file_loads_nothing(data_dir, file, old, new, message):
    _replace(data_dir / file, old, new)
    with pytest.raises(ReferenceDataError) as err:
        load_all(data_dir)
    assert message in str(err.value)
    assert file in str(err.value) or file == "editions.csv"
    assert all(n == 0 for n in counts().values()), counts()
    assert not AuditEvent.objects.exists()


def test_error_names_the_line_and_column(data_dir):
    _replace(data_dir / "hw_catalog_2021.csv", ",T/C,", ",T/Z,")
    with pytest.raises(ReferenceDataError) as err:
        load_all(data_dir)
    assert err.value.column == "hazard"
    assert err.value.line and err.value.line > 1
    assert str(err.value).startswith(f"hw_catalog_2021.csv, line {err.value.line}, column 'hazard'")


def test_a_bad_file_leaves_earlier_data_untouched(data_dir):
    load_all(data_dir)
    before, events = counts(), AuditEvent.objects.count()
    _replace(
        data_dir / "hw_catalog_2021.csv", "感染性废物,In", "感染性废物（改）,In"
    )  # a good change …
    _replace(
        data_dir / "zhejiang_divisions.geojson", '"code":"330602"', '"code":"339999"'
    )  # … and a bad file
    with pytest.raises(ReferenceDataError, match="339999"):
        load_all(data_dir)
    assert counts() == before
    assert AuditEvent.objects.count() == events
    assert WasteCode.objects.get(code="841-001-01").description == "感染性废物"


def test_broken_geojson(data_dir):
    (data_dir / "zhejiang_divisions.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="not valid JSON"):
        load_all(data_dir)
    assert Region.objects.count() == 0


def test_missing_file_is_a_clear_command_error(data_dir):
    (data_dir / "provinces.csv").unlink()
    with pytest.raises(CommandError, match=r"Nothing was loaded\. provinces.csv: file not found"):
        call_command("load_reference_data", data_dir=data_dir)
    assert counts()["WasteCode"] == 0


# --- a future edition as data -------------------------------------------------------------

FUTURE_CATALOGUE = """waste_code,category,category_name,industry_code3,industry_source,description,hazard,pdf_page
900-041-49,HW49,其他废物,900,非特定行业,含有或沾染毒性、感染性危险废物的废弃包装物（新版）,T/In,20
900-249-08,HW08,废矿物油与含矿物油废物,900,非特定行业,其他废矿物油,"T,I",8
321-099-48,HW48,有色金属采选和冶炼废物,321,常用有色金属冶炼,锡冶炼过程中产生的烟尘,T,18
"""
FUTURE_EXEMPTIONS = """seq,category_or_codes,waste,exempt_stage,exempt_condition,exempt_content,pdf_page
1,900-041-49,废弃的含油抹布、劳保用品,全部环节,未分类收集。,全过程不按危险废物管理。,30
2,废矿物油与含矿物油废物,示例：按类别名称豁免,运输,示例条件。,不按危险废物进行运输。,30
"""


def _future_spec(tmp_path: Path) -> EditionSpec:
    (tmp_path / "hw_catalog_2025.csv").write_text(FUTURE_CATALOGUE, encoding="utf-8")
    (tmp_path / "hw_exemption_2025.csv").write_text(FUTURE_EXEMPTIONS, encoding="utf-8")
    import datetime as dt

    return EditionSpec(
        code="2025",
        title="国家危险废物名录（2025年版）",
        decree="令第36号",
        effective_from=dt.date(2025, 1, 1),
        is_current=True,
        catalogue_file=tmp_path / "hw_catalog_2025.csv",
        exemption_file=tmp_path / "hw_exemption_2025.csv",
    )


def test_a_future_edition_loads_from_data(reference_data, tmp_path):
    report = load_edition(_future_spec(tmp_path))
    assert report["waste codes 2025"].created == 3
    new = CatalogueEdition.objects.get(code="2025")
    old = CatalogueEdition.objects.get(code="2021")
    assert new.is_current and not old.is_current
    assert WasteCode.objects.filter(edition=old).count() == 467  # the old edition stays as it was
    assert WasteCode.objects.filter(edition=new).count() == 3
    assert WasteCategory.objects.filter(edition=new).count() == 3
    tin = WasteCode.objects.get(edition=new, code="321-099-48")
    assert tin.category.edition == new
    assert WasteCode.objects.filter(code="900-041-49").count() == 2
    by_name = Exemption.objects.get(edition=new, item=2)
    assert [c.code for c in by_name.categories.all()] == ["HW08"]
    assert by_name.categories.get().edition == new
    # idempotent as well
    assert not load_edition(_future_spec(tmp_path)).changed


def test_a_future_edition_through_editions_csv(data_dir, tmp_path):
    _future_spec(data_dir)
    with (data_dir / "editions.csv").open("a", encoding="utf-8") as f:
        f.write(
            "2025,国家危险废物名录（2025年版）,令第36号,2025-01-01,,1,hw_catalog_2025.csv,hw_exemption_2025.csv,test\n"
        )
    _replace(data_dir / "editions.csv", "2021-01-01,,1,", "2021-01-01,2024-12-31,0,")
    load_all(data_dir)
    assert list(
        CatalogueEdition.objects.filter(is_current=True).values_list("code", flat=True)
    ) == ["2025"]
    assert str(CatalogueEdition.objects.get(code="2021").effective_until) == "2024-12-31"
    assert WasteCode.objects.count() == 470


def test_two_current_editions_are_refused(data_dir):
    _future_spec(data_dir)
    with (data_dir / "editions.csv").open("a", encoding="utf-8") as f:
        f.write(
            "2025,国家危险废物名录（2025年版）,令第36号,2025-01-01,,1,hw_catalog_2025.csv,,test\n"
        )
    with pytest.raises(ReferenceDataError, match="more than one edition is marked current"):
        load_all(data_dir)
    assert CatalogueEdition.objects.count() == 0


def test_a_code_dropped_from_the_file_is_deleted(tmp_path):
    spec = _future_spec(tmp_path)
    load_edition(spec)
    spec.catalogue_file.write_text(FUTURE_CATALOGUE.replace("321-099-48,HW48,有色金属采选和冶炼废物,321,常用有色金属冶炼,锡冶炼过程中产生的烟尘,T,18\n", ""), encoding="utf-8")  # fmt: skip
    report = load_edition(spec)
    assert report["waste codes 2025"].deleted == 1
    assert report["categories 2025"].deleted == 1
    assert not WasteCode.objects.filter(code="321-099-48").exists()
