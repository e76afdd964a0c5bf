"""The fold (汇总任务): ledger entries and receipts into the running aggregates.

``fold()`` adds what happened since its watermark to :class:`DailyFlow`, :class:`MonthlyFlow`
and :class:`ProducerYear` (one transaction per batch: the rows and the watermark move
together, so a crash or a second run never counts twice):

- ledger entries (``LedgerEntry``, append-only) by id: ``produced`` → *generated*,
  ``self_treated`` → *utilised on site* (a utilisation method) or *disposed on site*,
  ``shipped`` → *sent out*; a ``reversal`` subtracts from the flow and day of the entry it
  cancels. The day is the entry's local day (Asia/Shanghai), the county the site's.
- receipts (``Manifest.received_at``, ``ManifestLine.accepted_tonnes`` and
  ``received_method``) by (received_at, id): *received* in the destination county and
  *sent_treated* in the origin county (the producer's side of what the receiver did with it;
  ``manifests`` counts each received manifest once, on its first line).

Rows younger than ``WUFEI_ANALYTICS_FOLD_LAG`` seconds (default 120) wait for the next run,
so a transaction that committed late with a lower id is not skipped. A revision of a receipt
after it was folded is picked up by ``rebuild()`` (``manage.py analytics rebuild``).
Landfill is decided in one place: :data:`LANDFILL_METHODS`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .aggregates import UTILISATION_KIND, codes_of, normalise
from .models import DailyFlow, Flow, FoldState, MonthlyFlow, ProducerYear

BATCH = 20_000
KEY = ("county_code", "waste_code", "flow", "method")
ADD = ("tonnes", "manifests", "entries")


def _lag() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "WUFEI_ANALYTICS_FOLD_LAG", 120)))


def _state(name: str) -> FoldState:
    FoldState.objects.get_or_create(name=name)
    return FoldState.objects.select_for_update().get(name=name)


def _upsert(model: Any, key: tuple[str, ...], rows: list[dict[str, Any]], add: tuple[str, ...]):
    """INSERT … ON CONFLICT (key) DO UPDATE SET col = col + excluded.col (SQLite and PostgreSQL)."""
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    cols = list(rows[0])
    # Table and column names come from the model's _meta; the values are parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in key)}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in add)
    )
    with connection.cursor() as cur:
        cur.executemany(sql, [[r[c] for c in cols] for r in rows])


class _Deltas:
    """Tonnes, manifests and records to add, per daily key; rolled up to months on write."""

    def __init__(self) -> None:
        self.daily: dict[tuple[Any, ...], list[Any]] = defaultdict(
            lambda: [Decimal(0), 0, 0, False, ""]
        )
        self.producers: dict[tuple[int, int], dict[str, Any]] = {}
        self.years: set[int] = set()

    def add(
        self,
        day: dt.date,
        county: str,
        hazardous: bool,
        category: str,
        code: str,
        flow: str,
        method: str,
        tonnes: Decimal,
        manifests: int = 0,
        entries: int = 0,
    ) -> None:
        row = self.daily[(day, normalise(county), code, flow, method or "")]
        row[0] += tonnes
        row[1] += manifests
        row[2] += entries
        row[3], row[4] = hazardous, category
        self.years.add(day.year)

    def producer(self, org_id: int, year: int, county: str, **add: Any) -> None:
        row = self.producers.setdefault(
            (org_id, year),
            {
                "hw_generated_t": Decimal(0),
                "gw_generated_t": Decimal(0),
                "hw_entries": 0,
                "hw_shipments": 0,
                "shipments_off_manifest": 0,
                "county": county,
            },
        )
        for k, v in add.items():
            row[k] += v

    def write(self) -> None:
        monthly: dict[tuple[Any, ...], list[Any]] = defaultdict(
            lambda: [Decimal(0), 0, 0, False, ""]
        )
        daily_rows = []
        for (day, county, code, flow, method), (t, m, e, hz, cat) in self.daily.items():
            c, ci, p = codes_of(county)
            base = {
                "county_code": c,
                "city_code": ci,
                "province_code": p,
                "hazardous": hz,
                "category": cat,
                "waste_code": code,
                "flow": flow,
                "method": method,
                "tonnes": t,
                "manifests": m,
                "entries": e,
            }
            daily_rows.append({"day": day, **base})
            mrow = monthly[(day.replace(day=1), county, code, flow, method)]
            mrow[0] += t
            mrow[1] += m
            mrow[2] += e
            mrow[3], mrow[4] = hz, cat
        month_rows = []
        for (month, county, code, flow, method), (t, m, e, hz, cat) in monthly.items():
            c, ci, p = codes_of(county)
            month_rows.append(
                {
                    "month": month,
                    "county_code": c,
                    "city_code": ci,
                    "province_code": p,
                    "hazardous": hz,
                    "category": cat,
                    "waste_code": code,
                    "flow": flow,
                    "method": method,
                    "tonnes": t,
                    "manifests": m,
                    "entries": e,
                }
            )
        _upsert(DailyFlow, ("day", *KEY), daily_rows, ADD)
        _upsert(MonthlyFlow, ("month", *KEY), month_rows, ADD)
        prod_rows = []
        for (org, year), r in self.producers.items():
            c, ci, p = codes_of(r.pop("county"))
            prod_rows.append(
                {
                    "organization_id": org,
                    "year": year,
                    "county_code": c,
                    "city_code": ci,
                    "province_code": p,
                    "registered": False,
                    "has_filed_plan": False,
                    **r,
                }
            )
        _upsert(
            ProducerYear,
            ("organization_id", "year"),
            prod_rows,
            (
                "hw_generated_t",
                "gw_generated_t",
                "hw_entries",
                "hw_shipments",
                "shipments_off_manifest",
            ),
        )


def _code(hazardous: bool, waste_code: str | None, category: str | None, sw: str | None):
    if hazardous:
        return waste_code or "", category or ""
    return sw or "", sw or ""


_ENTRY_FIELDS = (
    "id",
    "kind",
    "at",
    "quantity_tonnes",
    "organization_id",
    "organization__region__code",
    "manifest_number",
    "site__region__code",
    "container__kind",
    "container__waste_code__code",
    "container__waste_code__category__code",
    "container__general_category__code_2021",
    "method__code",
    "method__kind",
    "reversal_of__kind",
    "reversal_of__at",
    "reversal_of__method__code",
    "reversal_of__method__kind",
    "reversal_of__manifest_number",
)


def _fold_entries(rows: list[dict[str, Any]], d: _Deltas) -> None:
    from wufei.manifests.models import Manifest

    numbers = {r["manifest_number"] or r["reversal_of__manifest_number"] for r in rows}
    numbers.discard("")
    numbers.discard(None)
    paper = set(
        Manifest.objects.filter(number__in=numbers, is_paper=True).values_list("number", flat=True)
    )
    for r in rows:
        kind, at, method, mkind, number, sign = (
            r["kind"],
            r["at"],
            r["method__code"],
            r["method__kind"],
            r["manifest_number"],
            1,
        )
        if kind == "reversal":
            if not r["reversal_of__kind"]:
                continue
            kind, at = r["reversal_of__kind"], r["reversal_of__at"]
            method, mkind = r["reversal_of__method__code"], r["reversal_of__method__kind"]
            number, sign = r["reversal_of__manifest_number"], -1
        if kind == "produced":
            flow = Flow.GENERATED
            method = ""
        elif kind == "self_treated":
            flow = Flow.UTILISED_ON_SITE if mkind == UTILISATION_KIND else Flow.DISPOSED_ON_SITE
        elif kind == "shipped":
            flow = Flow.SENT_OUT
        else:
            continue
        hazardous = r["container__kind"] == "hazardous"
        code, category = _code(
            hazardous,
            r["container__waste_code__code"],
            r["container__waste_code__category__code"],
            r["container__general_category__code_2021"],
        )
        day = timezone.localtime(at).date()
        d.add(
            day,
            r["site__region__code"],
            hazardous,
            category,
            code,
            flow,
            method or "",
            r["quantity_tonnes"],
            entries=sign,
        )
        county = r["organization__region__code"]
        if kind == "produced":
            key = "hw_generated_t" if hazardous else "gw_generated_t"
            extra = {"hw_entries": sign} if hazardous else {}
            d.producer(
                r["organization_id"], day.year, county, **{key: r["quantity_tonnes"]}, **extra
            )
        elif hazardous:
            off = kind == "shipped" and (not number or number in paper)
            d.producer(
                r["organization_id"],
                day.year,
                county,
                hw_entries=sign,
                hw_shipments=sign if kind == "shipped" else 0,
                shipments_off_manifest=sign if off else 0,
            )


def fold_ledger(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Fold ledger entries past the watermark; returns how many were read."""
    from wufei.ledger.models import LedgerEntry

    until = (now or timezone.now()) - _lag()
    total = 0
    while True:
        with transaction.atomic():
            state = _state("ledger")
            rows = list(
                LedgerEntry.objects.filter(id__gt=state.last_id, created_at__lte=until)
                .order_by("id")
                .values(*_ENTRY_FIELDS)[:batch]
            )
            if not rows:
                return total
            d = _Deltas()
            _fold_entries(rows, d)
            d.write()
            state.last_id = rows[-1]["id"]
            state.save()
            refresh_producers(d.years)
        total += len(rows)


def fold_receipts(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Fold manifest receipts past the watermark; returns how many manifests were read."""
    from wufei.manifests.models import Manifest, ManifestLine

    until = (now or timezone.now()) - _lag()
    total = 0
    while True:
        with transaction.atomic():
            state = _state("receipts")
            qs = Manifest.objects.filter(received_at__isnull=False, received_at__lte=until)
            if state.last_at is not None:
                qs = qs.filter(
                    Q(received_at__gt=state.last_at)
                    | Q(received_at=state.last_at, id__gt=state.last_id)
                )
            heads = list(qs.order_by("received_at", "id").values("id", "received_at")[:batch])
            if not heads:
                return total
            d = _Deltas()
            lines = (
                ManifestLine.objects.filter(manifest_id__in=[h["id"] for h in heads])
                .exclude(manifest__status="cancelled")
                .order_by("manifest_id", "position")
                .values(
                    "manifest_id",
                    "accepted_tonnes",
                    "received_method__code",
                    "method__code",
                    "waste_code__code",
                    "waste_code__category__code",
                    "general_category__code_2021",
                    "manifest__received_at",
                    "manifest__origin_region__code",
                    "manifest__destination_region__code",
                )
            )
            seen: set[int] = set()
            for ln in lines:
                tonnes = ln["accepted_tonnes"]
                if not tonnes:
                    continue
                first = ln["manifest_id"] not in seen
                seen.add(ln["manifest_id"])
                hazardous = ln["waste_code__code"] is not None
                code, category = _code(
                    hazardous,
                    ln["waste_code__code"],
                    ln["waste_code__category__code"],
                    ln["general_category__code_2021"],
                )
                method = ln["received_method__code"] or ln["method__code"] or ""
                day = timezone.localtime(ln["manifest__received_at"]).date()
                n = 1 if first else 0
                args = (hazardous, category, code)
                d.add(
                    day,
                    ln["manifest__destination_region__code"],
                    *args,
                    Flow.RECEIVED,
                    method,
                    tonnes,
                    n,
                    1,
                )
                d.add(
                    day,
                    ln["manifest__origin_region__code"],
                    *args,
                    Flow.SENT_TREATED,
                    method,
                    tonnes,
                    n,
                    1,
                )
            d.write()
            state.last_at, state.last_id = heads[-1]["received_at"], heads[-1]["id"]
            state.save()
        total += len(heads)


def refresh_producers(years: Iterable[int]) -> None:
    """Make sure every registered hazardous-waste producer has its row for ``years`` and set
    the registered / plan-filed flags (a plan filed after the entries still counts)."""
    from wufei.plans.models import ManagementPlan
    from wufei.registry.models import Organization

    registered = Organization.objects.filter(is_producer=True, is_active=True).exclude(
        management_class=""
    )
    for year in sorted(set(years)):
        existing = set(
            ProducerYear.objects.filter(year=year).values_list("organization_id", flat=True)
        )
        new = []
        for org_id, code in registered.values_list("id", "region__code"):
            if org_id not in existing:
                c, ci, p = codes_of(code)
                new.append(
                    ProducerYear(
                        organization_id=org_id,
                        year=year,
                        county_code=c,
                        city_code=ci,
                        province_code=p,
                    )
                )
        ProducerYear.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        rows = ProducerYear.objects.filter(year=year)
        reg_ids = registered.values("id")
        rows.filter(organization_id__in=reg_ids).exclude(registered=True).update(registered=True)
        rows.exclude(organization_id__in=reg_ids).filter(registered=True).update(registered=False)
        filed = ManagementPlan.objects.filter(year=year, status="filed").values(
            "site__organization_id"
        )
        rows.filter(organization_id__in=filed).exclude(has_filed_plan=True).update(
            has_filed_plan=True
        )
        rows.exclude(organization_id__in=filed).filter(has_filed_plan=True).update(
            has_filed_plan=False
        )


def fold(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One run of the task: ledger, receipts, and this year's producer flags."""
    out = {"ledger": fold_ledger(now=now), "receipts": fold_receipts(now=now)}
    with transaction.atomic():
        refresh_producers([timezone.localdate().year])
    return out


def rebuild(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Throw the aggregates away and fold everything again from the raw rows."""
    with transaction.atomic():
        for name in ("ledger", "receipts"):
            _state(name)
        FoldState.objects.all().update(last_id=0, last_at=None)
        DailyFlow.objects.all().delete()
        MonthlyFlow.objects.all().delete()
        ProducerYear.objects.all().delete()
    return fold(now=now)
