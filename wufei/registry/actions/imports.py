"""Bulk import of organisations: validate every row first, then write all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wufei.catalog.models import Region
from wufei.core import audit
from wufei.core.errors import ActionError
from wufei.core.permissions import allows

from ..models import Organization
from .organizations import _apply_derivation, clean_organization_fields

IMPORT_FIELDS = [
    "uscc",
    "name",
    "region",
    "address",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "contact_email",
    "roles",
    "industry_code",
    "industry_name",
    "annual_hazardous_tonnes",
]
REQUIRED = ["uscc", "name", "region", "roles"]
BATCH = 2000


@dataclass
class RowError:
    row: int  # the row number in the file (header = 1)
    field: str
    message: str
    code: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "message": self.message,
            "code": self.code,
            "value": self.value,
        }


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_number(row: dict[str, Any], index: int) -> int:
    return int(row.get("_row") or index)


def import_organizations(
    actor: Any, rows: Iterable[dict[str, Any]], *, progress: Callable[[int], Any] | None = None
) -> ImportResult:
    """Register many organisations at once (regulators in their jurisdiction, platform admins).

    ``rows`` are dicts keyed by the field names of :func:`create_organization` (``roles`` may be a
    string such as ``"producer,carrier"``); an optional ``_row`` key gives the file row number
    (otherwise rows count from 2, after the header). If any row is bad nothing is written and
    the result lists every problem (row, field, message). ``progress(n)`` is called with the
    number of rows done, during validation and again during writing.
    """
    rows = list(rows)
    result = ImportResult(total=len(rows))
    regions = {r.code: r for r in Region.objects.all()}
    orgs: list[Organization] = []
    numbers: list[int] = []
    first_seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        number = _row_number(row, index)
        errors_before = len(result.errors)
        for name in REQUIRED:
            if not str(row.get(name) or "").strip():
                result.errors.append(
                    RowError(number, name, str(_("This column is required.")), "registry.required")
                )
        values = {
            k: row.get(k) for k in IMPORT_FIELDS if k in row and str(row.get(k) or "").strip() != ""
        }
        data: dict[str, Any] = {}
        for name, value in values.items():
            try:
                data.update(clean_organization_fields({name: value}, regions=regions))
            except ActionError as exc:
                result.errors.append(
                    RowError(number, exc.field or name, str(exc.message), exc.code, str(value))
                )
        if len(result.errors) == errors_before:
            org = Organization(**data)
            if not allows(actor, "add", org):
                result.errors.append(
                    RowError(
                        number,
                        "region",
                        str(
                            _("You may not register organisations in %(region)s.")
                            % {"region": org.region.name}
                        ),
                        "registry.region_outside_jurisdiction",
                        str(row.get("region")),
                    )
                )
            elif org.uscc in first_seen:
                result.errors.append(
                    RowError(
                        number,
                        "uscc",
                        str(
                            _("The same unified social credit code is already on row %(row)d.")
                            % {"row": first_seen[org.uscc]}
                        ),
                        "registry.uscc_duplicate",
                        org.uscc,
                    )
                )
            else:
                first_seen[org.uscc] = number
                _apply_derivation(org)
                orgs.append(org)
                numbers.append(number)
        if progress and index % 1000 == 0:
            progress(index - 1)
    # codes already registered
    usccs = list(first_seen)
    by_code = dict(zip((o.uscc for o in orgs), numbers, strict=True))
    for start in range(0, len(usccs), 900):
        for code in Organization.objects.filter(uscc__in=usccs[start : start + 900]).values_list(
            "uscc", flat=True
        ):
            result.errors.append(
                RowError(
                    by_code[code],
                    "uscc",
                    str(
                        _(
                            "An organisation with unified social credit code %(uscc)s is already registered."
                        )
                        % {"uscc": code}
                    ),
                    "registry.uscc_duplicate",
                    code,
                )
            )
    if progress:
        progress(len(rows))
    if result.errors:
        result.errors.sort(
            key=lambda e: (e.row, IMPORT_FIELDS.index(e.field) if e.field in IMPORT_FIELDS else 99)
        )
        return result
    with transaction.atomic():
        done = 0
        for start in range(0, len(orgs), BATCH):
            batch = Organization.objects.bulk_create(orgs[start : start + BATCH], batch_size=BATCH)
            if any(o.pk is None for o in batch):  # databases that do not return ids
                saved = Organization.objects.in_bulk([o.uscc for o in batch], field_name="uscc")
                for o in batch:
                    o.pk = saved[o.uscc].pk
            audit.record_many(
                [
                    {
                        "actor": actor,
                        "action": "registry.organization.import",
                        "obj": o,
                        "after": audit.snapshot(o),
                        "organization_id": o.pk,
                        "region_prefix": o.region.prefix,
                    }
                    for o in batch
                ]
            )
            done += len(batch)
            if progress:
                progress(done)
    result.created = len(orgs)
    return result
