"""What the approval tests need: a Zhejiang producer, a Jiangsu receiver with a permit for
900-249-08 (R9) and the HW49 category (D10), the bureaus of both provinces and of Anhui, and
helpers that run the procedure through the actions.

Uses the real reference data (the 2021 catalogue, provinces, Zhejiang divisions, methods):
request the ``reference_data`` fixture first (the conftest does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from wufei.approvals import actions, rules
from wufei.approvals.models import CrossProvinceApproval, ProvincePair
from wufei.catalog.models import Region, TreatmentMethod, WasteCategory, WasteCode
from wufei.registry.models import MembershipRole, Organization, Permit, PermitScope, Site
from wufei.registry.tests.factories import (
    OrganizationFactory,
    PermitFactory,
    SiteFactory,
    member_of,
    regulator,
)


@dataclass
class TransferWorld:
    producer: Organization
    site: Site
    applicant: Any  # a member of the producer
    receiver: Organization
    permit: Permit
    receiver_user: Any
    zhejiang: Region
    jiangsu: Region
    origin_bureau: Any  # 浙江省生态环境厅
    destination_bureau: Any  # 江苏省生态环境厅
    other_bureau: Any  # 安徽省生态环境厅
    city_bureau: Any  # 绍兴市生态环境局
    oil: WasteCode  # 900-249-08
    r9: TreatmentMethod
    d10: TreatmentMethod


def transfer_world(permit_until: dt.date = dt.date(2029, 12, 31)) -> TransferWorld:
    zhejiang = Region.objects.get(code="330000")
    jiangsu = Region.objects.get(code="320000")
    producer = OrganizationFactory(name="绍兴甲印染有限公司")
    site = SiteFactory(organization=producer, name="一号厂区")
    receiver = OrganizationFactory(
        name="苏州乙环保科技有限公司",
        region=jiangsu,
        is_producer=False,
        is_receiver=True,
        management_class="",
        management_class_derived="",
    )
    permit = PermitFactory(
        organization=receiver,
        number="JS3205OOD001",
        issuer="江苏省生态环境厅",
        valid_until=permit_until,
    )
    oil = WasteCode.objects.get(edition__code="2021", code="900-249-08")
    r9, d10 = TreatmentMethod.objects.get(code="R9"), TreatmentMethod.objects.get(code="D10")
    scope = PermitScope.objects.create(
        permit=permit, waste_code=oil, annual_capacity_tonnes=Decimal("5000")
    )
    scope.methods.set([r9])
    hw49 = PermitScope.objects.create(
        permit=permit,
        category=WasteCategory.objects.get(edition__code="2021", code="HW49"),
        annual_capacity_tonnes=Decimal("3000"),
    )
    hw49.methods.set([d10])
    return TransferWorld(
        producer=producer,
        site=site,
        applicant=member_of(producer, MembershipRole.MEMBER),
        receiver=receiver,
        permit=permit,
        receiver_user=member_of(receiver, MembershipRole.ADMIN),
        zhejiang=zhejiang,
        jiangsu=jiangsu,
        origin_bureau=regulator("33"),
        destination_bureau=regulator("32"),
        other_bureau=regulator("34"),
        city_bureau=regulator("3306"),
        oil=oil,
        r9=r9,
        d10=d10,
    )


def application_data(w: TransferWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "receiver": w.receiver.uscc,
        "requested_from": "2026-03-16",
        "requested_until": "2027-03-15",
        "purpose": "废矿物油再生利用",
        "lines": [
            {
                "waste_code": "900-249-08",
                "name": "废机油",
                "method": "R9",
                "quantity_tonnes": "100",
            },
            {
                "waste_code": "900-041-49",
                "name": "废包装桶",
                "method": "D10",
                "quantity_tonnes": "20",
            },
        ],
    }
    data.update(overrides)
    return data


def attach_documents(w: TransferWorld, approval: CrossProvinceApproval) -> None:
    for kind in rules.REQUIRED_DOCUMENTS:
        actions.add_document(
            w.applicant,
            approval,
            kind=kind,
            title="",
            file=SimpleUploadedFile(f"{kind}.pdf", f"%PDF-1.4 {kind}".encode(), "application/pdf"),
        )


def draft(w: TransferWorld, **overrides: Any) -> CrossProvinceApproval:
    return actions.create_application(w.applicant, w.site, **application_data(w, **overrides))


def submitted(w: TransferWorld, **overrides: Any) -> CrossProvinceApproval:
    approval = draft(w, **overrides)
    attach_documents(w, approval)
    return actions.submit(w.applicant, approval)


def approved(
    w: TransferWorld, decision_number: str = "浙环危转〔2026〕1号", **overrides: Any
) -> CrossProvinceApproval:
    """Through every step (the clock is whatever the test froze)."""
    approval = submitted(w, **overrides)
    approval = actions.accept(w.origin_bureau, approval)
    approval = actions.review(w.origin_bureau, approval, agree=True)
    if not approval.simplified:
        approval = actions.record_reply(w.destination_bureau, approval, agree=True)
    return actions.decide(w.origin_bureau, approval, approve=True, decision_number=decision_number)


def white_list(w: TransferWorld) -> ProvincePair:
    return ProvincePair.objects.create(
        origin=w.zhejiang, destination=w.jiangsu, white_list=True, note="长三角白名单"
    )
