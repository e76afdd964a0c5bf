"""How each demo waste code is named, produced, packed and sent on (plain data, no database).

The industries (``industries.py``) say *which* 名录 codes a producer has and how many tonnes a
year; this table says what the plant calls the waste (单位内部名称), where it arises (产生环节),
its form (形态), its hazardous components, and how it is packed for the ledger: the package type,
the volume of one package and a typical net weight of one full package (well inside the ledger's
plausible range, ``wufei.ledger.rules.DENSITY``). ``method`` is the utilisation/disposal method
a receiver applies when no demo operator is licensed for the code (then the plan names an
out-of-province receiver, see :data:`OUT_OF_PROVINCE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WasteDetail:
    name: str  # 单位内部名称
    process: str  # 产生环节
    form: str  # plans.WasteForm value
    components: str  # 有害成分
    package: str  # ledger.PackageType value
    volume: int  # litres per package
    kg: int  # typical net kg per full package
    method: str = "D10"  # receiver's method when no demo operator covers the code


DETAILS: dict[str, WasteDetail] = {
    # 医疗废物 (HW01): 周转箱 / 利器盒, incinerated (Y10) by the medical-waste centre
    "841-001-01": WasteDetail(
        "感染性废物", "门诊、病房诊疗", "solid", "病原微生物", "box", 100, 15, "Y10"
    ),
    "841-002-01": WasteDetail(
        "损伤性废物（利器）", "注射、手术", "solid", "病原微生物、锐器", "box", 50, 8, "Y10"
    ),
    "841-003-01": WasteDetail(
        "病理性废物", "手术室、病理科", "solid", "人体组织", "box", 50, 10, "Y10"
    ),
    "841-005-01": WasteDetail(
        "药物性废物", "药房、病区", "solid", "过期药品", "box", 50, 10, "Y10"
    ),
    "221-002-35": WasteDetail(
        "制浆废碱液", "蒸煮制浆", "liquid", "氢氧化钠、硫化钠", "ibc", 1000, 1100, "R6"
    ),
    "261-084-45": WasteDetail("卤化反应残液", "卤化反应", "liquid", "有机卤化物", "drum", 200, 190),
    "261-151-50": WasteDetail(
        "合成废催化剂", "合成、酯化工序", "solid", "重金属、有机物", "drum", 200, 160, "R4"
    ),
    "265-101-13": WasteDetail("不合格树脂", "树脂合成", "solid", "树脂、单体", "drum", 200, 150),
    "271-001-02": WasteDetail(
        "精馏釜残", "原料药合成 精馏", "semi_solid", "有机溶剂、反应残余物", "drum", 200, 170
    ),
    "271-002-02": WasteDetail(
        "废母液", "原料药合成 结晶", "liquid", "有机溶剂、原料药", "ibc", 1000, 1000
    ),
    "271-003-02": WasteDetail("废脱色滤渣", "脱色过滤", "solid", "活性炭、原料药", "bag", 200, 60),
    "271-004-02": WasteDetail("废吸附剂", "吸附精制", "solid", "吸附剂、有机物", "bag", 200, 70),
    "271-005-02": WasteDetail("不合格中间体", "原料药合成", "solid", "中间体", "drum", 200, 120),
    "271-006-50": WasteDetail(
        "废钯碳催化剂", "氢化反应", "solid", "钯、有机物", "drum", 50, 30, "R4"
    ),
    "336-052-17": WasteDetail(
        "镀锌污泥", "镀锌线 废水处理", "semi_solid", "锌、氰化物", "bulk_bag", 1000, 900
    ),
    "336-054-17": WasteDetail(
        "含镍污泥", "镀镍线 废水处理", "semi_solid", "镍", "bulk_bag", 1000, 900
    ),
    "336-062-17": WasteDetail(
        "含铜污泥", "镀铜线 废水处理", "semi_solid", "铜", "bulk_bag", 1000, 900
    ),
    "336-063-17": WasteDetail(
        "电镀混合污泥", "电镀废水处理", "semi_solid", "镍、铜、铬", "bulk_bag", 1000, 900
    ),
    "336-064-17": WasteDetail(
        "表面处理污泥", "酸洗磷化 废水处理", "semi_solid", "重金属、酸", "bulk_bag", 1000, 900
    ),
    "336-069-17": WasteDetail(
        "含铬污泥", "镀铬线 废水处理", "semi_solid", "六价铬", "bulk_bag", 1000, 900
    ),
    "398-004-22": WasteDetail("废蚀铜液", "线路板蚀刻", "liquid", "铜、氨", "ibc", 1000, 1150),
    "398-005-22": WasteDetail(
        "含铜废水污泥", "铜氧化 废水处理", "semi_solid", "铜", "bulk_bag", 1000, 900
    ),
    "398-005-34": WasteDetail("废酸液", "酸蚀、活化", "liquid", "硫酸、盐酸", "ibc", 1000, 1100),
    "398-051-22": WasteDetail("废蚀刻液", "铜板蚀刻", "liquid", "铜、氯化物", "ibc", 1000, 1200),
    "772-006-49": WasteDetail(
        "印染污泥", "污水处理站", "semi_solid", "染料、重金属", "bulk_bag", 1000, 900
    ),
    "772-007-50": WasteDetail(
        "废脱硝催化剂", "烟气脱硝(SCR)", "solid", "钒、钛、钨", "pallet", 1000, 600, "R4"
    ),
    "900-006-09": WasteDetail(
        "废乳化液", "机加工 切削", "liquid", "矿物油、乳化剂", "drum", 200, 180
    ),
    "900-013-11": WasteDetail(
        "精馏残渣", "精馏工段", "semi_solid", "高沸点有机物", "drum", 200, 180
    ),
    "900-023-29": WasteDetail("废荧光灯管", "照明维护", "solid", "汞", "box", 100, 15, "R4"),
    "900-039-49": WasteDetail("废活性炭", "废气(VOCs)治理", "solid", "有机物", "bag", 500, 200),
    "900-041-49": WasteDetail(
        "废包装桶", "原料拆包", "solid", "染料、助剂残留", "pallet", 1000, 120
    ),
    "900-045-49": WasteDetail("废电路板", "检测返修", "solid", "铅、铜", "box", 100, 40, "R4"),
    "900-047-49": WasteDetail("实验室废液", "化验室", "liquid", "酸、碱、有机物", "drum", 50, 40),
    "900-052-31": WasteDetail(
        "废铅蓄电池", "直流系统维护", "solid", "铅、硫酸", "pallet", 500, 800, "R4"
    ),
    "900-200-08": WasteDetail(
        "废研磨油泥", "研磨、抛光", "semi_solid", "矿物油、金属屑", "drum", 200, 170
    ),
    "900-216-08": WasteDetail("废防锈油", "铸件防锈", "liquid", "矿物油", "drum", 200, 180),
    "900-218-08": WasteDetail("废液压油", "设备维护", "liquid", "矿物油", "drum", 200, 180),
    "900-220-08": WasteDetail("废变压器油", "变压器检修", "liquid", "矿物油", "drum", 200, 180),
    "900-249-08": WasteDetail("废机油及含油抹布", "设备维护", "liquid", "矿物油", "drum", 200, 180),
    "900-252-12": WasteDetail("废漆渣", "喷涂线", "semi_solid", "油漆、有机溶剂", "drum", 200, 150),
    "900-253-12": WasteDetail("废油墨", "丝网印刷", "semi_solid", "油墨、有机溶剂", "drum", 50, 40),
    "900-300-34": WasteDetail("废酸洗液", "酸洗", "liquid", "盐酸、硫酸", "ibc", 1000, 1050),
    "900-351-35": WasteDetail("丝光废碱液", "丝光", "liquid", "氢氧化钠", "ibc", 1000, 1050, "R6"),
    "900-402-06": WasteDetail("废溶剂", "清洗、萃取", "liquid", "甲苯、丙酮", "drum", 200, 180),
    "900-404-06": WasteDetail("废有机溶剂", "清洗、萃取", "liquid", "有机溶剂", "drum", 200, 180),
    "900-451-13": WasteDetail("废树脂粉", "线路板破碎分选", "solid", "树脂、铜", "bag", 500, 300),
}

#: Codes that no demo operator's permit covers (HW29 lamps, HW31 lead batteries, HW35 alkali,
#: HW45 halogenated residues) go to a licensed unit outside the province (跨省转移): fictional
#: permit numbers, by category.
OUT_OF_PROVINCE: dict[str, str] = {
    "HW29": "JS3205000012",
    "HW31": "AH3401000031",
    "HW35": "JS3204000035",
    "HW45": "SH3100000045",
}


def detail(code: str) -> WasteDetail:
    return DETAILS[code]


def package_tonnes(code: str) -> Decimal:
    return Decimal(DETAILS[code].kg) / 1000
