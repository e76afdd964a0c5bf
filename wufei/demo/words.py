"""Word lists for plausible Chinese names, addresses and contacts (no Faker: the output must
not change when a library upgrades, and the generator runs without test dependencies)."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严武戴莫孔向汤楼俞应屠柴裘"
)
# Common surnames first and more often (Zhejiang: 王, 陈, 张, 李, 徐, 吴, 周, 林, 金, 杨 …).
_SURNAME_WEIGHTS = [8 if i < 12 else 3 if i < 40 else 1 for i in range(len(SURNAMES))]
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文斌海燕红玲宇浩凯鹏辉晨晓东"
    "雪琳婷倩颖欣怡佳俊峰波林振宁新春荣成亮健飞鑫雨欢毅旭阳坤琦瑜彬慧婧立群益善忠良德"
)

# Brand syllables of company names (字号), two of them make one brand.
BRAND_FIRST = "恒华永新宏鑫盛金天佳瑞博康龙凯嘉德信通兴达丰源泰昌力宇中亚环科创东明海远卓越锦祥荣富利顺安润晨正立伟欣美雅银腾万鼎盈"
BRAND_SECOND = (
    "达华泰兴盛源昌隆丰利通鑫宏发业诚信和美嘉德丰瑞恒安康力新科远翔展鸿达凯益邦锐豪晟威宸晖耀铭航"
)

COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")

PARKS = (
    "经济技术开发区",
    "高新技术产业园区",
    "工业园区",
    "工业功能区",
    "产业集聚区",
    "新材料产业园",
    "",
    "",
)
ROAD_WORDS = "兴业 创业 工业 科技 滨海 纬一 纬三 经二 经五 环城 人民 建设 振兴 江滨 东方 南洋 新港 临江 开发 富民 金桥 长兴 北塘 中兴"
ROAD_SUFFIXES = ("路", "路", "大道", "街")

MOBILE_PREFIXES = (
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "157",
    "158",
    "159",
    "187",
    "188",
    "177",
    "180",
    "189",
)


def person_name(rng: random.Random) -> str:
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def brand(index: int, permuted: int) -> str:
    """A two-syllable brand (字号), different for the first len(first)×len(second) indices."""
    space = len(BRAND_FIRST) * len(BRAND_SECOND)
    k = permuted % space
    word = BRAND_FIRST[k // len(BRAND_SECOND)] + BRAND_SECOND[k % len(BRAND_SECOND)]
    if word[0] == word[1]:
        word = word[0] + BRAND_SECOND[(k + 7) % len(BRAND_SECOND)]
    if index >= space:  # past the two-syllable space: a third syllable keeps names apart
        word += BRAND_SECOND[(index // space) % len(BRAND_SECOND)]
    return word


def short_place(name: str) -> str:
    """柯桥区 → 柯桥, 嵊州市 → 嵊州, 景宁畲族自治县 → 景宁, 绍兴市 → 绍兴."""
    if name.endswith("自治县"):
        return name[:2]
    if len(name) > 2 and name[-1] in "市区县":
        return name[:-1]
    return name


def company_name(rng: random.Random, *, brand_word: str, trade: str, city: str, county: str) -> str:
    """浙江恒达印染有限公司 / 绍兴柯桥恒达印染有限公司 / 绍兴市恒达印染有限公司 …"""
    pattern = rng.random()
    if pattern < 0.30:
        place = "浙江"
    elif pattern < 0.55:
        place = short_place(city)
    elif pattern < 0.80:
        place = short_place(city) + short_place(county)
    else:
        place = short_place(county)
    return f"{place}{brand_word}{trade}{rng.choice(COMPANY_SUFFIXES)}"


def address(rng: random.Random, *, city: str, county: str) -> str:
    park = rng.choice(PARKS)
    road = rng.choice(ROAD_WORDS.split()) + rng.choice(ROAD_SUFFIXES)
    return f"浙江省{city}{county}{park}{road}{rng.randint(1, 1999)}号"
