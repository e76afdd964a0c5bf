"""Ledger import: good files, every bad input named by row and column, all or nothing."""

import io
from decimal import Decimal

import pytest

from wufei.core.errors import Forbidden
from wufei.core.models import AuditEvent, Sequence
from wufei.labels.ident import parse_ident_code
from wufei.ledger import actions
from wufei.ledger.importing import json_rows, read_rows
from wufei.ledger.importing.writer import CONTAINER_COLUMNS, ENTRY_COLUMNS
from wufei.ledger.models import Container, LedgerEntry
from wufei.registry.models import FacilityKind
from wufei.registry.tests.factories import FacilityFactory, member_of

pytestmark = pytest.mark.django_db

HEAD = "stage,time,waste_code,quantity,unit,container_code,package_type,count,facility,method,destination,operator"


def csv_rows(text, encoding="utf-8"):
    return read_rows(io.BytesIO(text.encode(encoding)), "ledger.csv")


def good_csv(p):
    code = p.code.code
    return "\n".join(
        [
            HEAD,
            f"产生,2026-02-01 09:00,{code},0.18,吨,D1,桶,1,,,,张三",
            f"入库,2026-02-01 10:00,{code},0.18,吨,D1,桶,1,TS001,,,李四",
            f"产生,2026-02-01 11:00,{code},150,千克,D2,drum,1,,,,张三",
            "入库,2026-02-02 08:00,,,,D2,,,TS001,,,",
            "出库,2026-02-03 08:00,,,,D2,,,,,转运,",
        ]
    )


def counts():
    return (
        Container.objects.count(),
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
        list(Sequence.objects.order_by("scope").values_list("scope", "last")),
    )


def test_columns_cover_the_models():
    for model, columns in ((Container, CONTAINER_COLUMNS), (LedgerEntry, ENTRY_COLUMNS)):
        expected = {f.column for f in model._meta.concrete_fields if not f.primary_key}
        assert set(columns) == expected


def test_good_file_writes_containers_entries_codes_and_batches(p):
    result = actions.import_ledger(p.user, p.site, csv_rows(good_csv(p)), filename="a.csv")
    assert result.ok, result.errors
    assert (result.total, result.containers, result.entries) == (5, 2, 5)
    d1 = Container.objects.get(internal_name="废机油", weight_tonnes=Decimal("0.18"))
    d2 = Container.objects.get(weight_tonnes=Decimal("0.15"))
    assert d1.status == "stored" and d1.facility == p.storage and d2.status == "out"
    parts = parse_ident_code(d1.ident_code)
    assert parts.uscc == p.org.uscc and parts.sequence == 1
    assert d2.ident_code.endswith("20260201002") and d1.plan_waste == p.line
    e = {x.batch_number: x for x in LedgerEntry.objects.all()}
    assert set(e) == {"HWCS20260201001", "HWCS20260201002", "HWRK20260201001",
                      "HWRK20260202001", "HWCK20260203001"}  # fmt: skip
    assert e["HWRK20260201001"].production_batch == "HWCS20260201001"
    assert e["HWCK20260203001"].storage_batch == "HWRK20260202001"
    assert e["HWCK20260203001"].destination == "转运" and e["HWRK20260201001"].operator == "李四"
    assert e["HWCS20260201001"].recorded_by == p.user
    event = AuditEvent.objects.get(action="ledger.container.import")
    assert sorted(event.after["containers"]) == sorted([d1.ident_code, d2.ident_code])
    # the store-in after the import continues the numbering
    assert Sequence.objects.get(scope=f"ledger:{p.org.pk}:HWCS:20260201").last == 2


def test_self_treatment_takes_the_container_out_first(p, reference_data):
    from wufei.catalog.models import TreatmentMethod

    own = FacilityFactory(site=p.site, code="RJ01", kind=FacilityKind.DISPOSAL)
    own.methods.add(TreatmentMethod.objects.get(code="D10"))
    text = good_csv(p) + "\n自行利用处置,2026-02-05 08:00,,,,D1,,,RJ01,D10,,"
    result = actions.import_ledger(p.user, p.site, csv_rows(text))
    assert result.ok, result.errors
    d1 = Container.objects.get(weight_tonnes=Decimal("0.18"))
    kinds = list(d1.entries.order_by("at", "pk").values_list("kind", "batch_number"))
    assert kinds[-2:] == [("stored_out", "HWCK20260205001"), ("self_treated", "HWZXCZ20260205001")]
    assert d1.status == "self_treated"


BAD = [
    ("产生,2026-02-01 09:00,123,0.18,吨,D9,桶,1,,,,", "waste_code", "ledger.waste_code_unknown"),
    ("产生,2026-02-01 09:00,900-041-49,0.18,吨,D9,桶,1,,,,", "waste_code", "ledger.not_in_plan"),
    ("产生,2026-04-01 09:00,{code},0.18,吨,D9,桶,1,,,,", "time", "ledger.import_future"),
    ("产生,02/01/2026,{code},0.18,吨,D9,桶,1,,,,", "time", "ledger.import_time"),
    ("产生,2026-02-01 09:00,{code},9,吨,D9,桶,1,,,,", "quantity", "ledger.weight_implausible"),
    ("产生,2026-02-01 09:00,{code},-0.1,吨,D9,桶,1,,,,", "quantity", "ledger.import_reversal"),
    ("产生,2026-02-01 09:00,{code},0.1,磅,D9,桶,1,,,,", "unit", "ledger.import_unit"),
    ("产生,2026-02-01 09:00,{code},0.1,吨,D9,缸,1,,,,", "package_type", "ledger.import_package"),
    ("产生,2026-02-01 09:00,{code},0.1,吨,D9,桶,0,,,,", "count", "ledger.count_invalid"),
    (
        "产生,2026-02-01 12:00,{code},0.1,吨,D1,桶,1,,,,",
        "container_code",
        "ledger.import_duplicate",
    ),
    ("入库,2026-02-01 12:00,,,,D1,,,TS001,,,", "container_code", "ledger.not_storable"),
    (
        "入库,2026-02-01 12:00,,,,D77,,,TS001,,,",
        "container_code",
        "ledger.import_unknown_container",
    ),
    ("入库,2026-02-01 12:00,,,,D2,,,NOPE,,,", "facility", "ledger.facility_unknown"),
    ("入库,2026-02-01 12:00,,,,D2,,,RJ01,,,", "facility", "ledger.facility_kind"),
    ("入库,2026-02-01 12:00,,0.2,吨,D2,,,TS001,,,", "quantity", "ledger.import_quantity"),
    ("入库,2026-02-01 08:00,,,,D2,,,TS001,,,", "time", "ledger.import_order"),
    ("出库,2026-02-01 12:00,,,,D2,,,,,转运,", "container_code", "ledger.not_stored"),
    ("出库,2026-02-04 12:00,,,,D2,,,,,,", "destination", "ledger.import_required"),
    ("自行利用处置,2026-02-05 12:00,,,,D2,,,RJ01,X99,,", "method", "ledger.method_unknown"),
    ("报废,2026-02-05 12:00,,,,D2,,,,,,", "stage", "ledger.import_stage"),
]


@pytest.mark.parametrize(("line", "field", "code"), BAD)
def test_one_bad_row_imports_nothing_and_names_row_and_column(p, reference_data, line, field, code):
    FacilityFactory(site=p.site, code="RJ01", kind=FacilityKind.DISPOSAL)
    before = counts()
    text = good_csv(p) + "\n" + line.format(code=p.code.code)
    result = actions.import_ledger(p.user, p.site, csv_rows(text))
    assert not result.ok
    assert [(e.row, e.field, e.code) for e in result.errors] == [(7, field, code)]
    assert result.errors[0].message
    assert counts() == before


def test_english_message_is_translated_to_chinese(p):
    from django.utils import translation

    with translation.override("zh-hans"):
        result = actions.import_ledger(
            p.user, p.site, csv_rows(HEAD + "\n产生,2026-02-01 09:00,123,0.18,吨,D9,桶,1,,,,")
        )
    assert result.errors[0].column == "waste_code"
    assert "名录" in result.errors[0].message or "废物代码" in result.errors[0].message


def test_gb18030_csv_with_chinese_headers_of_table_b1(p):
    head = "产生批次编码,产生时间,废物名称（俗称）,名录名称,废物类别,废物代码,产生量,计量单位,容器/包装编码,容器/包装类型,容器/包装数量,产生设施编码,产生部门经办人,去向,备注"
    row = f"X1,2026-02-10 09:00,废机油,,HW08,{p.code.code},0.2,吨,B7,桶,1,,王五,贮存,外部系统"
    result = actions.import_ledger(p.user, p.site, csv_rows(head + "\n" + row, "gb18030"))
    assert result.ok, result.errors
    entry = LedgerEntry.objects.get()
    assert entry.operator == "王五" and entry.reason == "外部系统" and entry.kind == "produced"


def test_existing_container_is_stored_in_from_the_file(p):
    c = actions.produce_container(
        p.user, p.site, waste_code=p.code.code, package_type="drum", volume_litres="200",
        weight_tonnes="0.1",
    ).container  # fmt: skip
    text = HEAD + f"\n入库,2026-03-02 09:30,,,,{c.ident_code},,,TS001,,,"
    result = actions.import_ledger(p.user, p.site, csv_rows(text))
    assert result.ok, result.errors
    c.refresh_from_db()
    assert c.status == "stored" and c.version == 3
    stored = c.entries.get(kind="stored_in")
    assert stored.production_batch == c.entries.get(kind="produced").batch_number
    again = actions.import_ledger(p.user, p.site, csv_rows(text))
    assert again.errors[0].code == "ledger.not_storable"


def test_json_rows_and_permission(p):
    rows = [{"stage": "produced", "time": "2026-02-01T09:00:00+08:00", "waste_code": p.code.code,
             "quantity": "0.1", "package_type": "drum", "container_code": "J1"}]  # fmt: skip
    assert actions.import_ledger(p.user, p.site, json_rows(rows)).containers == 1
    reader = member_of(p.org, role="reader")
    with pytest.raises(Forbidden):
        actions.import_ledger(reader, p.site, json_rows(rows))


def test_odd_values_are_reported_by_row_and_column(p):
    """The per-import caches take no shortcut: an ISO week date, a list where a text is
    expected, and a repeated bad value are each reported on their row."""
    base = {"stage": "produced", "time": "2026-02-01 09:00", "waste_code": p.code.code,
            "quantity": "0.1", "package_type": "drum"}  # fmt: skip
    rows = [
        base | {"time": "2026-W05-1 09:00", "container_code": "J1"},
        base | {"stage": ["produced"], "container_code": "J2"},
        base | {"package_type": ["drum"], "container_code": "J3"},
        base | {"package_type": "缸", "container_code": "J4"},
        base | {"package_type": "缸", "container_code": "J5"},
    ]
    result = actions.import_ledger(p.user, p.site, json_rows(rows))
    assert [(e.row, e.field, e.code) for e in result.errors] == [
        (1, "time", "ledger.import_time"),
        (2, "stage", "ledger.import_stage"),
        (3, "package_type", "ledger.import_package"),
        (4, "package_type", "ledger.import_package"),
        (5, "package_type", "ledger.import_package"),
    ]
