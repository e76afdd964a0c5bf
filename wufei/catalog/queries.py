"""Read helpers for the catalogue: the current edition, finding and searching codes, and the
exemption question "is this code exempt at this stage?" (豁免管理清单).

Views and API views pass a queryset that already went through ``restrict(user, "view")``;
the helpers only narrow it.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wufei.core.errors import NotFound, ValidationFailed

from .models import CatalogueEdition, Exemption, ExemptionStage, Region, WasteCategory, WasteCode

HAZARD_FLAGS = {
    "T": "is_toxic",
    "C": "is_corrosive",
    "I": "is_ignitable",
    "R": "is_reactive",
    "IN": "is_infectious",
}

#: For a stage asked about, the exemption stages that cover it. An exemption for 全部环节
#: covers every stage; one for 利用、处置 covers utilisation and disposal.
COVERING_STAGES: dict[str, tuple[str, ...]] = {
    ExemptionStage.ALL: (ExemptionStage.ALL,),
    ExemptionStage.COLLECTION: (ExemptionStage.ALL, ExemptionStage.COLLECTION),
    ExemptionStage.TRANSPORT: (ExemptionStage.ALL, ExemptionStage.TRANSPORT),
    ExemptionStage.UTILISATION: (
        ExemptionStage.ALL,
        ExemptionStage.UTILISATION,
        ExemptionStage.UTILISATION_DISPOSAL,
    ),
    ExemptionStage.DISPOSAL: (
        ExemptionStage.ALL,
        ExemptionStage.DISPOSAL,
        ExemptionStage.UTILISATION_DISPOSAL,
    ),
    ExemptionStage.UTILISATION_DISPOSAL: (ExemptionStage.ALL, ExemptionStage.UTILISATION_DISPOSAL),
}

HAZARD_MODE_MEANING = {
    "single": _("The waste has this hazard characteristic."),
    "all": _(
        "Separated by ',': the waste has the first characteristic listed and may also have the others."
    ),
    "any": _("Separated by '/': the waste has one or more of the characteristics listed."),
}

_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-", "‐": "-", "‑": "-"})
_CODE_RE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
_CATEGORY_RE = re.compile(r"^HW\s*(\d{1,2})$", re.IGNORECASE)


def current_edition() -> CatalogueEdition | None:
    """The edition marked current; failing that, the newest one already in force."""
    editions = CatalogueEdition.objects.all()
    current = editions.filter(is_current=True).first()
    if current is not None:
        return current
    return (
        editions.filter(effective_from__lte=timezone.localdate())
        .order_by("-effective_from")
        .first()
    )


def resolve_edition(edition: CatalogueEdition | str | None) -> CatalogueEdition | None:
    """An edition object from an object, an edition code ("2021") or ``None`` (the current)."""
    if isinstance(edition, CatalogueEdition):
        return edition
    if edition in (None, ""):
        return current_edition()
    found = CatalogueEdition.objects.filter(code=str(edition)).first()
    if found is None:
        raise NotFound(
            _("Catalogue edition %(edition)s does not exist.") % {"edition": edition},
            code="catalog.edition_not_found",
            field="edition",
        )
    return found


def normalize_code(text: str) -> str | None:
    """``"900-249-08"``, ``"90024908"`` or ``"900－249－08"`` → ``"900-249-08"``; else ``None``."""
    s = (text or "").strip().translate(_DASHES).replace(" ", "")
    if _CODE_RE.match(s):
        return s
    if s.isdigit() and len(s) == 8:
        return f"{s[:3]}-{s[3:6]}-{s[6:]}"
    return None


def normalize_category(text: str) -> str | None:
    """``"HW08"``, ``"hw8"`` → ``"HW08"``; else ``None``."""
    m = _CATEGORY_RE.match((text or "").strip())
    return f"HW{int(m.group(1)):02d}" if m else None


def find_code(
    code_str: str,
    edition: CatalogueEdition | str | None = None,
    *,
    queryset: QuerySet | None = None,
) -> WasteCode | None:
    """The waste code ``code_str`` (with or without hyphens) in ``edition`` (default: the
    current edition), or ``None``."""
    code = normalize_code(code_str)
    ed = resolve_edition(edition)
    if code is None or ed is None:
        return None
    qs = queryset if queryset is not None else WasteCode.objects.all()
    return qs.select_related("edition", "category").filter(edition=ed, code=code).first()


def _hazard_q(letters: str) -> Q:
    """``"T"`` → toxic; ``"T,C"`` or ``"TC"``-like lists → all of them."""
    q = Q()
    for part in re.split(r"[,/\s]+", letters.strip()):
        if not part:
            continue
        flag = HAZARD_FLAGS.get(part.upper())
        if flag is None:
            raise ValidationFailed(
                _("Unknown hazard characteristic %(value)s (use T, C, I, R or In).")
                % {"value": part},
                code="catalog.hazard_invalid",
                field="hazard",
            )
        q &= Q(**{flag: True})
    return q


def _term_q(term: str) -> Q:
    """One search term against code, description, category, industry and hazard."""
    t = term.translate(_DASHES)
    if re.fullmatch(r"[\d-]+", t):
        digits = t.replace("-", "")
        q = Q(code_digits__contains=digits) if digits else Q()
        if "-" in t:
            q |= Q(code__contains=t)
        return q
    category = normalize_category(t)
    if category:
        return Q(category__code=category)
    if t.upper() in HAZARD_FLAGS:
        return Q(**{HAZARD_FLAGS[t.upper()]: True})
    return (
        Q(description__icontains=t)
        | Q(category__name__icontains=t)
        | Q(industry_source__icontains=t)
        | Q(code__icontains=t)
    )


def search_codes(
    q: str = "",
    *,
    category: str | int | None = None,
    hazard: str | None = None,
    industry: str | None = None,
    edition: CatalogueEdition | str | None = None,
    all_editions: bool = False,
    queryset: QuerySet | None = None,
) -> QuerySet:
    """Search waste codes in one edition (default: the current one).

    ``q``: whitespace-separated terms, all of which must match; a term is a code or part of
    one with or without hyphens (``900-249``, ``90024908``, ``24908``), a category (``HW08``),
    a hazard letter (``T``, ``In``) or text found in the description, category name or
    industry source. Filters: ``category`` (``HW08`` or a pk), ``hazard`` (``T`` or ``T,C``:
    codes that have all of them), ``industry`` (the 3-digit industry code, or text of the
    industry source).
    """
    qs = queryset if queryset is not None else WasteCode.objects.all()
    qs = qs.select_related("edition", "category").annotate(
        code_digits=Replace(F("code"), Value("-"), Value(""))
    )
    if not all_editions:
        ed = resolve_edition(edition)
        if ed is None:
            return qs.none()
        qs = qs.filter(edition=ed)
    for term in (q or "").split():
        qs = qs.filter(_term_q(term))
    if category not in (None, ""):
        cat = str(category).strip()
        if cat.isdigit():
            qs = qs.filter(category_id=int(cat))
        else:
            code = normalize_category(cat)
            if code is None:
                raise ValidationFailed(
                    _("Unknown category %(value)s (use HW01 to HW50).") % {"value": cat},
                    code="catalog.category_invalid",
                    field="category",
                )
            qs = qs.filter(category__code=code)
    if hazard:
        qs = qs.filter(_hazard_q(hazard))
    if industry:
        ind = industry.strip()
        qs = (
            qs.filter(industry_code=ind)
            if ind.isdigit()
            else qs.filter(industry_source__icontains=ind)
        )
    return qs.order_by("code")


def industries(edition: CatalogueEdition | None = None) -> list[tuple[str, str]]:
    """``(industry code, industry source)`` pairs of an edition, for a filter list."""
    ed = edition or current_edition()
    if ed is None:
        return []
    rows = (
        WasteCode.objects.filter(edition=ed)
        .values_list("industry_code", "industry_source")
        .distinct()
        .order_by("industry_code", "industry_source")
    )
    seen: dict[str, str] = {}
    for code, source in rows:
        seen.setdefault(code, source)
    return list(seen.items())


def _as_stage(stage: str) -> str:
    value = str(stage or "").strip()
    if value not in COVERING_STAGES:
        raise ValidationFailed(
            _("Unknown stage %(value)s (use one of: %(choices)s).")
            % {"value": value, "choices": ", ".join(ExemptionStage.values)},
            code="catalog.stage_invalid",
            field="stage",
        )
    return value


def is_exempt(
    code: WasteCode | str,
    stage: str,
    *,
    edition: CatalogueEdition | str | None = None,
    queryset: QuerySet | None = None,
) -> list[Exemption]:
    """The exemptions (豁免管理清单 rows) of the code's edition that cover ``code`` at ``stage``.

    An exemption covers a code if it names the code or the code's category, at that stage or
    at 全部环节 (``all``); 利用、处置 (``utilisation_disposal``) covers both utilisation and
    disposal. An empty list means "not exempt". A non-empty list means exempt *if the
    exemption's condition is met* (each row's ``condition``); the caller shows it.

    ``code``: a :class:`WasteCode`, or a code string looked up in ``edition`` (default: the
    current edition). Raises :class:`NotFound` for an unknown code and
    :class:`ValidationFailed` for an unknown stage.
    """
    stage = _as_stage(stage)
    if not isinstance(code, WasteCode):
        found = find_code(code, edition)
        if found is None:
            raise NotFound(
                _("Waste code %(code)s is not in the catalogue.") % {"code": code},
                code="catalog.code_not_found",
                field="code",
            )
        code = found
    qs = queryset if queryset is not None else Exemption.objects.all()
    return list(
        qs.filter(edition_id=code.edition_id, stage__in=COVERING_STAGES[stage])
        .filter(Q(codes=code) | Q(categories=code.category_id))
        .distinct()
        .order_by("row")
    )


def exemptions_for(code: WasteCode, *, queryset: QuerySet | None = None) -> QuerySet:
    """Every exemption row that names ``code`` or its category (any stage)."""
    qs = queryset if queryset is not None else Exemption.objects.all()
    return (
        qs.filter(edition_id=code.edition_id)
        .filter(Q(codes=code) | Q(categories=code.category_id))
        .distinct()
        .order_by("row")
    )


def exempt_stages(code: WasteCode) -> dict[str, list[Exemption]]:
    """``{stage: [exemptions]}`` for every single stage, as :func:`is_exempt` answers it."""
    rows = list(exemptions_for(code).prefetch_related("codes", "categories"))
    out: dict[str, list[Exemption]] = {}
    for stage in (
        ExemptionStage.COLLECTION,
        ExemptionStage.TRANSPORT,
        ExemptionStage.UTILISATION,
        ExemptionStage.DISPOSAL,
    ):
        out[stage] = [e for e in rows if e.stage in COVERING_STAGES[stage]]
    return out


def categories(
    edition: CatalogueEdition | None = None, *, queryset: QuerySet | None = None
) -> QuerySet:
    ed = edition or current_edition()
    qs = queryset if queryset is not None else WasteCategory.objects.all()
    return qs.filter(edition=ed).order_by("code") if ed else qs.none()


def region_tree(queryset: QuerySet | None = None) -> list[dict[str, Any]]:
    """Provinces, each with its cities, each with its counties (for the region page)."""
    qs = queryset if queryset is not None else Region.objects.all()
    regions = list(qs.only("id", "code", "name", "level", "parent_id", "prefix").order_by("code"))
    children: dict[int | None, list[Region]] = {}
    for r in regions:
        children.setdefault(r.parent_id, []).append(r)

    def node(r: Region) -> dict[str, Any]:
        return {"region": r, "children": [node(c) for c in children.get(r.pk, [])]}

    return [node(r) for r in regions if r.level == Region.Level.PROVINCE]
