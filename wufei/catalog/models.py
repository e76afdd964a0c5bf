"""Reference data: the waste catalogue by edition, exemptions, general-waste classes,
treatment methods and administrative regions. Loaded from ``catalog/data/`` by
``manage.py load_reference_data`` (idempotent); nobody edits them through actions."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wufei.core.permissions import Policy, RestrictedManager

REFERENCE = Policy(
    public_view=True,
    add_roles=frozenset(),
    change_roles=frozenset(),
    admin_actions=frozenset({"view"}),
)


class Hazard(models.TextChoices):
    """危险特性 (名录 note 1)."""

    TOXICITY = "T", _("Toxicity (T)")
    CORROSIVITY = "C", _("Corrosivity (C)")
    IGNITABILITY = "I", _("Ignitability (I)")
    REACTIVITY = "R", _("Reactivity (R)")
    INFECTIVITY = "In", _("Infectivity (In)")


class CatalogueEdition(models.Model):
    """An edition of 《国家危险废物名录》 (2021: 令第15号; 2025: 令第36号)."""

    code = models.CharField(_("edition"), max_length=10, unique=True)  # "2021"
    title = models.CharField(_("title"), max_length=200)
    decree = models.CharField(_("decree"), max_length=100, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    source = models.TextField(_("source"), blank=True)

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("catalogue edition")
        verbose_name_plural = _("catalogue editions")

    def __str__(self) -> str:
        return f"{self.title}"


class WasteCategory(models.Model):
    """废物类别 (HW01–HW50) within one edition."""

    edition = models.ForeignKey(
        CatalogueEdition, on_delete=models.PROTECT, related_name="categories"
    )
    code = models.CharField(_("category"), max_length=4)  # "HW08"
    name = models.CharField(_("category name"), max_length=100)

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "code"], name="catalog_category_edition_code"
            )
        ]
        verbose_name = _("waste category")
        verbose_name_plural = _("waste categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WasteCode(models.Model):
    """废物代码 of 《国家危险废物名录》: ``NNN-NNN-NN`` (industry, sequence, category).

    ``hazard`` keeps the printed form: ``,`` = has the first and may have the others;
    ``/`` = has one or more of those listed (名录 附表 note 1). The parsed flags are for search.
    """

    edition = models.ForeignKey(CatalogueEdition, on_delete=models.PROTECT, related_name="codes")
    category = models.ForeignKey(WasteCategory, on_delete=models.PROTECT, related_name="codes")
    code = models.CharField(_("waste code"), max_length=10, db_index=True)  # "900-249-08"
    industry_code = models.CharField(
        _("industry code"), max_length=3
    )  # GB/T 4754 first 3 digits; 900 = 非特定行业
    industry_source = models.CharField(_("industry source"), max_length=100)
    description = models.TextField(_("hazardous waste"))
    hazard = models.CharField(_("hazard characteristics (as printed)"), max_length=20)
    hazard_mode = models.CharField(
        _("hazard combination"),
        max_length=10,
        choices=[
            ("single", _("single")),
            ("all", _("has the first, may have the others (,)")),
            ("any", _("has one or more of these (/)")),
        ],
    )
    is_toxic = models.BooleanField("T", default=False)
    is_corrosive = models.BooleanField("C", default=False)
    is_ignitable = models.BooleanField("I", default=False)
    is_reactive = models.BooleanField("R", default=False)
    is_infectious = models.BooleanField("In", default=False)
    source_page = models.PositiveSmallIntegerField(
        _("page in the official PDF"), null=True, blank=True
    )

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "code"], name="catalog_wastecode_edition_code"
            )
        ]
        verbose_name = _("waste code")
        verbose_name_plural = _("waste codes")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return (
            f"{reverse('catalog:wastecode_detail', args=[self.code])}?edition={self.edition.code}"
        )

    @property
    def digits(self) -> str:
        """The 8 digits without hyphens (used in HJ 1276 identification codes)."""
        return self.code.replace("-", "")

    @property
    def hazards(self) -> list[str]:
        return [
            h
            for h, on in (
                ("T", self.is_toxic),
                ("C", self.is_corrosive),
                ("I", self.is_ignitable),
                ("R", self.is_reactive),
                ("In", self.is_infectious),
            )
            if on
        ]


class ExemptionStage(models.TextChoices):
    """豁免环节."""

    ALL = "all", _("All stages")
    COLLECTION = "collection", _("Collection")
    TRANSPORT = "transport", _("Transport")
    UTILISATION = "utilisation", _("Utilisation")
    DISPOSAL = "disposal", _("Disposal")
    UTILISATION_DISPOSAL = "utilisation_disposal", _("Utilisation and disposal")


class Exemption(models.Model):
    """豁免管理清单 entry: (code or category) × stage × condition → what is not managed as HW.

    ``codes`` lists the 名录 codes the item covers; ``category_text`` keeps the printed
    废物类别/代码 column (items such as household waste name no code). One numbered item (序号)
    has several rows: one per 豁免环节 and sometimes several per stage (different wastes or
    conditions), so a row is identified by its position ``row`` in the edition's list.
    """

    edition = models.ForeignKey(
        CatalogueEdition, on_delete=models.PROTECT, related_name="exemptions"
    )
    row = models.PositiveSmallIntegerField(_("row"))  # position in the edition's list (1-based)
    item = models.PositiveSmallIntegerField(_("item"))  # 序号
    category_text = models.CharField(_("category or codes (as printed)"), max_length=300)
    waste = models.TextField(_("hazardous waste"))
    stage = models.CharField(_("exempt stage"), max_length=30, choices=ExemptionStage.choices)
    stage_text = models.CharField(_("exempt stage (as printed)"), max_length=30)
    condition = models.TextField(_("exemption condition"))
    content = models.TextField(_("what is exempted"))
    codes = models.ManyToManyField(
        WasteCode, blank=True, related_name="exemptions", verbose_name=_("waste codes")
    )
    categories = models.ManyToManyField(
        WasteCategory, blank=True, related_name="exemptions", verbose_name=_("categories")
    )
    suspends_manifest = models.BooleanField(_("no transfer manifest needed"), default=False)
    suspends_permit = models.BooleanField(_("no operating permit needed"), default=False)
    suspends_transport_rules = models.BooleanField(
        _("not transported as hazardous waste"), default=False
    )
    source_page = models.PositiveSmallIntegerField(
        _("page in the official PDF"), null=True, blank=True
    )

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["edition", "row"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "row"], name="catalog_exemption_edition_row")
        ]
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")

    def __str__(self) -> str:
        return f"{self.item}. {self.category_text} ({self.get_stage_display()})"


class Verification(models.TextChoices):
    """How sure we are of a reference entry (REGULATIONS.md tags)."""

    VERIFIED = "V", _("read in the official text")
    SECONDARY = "S", _("secondary source")
    UNVERIFIED = "M", _("unverified")


class GeneralWasteCategory(models.Model):
    """一般工业固体废物 class: the 2021 ledger guide's SWxx and the 2024 目录's Sxx.

    第I类/第II类 (GB 18599-2020) is a property of a waste stream, not of the class.
    """

    code_2021 = models.CharField(_("code (2021 guide)"), max_length=6, unique=True)
    code_2024 = models.CharField(_("class code (2024 catalogue)"), max_length=6, blank=True)
    name = models.CharField(_("name"), max_length=100)
    verified = models.CharField(_("verified"), max_length=1, choices=Verification.choices)

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["code_2021"]
        verbose_name = _("general industrial waste class")
        verbose_name_plural = _("general industrial waste classes")

    def __str__(self) -> str:
        return f"{self.code_2021} {self.name}"


class TreatmentMethod(models.Model):
    """利用/处置方式 code (R utilisation, D disposal, C Chinese additions, Y medical)."""

    class Kind(models.TextChoices):
        UTILISATION = "utilisation", _("Utilisation")
        DISPOSAL = "disposal", _("Disposal")
        OTHER = "other", _("Other")
        MEDICAL = "medical", _("Medical waste")

    code = models.CharField(_("method code"), max_length=6, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    verified = models.CharField(_("verified"), max_length=1, choices=Verification.choices)

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["code"]
        verbose_name = _("treatment method")
        verbose_name_plural = _("treatment methods")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Region(models.Model):
    """行政区划 (GB/T 2260). ``prefix`` is the code without its trailing zeros at its level
    (province ``33``, city ``3306``, county ``330602``): a region's subtree is every region whose
    prefix starts with it, and so is a regulator's jurisdiction."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(_("region code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    prefix = models.CharField(_("code prefix"), max_length=6, unique=True, db_index=True)
    center_lon = models.FloatField(_("centre longitude"), null=True, blank=True)
    center_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)

    objects = RestrictedManager()
    policy = REFERENCE

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:region_detail", args=[self.code])

    @staticmethod
    def prefix_of(code: str, level: str) -> str:
        return {"province": code[:2], "city": code[:4]}.get(level, code[:6])

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def city_code(self) -> str:
        """The 2 digits of the prefecture within the province ("00" for a province)."""
        return self.code[2:4]

    def subtree(self) -> models.QuerySet[Region]:
        return Region.objects.filter(prefix__startswith=self.prefix)

    def ancestors(self) -> list[Region]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
