"""Zhejiang's waste-producing industries and licensed operators, as the demo generator sees them.

Each :class:`Industry` names its GB/T 4754-2017 code, the counties where it clusters (with
weights), the share of its units in each management class (HJ 1259 §4.2) and the hazardous
waste it typically produces: 2021 名录 codes with relative weights, and general industrial
waste classes (SWxx). The registry stores only the industry code of an organisation; later
generators (ledger, manifests) get a producer's waste streams back with :func:`waste_streams`,
which is deterministic from the organisation's USCC — nothing else needs storing.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Industry:
    key: str
    name_zh: str
    industry_code: str  # GB/T 4754-2017
    industry_name: str
    trades: tuple[str, ...]  # the trade word in company names
    weight: float  # share of producers
    hubs: dict[str, int]  # county code → weight
    class_shares: tuple[float, float]  # P(key), P(simplified); the rest registered
    key_max_tonnes: int  # key units produce 100 … this many t/yr
    hazardous: tuple[tuple[str, float], ...]  # (名录 code, weight)
    general: tuple[str, ...] = ()  # general industrial waste classes (SWxx)
    own_disposal: float = 0.0  # share of key units with an own utilisation/disposal facility


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "dyeing",
        "印染",
        "1713",
        "棉印染精加工",
        ("印染", "纺织印染", "染整", "印染整理"),
        18,
        {
            "330603": 12,
            "330602": 2,
            "330681": 2,
            "330109": 3,
            "330481": 2,
            "330483": 1,
            "330522": 1,
            "330411": 1,
            "330604": 1,
        },
        (0.35, 0.40),
        8000,
        (
            ("772-006-49", 5),
            ("900-041-49", 3),
            ("900-249-08", 1),
            ("900-039-49", 1),
            ("900-351-35", 1),
            ("900-047-49", 0.2),
        ),
        ("SW07", "SW14", "SW03"),
    ),
    Industry(
        "chemicals",
        "化工",
        "2614",
        "有机化学原料制造",
        ("化工", "化学", "新材料", "精细化工"),
        16,
        {
            "330604": 4,
            "330211": 4,
            "330206": 2,
            "330803": 3,
            "330802": 2,
            "330482": 3,
            "330424": 1,
            "331002": 2,
            "331082": 2,
            "330114": 2,
            "330303": 1,
            "330522": 1,
        },
        (0.60, 0.30),
        50000,
        (
            ("900-013-11", 4),
            ("900-404-06", 2),
            ("900-402-06", 1),
            ("261-084-45", 1),
            ("265-101-13", 1),
            ("261-151-50", 0.5),
            ("900-041-49", 1.5),
            ("900-039-49", 1),
            ("900-249-08", 0.5),
            ("900-047-49", 0.2),
        ),
        ("SW16", "SW07", "SW03"),
        0.2,
    ),
    Industry(
        "pharma",
        "医药",
        "2710",
        "化学药品原料药制造",
        ("药业", "制药", "医药化工", "生物医药"),
        10,
        {
            "331002": 4,
            "331082": 4,
            "331003": 3,
            "331024": 2,
            "330604": 3,
            "330624": 3,
            "330114": 2,
            "330110": 1,
            "330783": 1,
        },
        (0.65, 0.25),
        20000,
        (
            ("271-001-02", 4),
            ("271-002-02", 3),
            ("271-003-02", 1),
            ("271-004-02", 1),
            ("271-005-02", 0.3),
            ("271-006-50", 0.3),
            ("900-404-06", 2),
            ("900-041-49", 1),
            ("900-039-49", 1),
            ("900-047-49", 0.3),
        ),
        ("SW16", "SW07"),
        0.2,
    ),
    Industry(
        "electroplating",
        "电镀",
        "3360",
        "金属表面处理及热处理加工",
        ("电镀", "表面处理", "金属表面处理"),
        14,
        {
            "330304": 3,
            "330303": 3,
            "330302": 1,
            "330381": 2,
            "330382": 2,
            "331081": 2,
            "331083": 2,
            "331004": 2,
            "330212": 2,
            "330282": 1,
            "330281": 1,
            "330784": 2,
            "330482": 1,
        },
        (0.45, 0.35),
        3000,
        (
            ("336-064-17", 4),
            ("336-054-17", 2),
            ("336-052-17", 1.5),
            ("336-062-17", 1),
            ("336-063-17", 1),
            ("336-069-17", 0.5),
            ("900-300-34", 1),
            ("900-041-49", 1),
            ("900-249-08", 0.3),
        ),
        ("SW17", "SW59"),
    ),
    Industry(
        "paper",
        "造纸",
        "2221",
        "机制纸及纸板制造",
        ("纸业", "造纸", "包装纸业"),
        7,
        {
            "330111": 6,
            "330482": 3,
            "330424": 2,
            "330825": 2,
            "330803": 1,
            "330421": 1,
            "330381": 1,
            "330602": 1,
        },
        (0.30, 0.40),
        3000,
        (
            ("900-249-08", 2),
            ("900-041-49", 2),
            ("900-218-08", 1),
            ("900-039-49", 1),
            ("221-002-35", 0.5),
            ("900-047-49", 0.2),
            ("900-023-29", 0.1),
        ),
        ("SW15", "SW07", "SW03"),
    ),
    Industry(
        "metal",
        "金属制品",
        "3399",
        "其他未列明金属制品制造",
        ("五金", "金属制品", "机械", "工贸"),
        20,
        {
            "330784": 8,
            "330723": 3,
            "331122": 2,
            "330382": 2,
            "331083": 2,
            "330282": 2,
            "330281": 1,
            "330681": 2,
            "330522": 1,
            "330521": 1,
            "330481": 1,
        },
        (0.10, 0.35),
        1000,
        (
            ("900-006-09", 3),
            ("900-200-08", 2),
            ("336-064-17", 2),
            ("900-252-12", 2),
            ("900-041-49", 1.5),
            ("900-249-08", 1),
            ("900-300-34", 1),
            ("900-216-08", 0.5),
        ),
        ("SW17", "SW01", "SW59"),
    ),
    Industry(
        "electronics",
        "电子",
        "3982",
        "电子电路制造",
        ("电子", "电子科技", "线路板", "半导体"),
        12,
        {
            "330108": 4,
            "330110": 2,
            "330114": 2,
            "330206": 1,
            "330212": 1,
            "330402": 2,
            "330421": 2,
            "330382": 3,
            "330521": 1,
            "330782": 1,
            "330411": 1,
        },
        (0.25, 0.35),
        5000,
        (
            ("398-004-22", 3),
            ("398-051-22", 2),
            ("398-005-22", 1),
            ("398-005-34", 1),
            ("900-404-06", 1.5),
            ("900-045-49", 1),
            ("900-451-13", 0.5),
            ("900-253-12", 0.5),
            ("900-041-49", 1),
        ),
        ("SW17", "SW07"),
    ),
    Industry(
        "power",
        "电力",
        "4411",
        "火力发电",
        ("热电", "发电", "能源", "电力"),
        3,
        {
            "330206": 2,
            "330211": 2,
            "330482": 1,
            "330382": 1,
            "331002": 1,
            "330781": 1,
            "330522": 1,
            "330109": 1,
            "330902": 1,
            "330603": 1,
            "330604": 1,
        },
        (0.80, 0.20),
        5000,
        (
            ("772-007-50", 3),
            ("900-249-08", 2),
            ("900-220-08", 2),
            ("900-218-08", 1),
            ("900-041-49", 1),
            ("900-052-31", 0.5),
            ("900-023-29", 0.2),
        ),
        ("SW02", "SW03", "SW06"),
    ),
)
#: Hospitals (医疗废物, HW01): not drawn for the generated producers (``INDUSTRIES`` decides
#: those); ``medical.py`` registers a few by name. Their streams come from ``waste_streams``.
MEDICAL = Industry(
    "medical",
    "医疗",
    "8411",
    "综合医院",
    ("医院", "人民医院"),
    0,
    {"330602": 1, "330603": 1},
    (1.0, 0.0),
    200,
    (("841-001-01", 6), ("841-002-01", 2), ("841-003-01", 0.6), ("841-005-01", 0.6)),
)
BY_KEY = {i.key: i for i in INDUSTRIES}
BY_CODE = {i.industry_code: i for i in INDUSTRIES}
BY_CODE[MEDICAL.industry_code] = MEDICAL


@dataclass(frozen=True)
class OperatorKind:
    """A kind of licensed operation (经营方式) with its facility and licensed categories."""

    key: str
    trade: str  # in the company name
    facility_kind: str  # utilisation / disposal
    facility_type: str
    facility_name: str
    methods: tuple[str, ...]  # TreatmentMethod codes
    categories: tuple[str, ...] = ()  # licensed by category
    codes: tuple[str, ...] = ()  # licensed by code
    capacity: tuple[int, int] = (10_000, 50_000)  # t/yr


OPERATOR_KINDS: tuple[OperatorKind, ...] = (
    OperatorKind(
        "incineration",
        "环保科技",
        "disposal",
        "回转窑焚烧",
        "危险废物焚烧处置线",
        ("D10",),
        ("HW02", "HW06", "HW08", "HW11", "HW12", "HW13", "HW49"),
        (),
        (20_000, 60_000),
    ),
    OperatorKind(
        "landfill",
        "固废处置",
        "disposal",
        "刚性填埋场",
        "危险废物安全填埋场",
        ("D1", "D9"),
        ("HW17", "HW18", "HW21", "HW22", "HW36", "HW46", "HW48", "HW49"),
        (),
        (30_000, 120_000),
    ),
    OperatorKind(
        "metals",
        "资源再生",
        "utilisation",
        "湿法冶金",
        "含金属污泥资源化利用线",
        ("R4",),
        ("HW17", "HW22", "HW46", "HW48"),
        (),
        (20_000, 80_000),
    ),
    OperatorKind(
        "oil",
        "再生资源",
        "utilisation",
        "减压蒸馏",
        "废矿物油再生利用线",
        ("R9",),
        ("HW08", "HW09"),
        (),
        (10_000, 50_000),
    ),
    OperatorKind(
        "solvent",
        "溶剂回收",
        "utilisation",
        "精馏塔",
        "废有机溶剂再生线",
        ("R2",),
        ("HW06",),
        (),
        (5_000, 30_000),
    ),
    OperatorKind(
        "cement",
        "建材",
        "disposal",
        "水泥窑协同处置",
        "水泥窑协同处置线",
        ("C1",),
        ("HW02", "HW06", "HW08", "HW11", "HW12", "HW13", "HW17", "HW18", "HW49", "HW50"),
        (),
        (30_000, 100_000),
    ),
    OperatorKind(
        "containers",
        "包装桶回收",
        "utilisation",
        "清洗线",
        "废包装桶清洗再生线",
        ("C3",),
        (),
        ("900-041-49",),
        (3_000, 20_000),
    ),
    OperatorKind(
        "acid",
        "环保",
        "utilisation",
        "废酸再生",
        "废酸资源化利用线",
        ("R6",),
        ("HW34",),
        (),
        (10_000, 50_000),
    ),
)
OPERATOR_WEIGHTS = (3, 1, 2, 2, 1, 1, 1, 1)

# What a micro collector (小微收运单位) is licensed to collect: the small producers' wastes.
COLLECTOR_CATEGORIES = ("HW08", "HW09", "HW12", "HW17", "HW49")

CLASS_RANGES = {  # management class → t/yr range (HJ 1259 §4.2: ≥100 key, ≥10 simplified)
    "simplified": (10.0, 99.0),
    "registered": (0.2, 9.5),
}


def tonnes(value: float) -> Decimal:
    """Round to what a ledger would hold: 0.1 t above 10 t, 1 kg below."""
    places = Decimal("0.1") if value >= 10 else Decimal("0.001")
    return Decimal(str(value)).quantize(places)


def annual_tonnes(rng: random.Random, industry: Industry) -> tuple[str, Decimal]:
    """Draw the management class the unit should end in and its annual hazardous tonnage."""
    p_key, p_simplified = industry.class_shares
    draw = rng.random()
    if draw < p_key:
        low, high = 100.0, float(industry.key_max_tonnes)
        return "key", tonnes(
            low * (high / low) ** (rng.random() ** 1.6)
        )  # log-uniform, skewed small
    cls = "simplified" if draw < p_key + p_simplified else "registered"
    low, high = CLASS_RANGES[cls]
    return cls, tonnes(low * (high / low) ** rng.random())


def waste_streams(
    uscc: str, industry_code: str, annual: Decimal | None
) -> list[tuple[str, Decimal]]:
    """A producer's hazardous waste streams: [(名录 code, t/yr)], deterministic from its USCC.

    The industry's main code is always there, then two to four more by weight; the shares
    sum to the unit's annual tonnage.
    """
    industry = BY_CODE.get(industry_code)
    if industry is None or not annual:
        return []
    rng = random.Random(int.from_bytes(hashlib.sha256(uscc.encode()).digest()[:8], "big"))
    first, *rest = industry.hazardous
    chosen = [first]
    pool = list(rest)
    for _ in range(min(len(pool), rng.randint(2, 4))):
        pick = rng.choices(pool, weights=[w for _, w in pool])[0]
        pool.remove(pick)
        chosen.append(pick)
    weights = [w * (0.5 + rng.random()) for _, w in chosen]
    total = sum(weights)
    places = Decimal("0.001")
    amounts = [(annual * Decimal(str(w / total))).quantize(places) for w in weights]
    amounts[0] += annual - sum(amounts)  # the main stream takes the rounding
    return [(code, amount) for (code, _), amount in zip(chosen, amounts, strict=True)]
