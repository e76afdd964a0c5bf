"""The dashboards' data, their tables, and the annual plan-implementation report (规划实施进展).

:func:`dashboard_data` gathers what one region's page shows (JSON-serialisable) from the public
functions of ``indicators``, ``aggregates`` and ``capacity`` plus the warnings and cases of
the supervision app; :func:`tables` turns it into the page's tables (each with an id, the one
the Excel download takes); :func:`table_workbook` writes one table as Excel,
:func:`report_workbook` the whole report (one sheet per table) and :mod:`.report_pdf` draws
the PDF. See docs/dashboards.md.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from wufei.catalog.models import Region
from wufei.supervision.models import Case, CaseStatus, Severity, Warning, WarningStatus

from . import aggregates, capacity, indicators

TABLE_IDS = (
    "indicators",
    "trend",
    "children",
    "composition",
    "warnings",
    "cases",
    "producers",
    "loads",
)
STATUS_TEXT = {"green": "达标", "amber": "接近", "red": "未达标", "none": "无数据"}
#: Short Chinese names for chart legends and narrow table columns (the report is Chinese).
SHORT_NAMES = {
    "intensity": "产生强度",
    "general_utilisation_rate": "综合利用率",
    "hw_landfill_share": "危废填埋占比",
    "full_process_coverage": "信息化覆盖率",
    "zero_waste_index": "无废指数",
    "illegal_dumping_rate": "非法倾倒率",
    "rectification_rate": "隐患整改率",
}


# --- the data ---------------------------------------------------------------------------------


def _indicator_dict(v: indicators.IndicatorValue, year: int) -> dict[str, Any]:
    return {
        "code": v.code,
        "name": v.name,
        "short": SHORT_NAMES.get(v.code, v.name),
        "unit": v.unit,
        "value": v.value,
        "target_2027": v.target_2027,
        "target_2030": v.target_2030,
        "target": v.target_2027 if year <= 2027 else v.target_2030,
        "status": v.status,
        "sources": v.sources,
    }


def _trends(region: Region, year: int, codes: list[str]) -> dict[str, list[float | None]]:
    """Each indicator month by month (one ``compute`` a month; months to come stay empty)."""
    today = timezone.localdate()
    series: dict[str, list[float | None]] = {c: [] for c in codes}
    for month in range(1, 13):
        values: dict[str, float | None] = {}
        if dt.date(year, month, 1) <= today:
            values = {v.code: v.value for v in indicators.compute(region.code, year, month=month)}
        for c in codes:
            series[c].append(values.get(c))
    return series


def _warnings(region: Region, year: int) -> dict[str, Any]:
    inside = Warning.objects.filter(region__prefix__startswith=region.prefix)
    counts: dict[str, dict[str, int]] = {
        s: dict.fromkeys(WarningStatus.values, 0) for s in Severity
    }
    for row in (
        inside.filter(raised_at__year=year).values("severity", "status").annotate(n=Count("id"))
    ):
        counts.setdefault(row["severity"], {})[row["status"]] = row["n"]
    still_open = inside.exclude(status__in=(WarningStatus.CLOSED, WarningStatus.DISMISSED))
    return {
        "severities": [{"code": c, "label": str(label)} for c, label in Severity.choices],
        "statuses": [{"code": c, "label": str(label)} for c, label in WarningStatus.choices],
        "counts": counts,
        "raised": sum(sum(by.values()) for by in counts.values()),
        "open": still_open.count(),
    }


def _cases(region: Region, year: int) -> dict[str, Any]:
    counts = dict.fromkeys(CaseStatus.values, 0)
    for row in (
        Case.objects.filter(region__prefix__startswith=region.prefix, opened_at__year=year)
        .values("status")
        .annotate(n=Count("id"))
    ):
        counts[row["status"]] = row["n"]
    return {
        "statuses": [{"code": c, "label": str(label)} for c, label in CaseStatus.choices],
        "counts": counts,
        "total": sum(counts.values()),
    }


def dashboard_data(region: Region, year: int) -> dict[str, Any]:
    """Everything one region's dashboard shows for ``year`` (JSON-serialisable)."""
    values = indicators.compute(region.code, year)
    codes = [v.code for v in values]
    trend = _trends(region, year, codes)
    names = dict(
        Region.objects.filter(prefix__startswith=region.prefix).values_list("code", "name")
    )
    producers = [
        {**r, "region": names.get(r.get("region_code") or "", r.get("region_code") or "")}
        for r in aggregates.top_producers(region.code, year, n=10)
    ]
    loads = [
        {**r, "region": names.get(r["region_code"], r["region_code"])}
        for r in capacity.facility_loads(region.code, year)
    ]
    loads.sort(key=lambda r: (-(r["load_rate"] or 0), r["facility"], r["category"]))
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "year": year,
        "indicators": [_indicator_dict(v, year) for v in values],
        "trends": {
            "months": list(range(1, 13)),
            "series": [
                {
                    "code": v.code,
                    "name": v.name,
                    "short": SHORT_NAMES.get(v.code, v.name),
                    "unit": v.unit,
                    "values": trend[v.code],
                }
                for v in values
            ],
        },
        "composition": aggregates.composition(region.code, year),
        "children": aggregates.by_child_region(region.code, year),
        "warnings": _warnings(region, year),
        "cases": _cases(region, year),
        "producers": producers,
        "loads": loads,
    }


# --- tables -----------------------------------------------------------------------------------


@dataclass
class Column:
    label: str
    kind: str = (
        "text"  # text, t (tonnes), num, int, pct (already ×100), rate (0..1), status, region
    )


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def cells(self) -> list[list[tuple[Any, str]]]:
        kinds = [c.kind for c in self.columns]
        return [list(zip(row, kinds, strict=True)) for row in self.rows]


def _t(label: str) -> Column:
    return Column(label, "t")


def tables(data: dict[str, Any]) -> dict[str, Table]:
    """The dashboard's tables by id (the page, the Excel downloads and the report use them)."""
    ind = data["indicators"]
    out: dict[str, Table] = {}
    out["indicators"] = Table(
        "indicators",
        _("Plan indicators"),
        [
            Column(_("Indicator")),
            Column(_("Current value"), "num"),
            Column(_("Unit")),
            Column(_("Target 2027"), "num"),
            Column(_("Target 2030"), "num"),
            Column(_("Status"), "status"),
            Column(_("Data sources")),
        ],
        [
            [i["name"], i["value"], i["unit"], i["target_2027"], i["target_2030"], i["status"],
             i["sources"]]
            for i in ind
        ],
    )  # fmt: skip
    series = data["trends"]["series"]
    out["trend"] = Table(
        "trend",
        _("Indicators by month"),
        [Column(_("Month"), "int")] + [Column(s["name"], "num") for s in series],
        [[m] + [s["values"][k] for s in series] for k, m in enumerate(data["trends"]["months"])],
    )
    codes = [i["code"] for i in ind]
    out["children"] = Table(
        "children",
        _("Subordinate regions"),
        [
            Column(_("Region"), "region"),
            _t(_("Generated (t)")),
            _t(_("Hazardous (t)")),
            _t(_("General (t)")),
            _t(_("Utilised (t)")),
            _t(_("Disposed (t)")),
            _t(_("Landfilled (t)")),
        ]
        + [Column(i["name"], "num") for i in ind],
        [
            [{"code": c["region_code"], "name": c["name"]}]
            + [c.get(k, 0.0) for k in ("generated_t", "hazardous_t", "general_t")]
            + [c.get(k, 0.0) for k in ("utilised_t", "disposed_t", "landfilled_t")]
            + [c.get("indicators", {}).get(code) for code in codes]
            for c in data["children"]
        ],
    )
    out["composition"] = Table(
        "composition",
        _("Composition by category"),
        [
            Column(_("Category")),
            Column(_("Name")),
            Column(_("Hazardous")),
            _t(_("Generated (t)")),
            _t(_("Utilised (t)")),
            _t(_("Disposed (t)")),
            _t(_("Landfilled (t)")),
        ],
        [
            [r["category"], r["name"], _("yes") if r["hazardous"] else _("no"), r["generated_t"],
             r["utilised_t"], r["disposed_t"], r["landfilled_t"]]
            for r in data["composition"]
        ],
    )  # fmt: skip
    w = data["warnings"]
    out["warnings"] = Table(
        "warnings",
        _("Warnings raised this year by severity and status"),
        [Column(_("Severity"))]
        + [Column(s["label"], "int") for s in w["statuses"]]
        + [Column(_("Total"), "int")],
        [
            [s["label"]]
            + [w["counts"].get(s["code"], {}).get(st["code"], 0) for st in w["statuses"]]
            + [sum(w["counts"].get(s["code"], {}).values())]
            for s in w["severities"]
        ],
    )
    c = data["cases"]
    out["cases"] = Table(
        "cases",
        _("Cases opened this year"),
        [Column(_("Status")), Column(_("Cases"), "int")],
        [[s["label"], c["counts"].get(s["code"], 0)] for s in c["statuses"]]
        + [[_("Total"), c["total"]]],
    )
    out["producers"] = Table(
        "producers",
        _("Top producers"),
        [
            Column(_("Enterprise")),
            Column(_("Region")),
            _t(_("Hazardous (t)")),
            _t(_("General (t)")),
            Column(_("Shipments"), "int"),
            Column(_("Shipments without a manifest"), "int"),
        ],
        [
            [p.get("name", ""), p.get("region", ""), p.get("hazardous_t"), p.get("general_t"),
             p.get("shipments"), p.get("shipments_off_manifest")]
            for p in data["producers"]
        ],
    )  # fmt: skip
    out["loads"] = Table(
        "loads",
        _("Facility loads"),
        [
            Column(_("Permit")),
            Column(_("Operating unit")),
            Column(_("Region")),
            Column(_("Category")),
            _t(_("Permitted (t)")),
            _t(_("Received (t)")),
            Column(_("Load rate"), "rate"),
        ],
        [
            [r["facility"], r["operator"], r["region"], r["category"], r["permitted_t"],
             r["received_t"], r["load_rate"]]
            for r in data["loads"]
        ],
    )  # fmt: skip
    return out


# --- Excel ------------------------------------------------------------------------------------

HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E8EEF4")
FORMATS = {"t": "#,##0.00", "rate": "0.0%", "int": "0", "num": "General"}


def _cell(value: Any, kind: str) -> Any:
    if kind == "region" and isinstance(value, dict):
        return value["name"]
    if kind == "status":
        return STATUS_TEXT.get(value, value)
    return value


def _sheet_title(text: str, taken: set[str]) -> str:
    title = "".join(ch for ch in text if ch not in "[]:*?/\\")[:28] or "sheet"
    base, n = title, 2
    while title in taken:
        title, n = f"{base[:26]}{n}", n + 1
    taken.add(title)
    return title


def _write(ws: Any, table: Table, caption: str) -> None:
    ws.append([caption])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([c.label for c in table.columns])
    for cell in ws[2]:
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
    for row in table.rows:
        ws.append([_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    for i, col in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        fmt = FORMATS.get(col.kind)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                cell.number_format = fmt
        width = max([len(str(col.label))] + [len(str(r[i - 1] or "")) for r in table.rows[:200]])
        ws.column_dimensions[letter].width = min(max(10, width * 1.6), 60)
    ws.freeze_panes = "A3"


def _bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_workbook(table: Table, region: Region, year: int) -> bytes:
    """One dashboard table as an .xlsx: a caption row, a header row, the rows."""
    wb = Workbook()
    ws = wb.create_sheet(_sheet_title(table.title, set()))
    wb.remove(wb.worksheets[0])
    _write(ws, table, f"{region.name} {year} · {table.title}")
    return _bytes(wb)


def report_workbook(data: dict[str, Any], region: Region, year: int) -> bytes:
    """The annual report as an .xlsx: one sheet per table, in the page's order."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    taken: set[str] = set()
    for table in tables(data).values():
        ws = wb.create_sheet(_sheet_title(table.title, taken))
        _write(ws, table, f"{region.name} {year} 年规划实施进展 · {table.title}")
    return _bytes(wb)


def report_pdf(data: dict[str, Any], region: Region, year: int) -> bytes:
    from .report_pdf import render

    return render(data, tables(data), region, year)
