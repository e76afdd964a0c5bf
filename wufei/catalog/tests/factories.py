"""factory_boy factories for the catalogue (used by other apps' tests too).

The factories make rows that never collide with the real reference data, so that a test may
use both: waste codes use the industry codes 990-999 (not in the 名录), general waste classes
SW60 and above, treatment methods ``X…``, and regions pick a free code (a province code that
GB/T 2260 does not use, or the next free city / county number under the given parent).

``RegionFactory()`` makes a county with a city parent and a province grandparent;
``RegionFactory(level="city")`` a city under a new province; ``RegionFactory(level="county",
parent=city)`` a county under ``city``. ``code`` and ``prefix`` are always consistent.
"""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from wufei.catalog.loaders import STAGE_SUSPENDS
from wufei.catalog.models import (
    CatalogueEdition,
    Exemption,
    ExemptionStage,
    GeneralWasteCategory,
    Region,
    TreatmentMethod,
    Verification,
    WasteCategory,
    WasteCode,
)

#: GB/T 2260 provincial codes in use; the factory's provinces use the others.
REAL_PROVINCES = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
}  # fmt: skip
FREE_PROVINCES = [p for p in range(10, 100) if p not in REAL_PROVINCES]


class CatalogueEditionFactory(DjangoModelFactory):
    class Meta:
        model = CatalogueEdition

    code = factory.Sequence(lambda n: f"T{n:04d}")
    title = factory.LazyAttribute(lambda o: f"测试名录（{o.code}）")
    decree = "测试令"
    effective_from = dt.date(2021, 1, 1)
    is_current = False
    source = "factory"


class WasteCategoryFactory(DjangoModelFactory):
    class Meta:
        model = WasteCategory
        django_get_or_create = ("edition", "code")

    edition = factory.SubFactory(CatalogueEditionFactory)
    code = factory.Sequence(lambda n: f"HW{n % 50 + 1:02d}")
    name = factory.LazyAttribute(lambda o: f"测试类别{o.code}")


def _waste_code(o, n: int) -> str:
    return f"{990 + (n // 1000) % 10}-{n % 1000:03d}-{o.category.code[2:]}"


class WasteCodeFactory(DjangoModelFactory):
    """A code ``99x-nnn-cc`` (industry 990-999 is not used by the 名录); ``hazard`` as printed
    drives ``hazard_mode`` and the flags unless they are given."""

    class Meta:
        model = WasteCode

    edition = factory.SubFactory(CatalogueEditionFactory)
    category = factory.SubFactory(WasteCategoryFactory, edition=factory.SelfAttribute("..edition"))
    code = factory.LazyAttributeSequence(_waste_code)
    industry_code = factory.LazyAttribute(lambda o: o.code[:3])
    industry_source = "测试行业"
    description = factory.LazyAttribute(lambda o: f"测试危险废物 {o.code}")
    hazard = "T"
    hazard_mode = factory.LazyAttribute(
        lambda o: "all" if "," in o.hazard else "any" if "/" in o.hazard else "single"
    )
    is_toxic = factory.LazyAttribute(lambda o: "T" in _letters(o.hazard))
    is_corrosive = factory.LazyAttribute(lambda o: "C" in _letters(o.hazard))
    is_ignitable = factory.LazyAttribute(lambda o: "I" in _letters(o.hazard))
    is_reactive = factory.LazyAttribute(lambda o: "R" in _letters(o.hazard))
    is_infectious = factory.LazyAttribute(lambda o: "In" in _letters(o.hazard))
    source_page = None


def _letters(printed: str) -> set[str]:
    return set(printed.replace("/", ",").split(","))


class ExemptionFactory(DjangoModelFactory):
    """An exemption row; pass ``codes=[…]`` / ``categories=[…]`` to link it."""

    class Meta:
        model = Exemption
        skip_postgeneration_save = True

    edition = factory.SubFactory(CatalogueEditionFactory)
    row = factory.Sequence(lambda n: n + 1)
    item = factory.LazyAttribute(lambda o: o.row)
    category_text = "测试"
    waste = "测试豁免废物"
    stage = ExemptionStage.TRANSPORT
    stage_text = factory.LazyAttribute(
        lambda o: {
            "all": "全部环节",
            "collection": "收集",
            "transport": "运输",
            "utilisation": "利用",
            "disposal": "处置",
            "utilisation_disposal": "利用、处置",
        }[o.stage]
    )
    condition = "测试条件"
    content = "不按危险废物管理。"
    suspends_manifest = factory.LazyAttribute(lambda o: STAGE_SUSPENDS[o.stage][0])
    suspends_permit = factory.LazyAttribute(lambda o: STAGE_SUSPENDS[o.stage][1])
    suspends_transport_rules = factory.LazyAttribute(lambda o: STAGE_SUSPENDS[o.stage][2])

    @factory.post_generation
    def codes(self, create, extracted, **kwargs):
        if create and extracted:
            self.codes.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


class GeneralWasteCategoryFactory(DjangoModelFactory):
    class Meta:
        model = GeneralWasteCategory

    code_2021 = factory.Sequence(lambda n: f"SW{60 + n % 940}")
    code_2024 = ""
    name = factory.LazyAttribute(lambda o: f"测试一般固废{o.code_2021}")
    verified = Verification.UNVERIFIED


class TreatmentMethodFactory(DjangoModelFactory):
    class Meta:
        model = TreatmentMethod

    code = factory.Sequence(lambda n: f"X{n}")
    kind = TreatmentMethod.Kind.DISPOSAL
    name = factory.LazyAttribute(lambda o: f"测试方式{o.code}")
    verified = Verification.SECONDARY


def _free_code(level: str, parent: Region | None) -> str:
    """A region code not yet in the database, consistent with ``level`` and ``parent``."""
    if level == Region.Level.PROVINCE:
        taken = set(Region.objects.filter(level=level).values_list("code", flat=True))
        for p in FREE_PROVINCES:
            if f"{p}0000" not in taken:
                return f"{p}0000"
        raise RuntimeError("RegionFactory: no free province code left")
    if parent is None:
        raise ValueError(f"RegionFactory: a {level} needs a parent")
    stem = parent.code[:2] if level == Region.Level.CITY else parent.code[:4]
    taken = set(Region.objects.filter(code__startswith=stem).values_list("code", flat=True))
    for n in range(1, 100):
        code = f"{stem}{n:02d}00" if level == Region.Level.CITY else f"{stem}{n:02d}"
        if code not in taken:
            return code
    raise RuntimeError(f"RegionFactory: no free {level} code under {parent.code}")


def _default_parent(level: str) -> Region | None:
    if level == Region.Level.COUNTY:
        return RegionFactory(level=Region.Level.CITY)
    if level == Region.Level.CITY:
        return RegionFactory(level=Region.Level.PROVINCE)
    return None


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    level = Region.Level.COUNTY
    parent = factory.LazyAttribute(lambda o: _default_parent(o.level))
    code = factory.LazyAttribute(lambda o: _free_code(o.level, o.parent))
    prefix = factory.LazyAttribute(lambda o: Region.prefix_of(o.code, o.level))
    name = factory.LazyAttribute(
        lambda o: {"province": "测试省", "city": "测试市", "county": "测试县"}[o.level] + o.code
    )
    center_lon = 120.5
    center_lat = 30.0
    boundary = None
