"""Export → import: Tables B.1–B.4 exported from one organisation's ledger import into another
organisation's site with the same counts and quantities; the command's --report CSV."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from wufei.catalog.models import TreatmentMethod
from wufei.ledger import actions
from wufei.ledger.importing import read_rows
from wufei.ledger.models import Container, LedgerEntry
from wufei.plans.tests.clock import SHANGHAI, frozen
from wufei.plans.tests.factories import PlanWasteFactory
from wufei.registry.models import FacilityKind
from wufei.registry.tests.factories import FacilityFactory

from .factories import producer_setup

pytestmark = pytest.mark.django_db

DRUM = {"package_type": "drum", "volume_litres": "200"}


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 2, day, hour, 0, tzinfo=SHANGHAI)


def disposal(site):
    own = FacilityFactory(site=site, code="RJ01", kind=FacilityKind.DISPOSAL)
    own.methods.add(TreatmentMethod.objects.get(code="D10"))
    return own


def a_ledger(p):
    """Five containers: stored, stored then out, treated from storage, coded only, and a
    second waste code stored."""
    own = disposal(p.site)
    second = PlanWasteFactory(plan=p.plan, internal_name="废活性炭", storage_facility=p.storage)
    made = []
    for i, (weight, code) in enumerate(
        [
            ("0.18", p.code),
            ("0.2", p.code),
            ("0.15", p.code),
            ("0.1", p.code),
            ("0.05", second.waste_code),
        ]  # fmt: skip
    ):
        with frozen(at(2 + i, 9)):
            made.append(
                actions.produce_container(
                    p.user,
                    p.site,
                    waste_code=code,
                    weight_tonnes=weight,
                    facility=None if i == 3 else p.storage,
                    operator="张三",
                    **DRUM,
                ).container  # fmt: skip
            )
    with frozen(at(10, 9)):
        actions.store_out(p.user, made[1], destination="转运", operator="李四")
    with frozen(at(11, 9)):
        actions.self_treat(p.user, made[2], own, "D10", operator="王五")
    return second


def summary(org):
    entries = LedgerEntry.objects.filter(organization=org)
    by_kind = {
        row["kind"]: (row["n"], row["t"])
        for row in entries.values("kind")
        .annotate(n=Count("pk"), t=Sum("quantity_tonnes"))
        .order_by("kind")
    }
    containers = Container.objects.filter(organization=org)
    return (
        containers.count(),
        sorted(containers.values_list("status", "weight_tonnes", "waste_code__code")),
        by_kind,
    )


def export(client, user) -> bytes:
    client.force_login(user)
    r = client.get("/ledger/entries/?export=xlsx")
    assert r.status_code == 200
    return r.content


def test_export_then_import_into_another_organisation(client, p, reference_data):
    second = a_ledger(p)
    data = export(client, p.user)
    b = producer_setup(2026)
    disposal(b.site)
    for line in (p.line, second):
        PlanWasteFactory(plan=b.plan, waste_code=line.waste_code, storage_facility=b.storage)
    result = actions.import_ledger(
        b.user, b.site, read_rows(io.BytesIO(data), "hj1259.xlsx"), filename="hj1259.xlsx"
    )
    assert result.ok, [e.as_dict() for e in result.errors]
    assert (result.containers, result.entries) == (5, 5 + 4 + 2 + 1)
    assert summary(b.org) == summary(p.org)
    assert Container.objects.filter(organization=b.org).aggregate(t=Sum("weight_tonnes"))[
        "t"
    ] == Decimal("0.68")
    # the new codes are the importing organisation's
    assert all(c.ident_code.startswith(b.org.uscc) for c in Container.objects.filter(site=b.site))
    # the export imported back into its own organisation is refused, nothing written
    before = summary(p.org)
    again = actions.import_ledger(p.user, p.site, read_rows(io.BytesIO(data), "hj1259.xlsx"))
    assert not again.ok and summary(p.org) == before
    assert {e.code for e in again.errors} >= {"ledger.import_duplicate"}


def test_command_writes_the_report_csv(p, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(
        "stage,time,waste_code,quantity,unit,container_code,package_type,count,facility\n"
        f"产生,2026-02-01 09:00,{p.code.code},0.18,吨,D1,桶,1,\n"
        "产生,2026-02-01 09:00,123,0.18,吨,D2,桶,1,\n"
        "入库,2026-02-01 10:00,,,,D1,,,NOPE\n",
        encoding="utf-8",
    )
    report = tmp_path / "errors.csv"
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "import_ledger", str(path), site=str(p.site.pk), user=p.user.username,
            report=str(report), no_progress=True, stdout=out,
        )  # fmt: skip
    rows = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert rows[0] == ["Sheet", "Row", "Column", "Problem", "Value"]
    assert [(r[1], r[2]) for r in rows[1:]] == [("3", "waste_code"), ("4", "facility")]
    assert rows[2][4] == "NOPE" and "NOPE" in rows[2][3]
    assert Container.objects.count() == 0
    path.write_text(path.read_text().splitlines()[0] + "\n" + path.read_text().splitlines()[1])
    call_command(
        "import_ledger", str(path), site=str(p.site.pk), user=p.user.username,
        no_progress=True, stdout=out,
    )  # fmt: skip
    assert "1 container" in out.getvalue() and Container.objects.count() == 1
