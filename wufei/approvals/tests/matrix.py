"""The approvals app's rows of the permission matrix (see core/tests/test_permission_matrix.py).

The row is an application of organisation A (柯桥区, 浙江) to a receiver in 江苏. The procedure
is the province's (省级生态环境主管部门, Art. 22): the approval lies in the origin *province*,
so of the matrix's bureaus only the province bureau covers it (county and city bureaus do not
see it); the receiving province's bureau is a party too (tested in test_procedure.py).
Province-pair settings are public reference data; a platform administrator adds them and the
origin province's bureau switches the white-list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from wufei.core.tests.matrix_world import (
    ADMIN,
    OWNER_STAFF,
    OWNER_WRITE,
    SIGNED_IN,
    World,
    _catalog,
    _saved,
    _site,
)

PROVINCE = {"reg_province"}
APPROVAL_ROWS = {
    "view": ADMIN | OWNER_STAFF | PROVINCE,
    "add": OWNER_WRITE,
    "change": OWNER_WRITE | PROVINCE,
}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "approvals.crossprovinceapproval": APPROVAL_ROWS,
    "approvals.approvalline": APPROVAL_ROWS,
    "approvals.approvalstep": APPROVAL_ROWS,
    "approvals.approvaldocument": APPROVAL_ROWS,
    "approvals.provincepair": {
        "view": SIGNED_IN,
        "add": ADMIN,
        "change": ADMIN | PROVINCE,
    },
}


def _jiangsu() -> Any:
    from wufei.catalog.models import Region

    return Region.objects.get_or_create(
        code="320000", defaults={"name": "江苏省", "level": "province", "prefix": "32"}
    )[0]


def _approval(w: World) -> Any:
    from wufei.approvals.models import CrossProvinceApproval
    from wufei.catalog.models import Region
    from wufei.registry.models import Organization, Permit

    jiangsu = _jiangsu()
    receiver = Organization.objects.create(
        uscc="MATRIX000000000320", name="江苏丙环保有限公司", region=jiangsu, is_receiver=True
    )
    permit = Permit.objects.create(
        organization=receiver,
        number="JS-MATRIX-001",
        issuer="江苏省生态环境厅",
        issued_on=dt.date(2025, 1, 1),
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2029, 12, 31),
    )
    return CrossProvinceApproval(
        applicant=w.a,
        applicant_site=_saved(_site(w)),
        receiver=receiver,
        receiver_permit=permit,
        origin_region=Region.objects.get(code="330000"),
        destination_region=jiangsu,
        requested_from=dt.date(2026, 3, 16),
        requested_until=dt.date(2027, 3, 15),
    )


def _line(w: World) -> Any:
    from wufei.approvals.models import ApprovalLine
    from wufei.catalog.models import TreatmentMethod

    method = TreatmentMethod.objects.create(code="R9", kind="utilisation", name="废油再提炼")
    return ApprovalLine(
        approval=_saved(_approval(w)),
        waste_code=_catalog(w)["code"],
        name="废机油",
        method=method,
        quantity_tonnes=Decimal("100"),
    )


def _step(w: World) -> Any:
    from wufei.approvals.models import ApprovalStep

    return ApprovalStep(
        approval=_saved(_approval(w)),
        kind="acceptance",
        started_at=dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC),
        due_on=dt.date(2026, 3, 9),
    )


def _document(w: World) -> Any:
    from wufei.approvals.models import ApprovalDocument

    return ApprovalDocument(
        approval=_saved(_approval(w)),
        kind="contract",
        title="委托处置合同",
        file="approvals/matrix.pdf",
        sha256="d" * 64,
    )


def _pair(w: World) -> Any:
    from wufei.approvals.models import ProvincePair
    from wufei.catalog.models import Region

    return ProvincePair(
        origin=Region.objects.get(code="330000"), destination=_jiangsu(), white_list=True
    )


BUILDERS: dict[str, Any] = {
    "approvals.crossprovinceapproval": _approval,
    "approvals.approvalline": _line,
    "approvals.approvalstep": _step,
    "approvals.approvaldocument": _document,
    "approvals.provincepair": _pair,
}
