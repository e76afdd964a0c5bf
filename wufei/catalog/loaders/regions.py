"""行政区划: provinces, detailed divisions, their centre points and boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import transaction

from ..models import Region
from .common import (
    DATA_DIR,
    LoadReport,
    ReferenceDataError,
    SectionResult,
    _audit,
    _changed_fields,
    _file_key,
    _read_json_cached,
    _sha256,
    read_csv,
)

REGION_CODE_RE = re.compile(r"^\d{6}$")

LEVEL_RANK: dict[str, int] = {
    Region.Level.PROVINCE: 0,
    Region.Level.CITY: 1,
    Region.Level.COUNTY: 2,
}
PARENT_LEVEL: dict[str, str] = {
    Region.Level.CITY: Region.Level.PROVINCE,
    Region.Level.COUNTY: Region.Level.CITY,
}


def _level_of_code(code: str) -> str:
    if code[2:] == "0000":
        return Region.Level.PROVINCE
    if code[4:] == "00":
        return Region.Level.CITY
    return Region.Level.COUNTY


def parse_regions(
    provinces_file: Path, divisions_files: Sequence[Path], geojson_files: Sequence[Path]
) -> list[dict[str, Any]]:
    """Check the region files and return one dict per region, parents before children."""
    regions: dict[str, dict[str, Any]] = {}
    for line, row in read_csv(provinces_file, ("code", "name")):
        code = row["code"]
        if not REGION_CODE_RE.match(code) or _level_of_code(code) != Region.Level.PROVINCE:
            raise ReferenceDataError(
                f"{code!r} is not a province code (NN0000)",
                file=provinces_file,
                line=line,
                column="code",
            )
        if code in regions:
            raise ReferenceDataError(
                f"{code} is listed twice", file=provinces_file, line=line, column="code"
            )
        if not row["name"]:
            raise ReferenceDataError(
                "the name is empty", file=provinces_file, line=line, column="name"
            )
        regions[code] = {
            "code": code,
            "name": row["name"],
            "level": Region.Level.PROVINCE,
            "parent_code": None,
        }
    for path in divisions_files:
        seen: set[str] = set()
        for line, row in read_csv(path, ("code", "name", "level", "parent_code")):
            code, level, parent = row["code"], row["level"], row["parent_code"] or None
            if not REGION_CODE_RE.match(code):
                raise ReferenceDataError(
                    f"{code!r} is not a 6-digit region code", file=path, line=line, column="code"
                )
            if code in seen:
                raise ReferenceDataError(
                    f"{code} is listed twice", file=path, line=line, column="code"
                )
            seen.add(code)
            if level not in LEVEL_RANK:
                raise ReferenceDataError(
                    f"{level!r} is not a level (province, city, county)",
                    file=path,
                    line=line,
                    column="level",
                )
            if _level_of_code(code) != level:
                raise ReferenceDataError(
                    f"{code} is not a {level} code", file=path, line=line, column="level"
                )
            if not row["name"]:
                raise ReferenceDataError("the name is empty", file=path, line=line, column="name")
            if level == Region.Level.PROVINCE:
                if parent:
                    raise ReferenceDataError(
                        "a province has no parent", file=path, line=line, column="parent_code"
                    )
                if code in regions and regions[code]["name"] != row["name"]:
                    raise ReferenceDataError(
                        f"{code} is named {row['name']!r} here and {regions[code]['name']!r} in {provinces_file.name}",
                        file=path,
                        line=line,
                        column="name",
                    )
            else:
                if not parent or parent not in regions:
                    raise ReferenceDataError(
                        f"parent {parent!r} is not listed before {code}",
                        file=path,
                        line=line,
                        column="parent_code",
                    )
                if regions[parent]["level"] != PARENT_LEVEL[level]:
                    raise ReferenceDataError(
                        f"the parent of {level} {code} must be a {PARENT_LEVEL[level]}, {parent} is a {regions[parent]['level']}",
                        file=path,
                        line=line,
                        column="parent_code",
                    )
                parent_prefix = Region.prefix_of(parent, regions[parent]["level"])
                if not code.startswith(parent_prefix):
                    raise ReferenceDataError(
                        f"{code} does not lie under {parent} (prefix {parent_prefix})",
                        file=path,
                        line=line,
                        column="parent_code",
                    )
            regions[code] = {
                "code": code,
                "name": row["name"],
                "level": level,
                "parent_code": parent,
            }
    for r in regions.values():
        r["prefix"] = Region.prefix_of(r["code"], r["level"])
        r["center_lon"] = r["center_lat"] = r["boundary"] = None
    for path in geojson_files:
        data = _read_json_cached(_file_key(path))
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise ReferenceDataError("not a GeoJSON FeatureCollection", file=path)
        for i, feature in enumerate(features, start=1):
            props = feature.get("properties") or {}
            code = str(props.get("code", ""))
            if code not in regions:
                raise ReferenceDataError(
                    f"feature {i}: region {code!r} is not in the region lists", file=path
                )
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or geometry.get("type") not in (
                "Polygon",
                "MultiPolygon",
            ):
                raise ReferenceDataError(
                    f"feature {i} ({code}): the geometry must be a Polygon or MultiPolygon",
                    file=path,
                )
            center = props.get("center")
            if center is not None:
                try:
                    lon, lat = float(center[0]), float(center[1])
                except (TypeError, ValueError, IndexError) as exc:
                    raise ReferenceDataError(
                        f"feature {i} ({code}): center must be [lon, lat]", file=path
                    ) from exc
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ReferenceDataError(
                        f"feature {i} ({code}): center {center} is out of range", file=path
                    )
                regions[code]["center_lon"], regions[code]["center_lat"] = lon, lat
            regions[code]["boundary"] = geometry
    return sorted(regions.values(), key=lambda r: (LEVEL_RANK[r["level"]], r["code"]))


def load_regions(
    provinces_file: Path | str | None = None,
    divisions_files: Sequence[Path | str] | None = None,
    geojson_files: Sequence[Path | str] | None = None,
    report: LoadReport | None = None,
) -> LoadReport:
    """行政区划: the 34 provincial-level divisions and the detailed divisions (Zhejiang's 11
    cities and 90 counties) with centre points and boundaries. Regions that are not in the
    files are left alone (records may point at them)."""
    report = report if report is not None else LoadReport()
    provinces_path = Path(provinces_file) if provinces_file else DATA_DIR / "provinces.csv"
    division_paths = (
        [Path(p) for p in divisions_files]
        if divisions_files is not None
        else [DATA_DIR / "zhejiang_divisions.csv"]
    )
    geo_paths = (
        [Path(p) for p in geojson_files]
        if geojson_files is not None
        else [DATA_DIR / "zhejiang_divisions.geojson"]
    )
    parsed = parse_regions(provinces_path, division_paths, geo_paths)
    with transaction.atomic():
        result = report.add(SectionResult("regions"))
        existing = {r.code: r for r in Region.objects.all()}
        by_code: dict[str, Region] = dict(existing)
        for level in (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY):
            to_create = []
            for r in parsed:
                if r["level"] != level:
                    continue
                values = {
                    "name": r["name"],
                    "level": r["level"],
                    "parent_id": by_code[r["parent_code"]].pk if r["parent_code"] else None,
                    "prefix": r["prefix"],
                    "center_lon": r["center_lon"],
                    "center_lat": r["center_lat"],
                    "boundary": r["boundary"],
                }
                obj = existing.get(r["code"])
                if obj is None:
                    to_create.append(Region(code=r["code"], **values))
                elif changed := _changed_fields(obj, values):
                    for name in changed:
                        setattr(obj, name, values[name])
                    obj.save(update_fields=changed)
                    result.updated += 1
                else:
                    result.unchanged += 1
            Region.objects.bulk_create(to_create)
            result.created += len(to_create)
            if to_create:
                by_code.update(
                    {o.code: o for o in Region.objects.filter(code__in=[o.code for o in to_create])}
                )
        files = [provinces_path, *division_paths, *geo_paths]
        _audit(
            "catalog.regions_loaded",
            object_type="catalog.region",
            object_id=",".join(p.name for p in files),
            object_repr="行政区划",
            result=result,
            files={p.name: _sha256(p) for p in files},
        )
    return report
