from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import uscc as stdnum_uscc

from wufei.labels.ident import make_ident_code
from wufei.labels.pdf import LabelData

BODY = "91330602MA2B3C4D5"
USCC = BODY + stdnum_uscc.calc_check_digit(BODY)
DAY = date(2025, 3, 18)


def wrong_check_digit(uscc: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return uscc[:17] + next(c for c in alphabet if c != uscc[17])


@pytest.fixture
def ident() -> str:
    return make_ident_code(USCC, "900-249-08", DAY, 7)


def make_label(**overrides) -> LabelData:
    data = {
        "waste_name": "废矿物油与含矿物油废物",
        "waste_category": "HW08",
        "waste_code": "900-249-08",
        "waste_form": "液态",
        "hazards": ("T", "I"),
        "main_components": "矿物油、水",
        "harmful_components": "石油烃、多环芳烃",
        "precautions": "远离火源，防止泄漏",
        "ident_code": make_ident_code(USCC, "900-249-08", DAY, 7),
        "producer_name": "绍兴市示例化工有限公司",
        "contact_person": "王小明",
        "contact_phone": "13800138000",
        "produced_on": DAY,
        "weight_kg": Decimal("185.5"),
        "volume_litres": Decimal(200),
        "remarks": "",
        "qr_payload": "",
    }
    data.update(overrides)
    return LabelData(**data)
