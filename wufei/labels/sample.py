"""A sample label for a made-up demo container (screenshots, printer set-up). Marked 样例 SAMPLE."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from stdnum.cn import uscc as stdnum_uscc

from .ident import make_ident_code
from .pdf import LabelData
from .qr import qr_payload

_BODY = "91330602MA2B3C4D5"  # made up: Shaoxing (330602), not a real organisation
SAMPLE_USCC = _BODY + stdnum_uscc.calc_check_digit(_BODY)
SAMPLE_DATE = date(2025, 3, 18)
SAMPLE_VOLUMES = (30, 200, 1000)


def sample_label(volume_litres: int = 200, base_url: str = "") -> LabelData:
    """A 废矿物油 drum of a fictitious Shaoxing producer, sequence 7 of its day."""
    ident = make_ident_code(SAMPLE_USCC, "900-249-08", SAMPLE_DATE, 7)
    return LabelData(
        waste_name="废矿物油与含矿物油废物（废液压油）",
        waste_category="HW08",
        waste_code="900-249-08",
        waste_form="液态",
        hazards=("T", "I"),
        main_components="矿物基础油、水、添加剂",
        harmful_components="石油烃、多环芳烃",
        precautions="远离火源，防止泄漏，密闭贮存，专人管理",
        ident_code=ident,
        producer_name="绍兴市示例机械制造有限公司（样例）",
        contact_person="王小明",
        contact_phone="0575-88001234",
        produced_on=SAMPLE_DATE,
        weight_kg=Decimal("168.5") * Decimal(volume_litres) / Decimal(200),
        volume_litres=Decimal(volume_litres),
        remarks="样例标签，仅供演示",
        qr_payload=qr_payload(ident, base_url),
        sample=True,
    )
