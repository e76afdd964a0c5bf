"""Field checks shared by the registry actions, the import and the forms.

Each check returns the cleaned value or raises :class:`ValidationFailed` with a stable code,
the field it concerns and a translatable message (Chinese by default).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

from wufei.catalog.models import Region
from wufei.core.errors import ValidationFailed

from .models import OrgRole

# 31 provincial abbreviations used on Chinese plates (GA 36).
PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"^[{PROVINCE_ABBREVIATIONS}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]|[A-HJ-NP-Z0-9]{{6}})$"
)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_INDUSTRY = re.compile(r"^[A-T](?:\d{2,4})?$|^\d{2,4}$")

# Accepted spellings of the roles in forms, files and the API.
ROLE_ALIASES = {
    "producer": OrgRole.PRODUCER,
    "产废单位": OrgRole.PRODUCER,
    "产生单位": OrgRole.PRODUCER,
    "产废": OrgRole.PRODUCER,
    "carrier": OrgRole.CARRIER,
    "承运人": OrgRole.CARRIER,
    "运输单位": OrgRole.CARRIER,
    "承运": OrgRole.CARRIER,
    "receiver": OrgRole.RECEIVER,
    "接受人": OrgRole.RECEIVER,
    "经营单位": OrgRole.RECEIVER,
    "接收单位": OrgRole.RECEIVER,
    "operator": OrgRole.RECEIVER,
    "collector": OrgRole.COLLECTOR,
    "小微收运单位": OrgRole.COLLECTOR,
    "收运单位": OrgRole.COLLECTOR,
    "regulator": OrgRole.REGULATOR,
    "生态环境局": OrgRole.REGULATOR,
    "监管部门": OrgRole.REGULATOR,
}


def clean_uscc(value: Any) -> str:
    """统一社会信用代码 (GB 32100-2015), checked with python-stdnum ``cn.uscc``."""
    raw = str(value or "").strip()
    if not raw:
        raise ValidationFailed(
            _("Enter the unified social credit code."), code="registry.uscc_required", field="uscc"
        )
    try:
        return stdnum_uscc.validate(raw)
    except stdnum_exceptions.InvalidLength:
        problem = _("it must have 18 characters")
    except stdnum_exceptions.InvalidFormat:
        problem = _(
            "the first 8 characters must be digits and the rest digits or capital letters other than I, O, Z, S, V"
        )
    except stdnum_exceptions.InvalidChecksum:
        problem = _("the check digit (last character) is wrong")
    except stdnum_exceptions.ValidationError:
        problem = _("it is not a valid code")
    raise ValidationFailed(
        _("Unified social credit code check failed: %(problem)s.") % {"problem": problem},
        code="registry.uscc_invalid",
        field="uscc",
        details={"value": raw},
    )


def clean_required(value: Any, field: str, label: str, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(
            _("Enter the %(label)s.") % {"label": label}, code="registry.required", field=field
        )
    return clean_length(text, field, label, max_length)


def clean_length(value: Any, field: str, label: str, max_length: int) -> str:
    text = str(value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(
            _("The %(label)s is too long (%(max)d characters at most).")
            % {"label": label, "max": max_length},
            code="registry.too_long",
            field=field,
        )
    return text


def clean_region(
    value: Any, field: str = "region", regions: dict[str, Region] | None = None
) -> Region:
    """A Region instance, or its 6-digit code (GB/T 2260)."""
    if isinstance(value, Region):
        return value
    code = str(value or "").strip()
    if code.endswith(".0"):  # spreadsheets turn codes into numbers
        code = code[:-2]
    if not code:
        raise ValidationFailed(
            _("Choose the region."), code="registry.region_required", field=field
        )
    region = regions.get(code) if regions is not None else Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(
            _("Unknown region code %(code)s (GB/T 2260, 6 digits).") % {"code": code},
            code="registry.region_unknown",
            field=field,
        )
    return region


def clean_roles(value: Any) -> list[str]:
    """A list of roles; a string may separate them with commas, 、 or spaces."""
    if isinstance(value, str):
        items = [p for p in re.split(r"[,，、;；/\s]+", value) if p]
    else:
        items = [str(p) for p in (value or [])]
    roles: list[str] = []
    for item in items:
        role = ROLE_ALIASES.get(item.strip().lower()) or ROLE_ALIASES.get(item.strip())
        if role is None:
            raise ValidationFailed(
                _("Unknown role “%(role)s” (producer, carrier, receiver, collector or regulator).")
                % {"role": item},
                code="registry.role_unknown",
                field="roles",
            )
        if role not in roles:
            roles.append(str(role))
    if not roles:
        raise ValidationFailed(
            _("Choose at least one role."), code="registry.roles_required", field="roles"
        )
    return roles


def clean_tonnes(
    value: Any, field: str, *, required: bool = False, positive: bool = False
) -> Decimal | None:
    """A weight in tonnes: at most 4 decimals, not negative (optionally > 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed(
                _("Enter a weight in tonnes."), code="registry.tonnes_required", field=field
            )
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("“%(value)s” is not a number of tonnes.") % {"value": value},
            code="registry.tonnes_invalid",
            field=field,
        ) from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0):
        raise ValidationFailed(
            _("The weight must be greater than zero.")
            if positive
            else _("The weight cannot be negative."),
            code="registry.tonnes_invalid",
            field=field,
        )
    if amount != amount.quantize(Decimal("0.0001")) or amount >= Decimal("1e10"):
        raise ValidationFailed(
            _("Weights are recorded in tonnes with at most 4 decimals (0.1 kg)."),
            code="registry.tonnes_invalid",
            field=field,
        )
    return amount.quantize(Decimal("0.0001"))


def clean_phone(value: Any, field: str, *, required: bool = False) -> str:
    text = re.sub(r"[\s()（）]", "", str(value or ""))
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        if required:
            raise ValidationFailed(
                _("Enter a phone number."), code="registry.phone_required", field=field
            )
        return ""
    if not (_MOBILE.match(text) or _LANDLINE.match(text)):
        raise ValidationFailed(
            _("“%(value)s” is not a phone number (11-digit mobile or area code + number).")
            % {"value": value},
            code="registry.phone_invalid",
            field=field,
        )
    return text


def clean_email(value: Any, field: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(
                _("Enter an e-mail address."), code="registry.email_required", field=field
            )
        return ""
    try:
        validate_email(text)
    except DjangoValidationError:
        raise ValidationFailed(
            _("“%(value)s” is not an e-mail address.") % {"value": text},
            code="registry.email_invalid",
            field=field,
        ) from None
    return text.lower()


def clean_industry_code(value: Any) -> str:
    text = str(value or "").strip().upper()
    if text.endswith(".0"):
        text = text[:-2]
    if text and not _INDUSTRY.match(text):
        raise ValidationFailed(
            _("“%(value)s” is not an industry code of GB/T 4754 (a letter and/or 2–4 digits).")
            % {"value": text},
            code="registry.industry_code_invalid",
            field="industry_code",
        )
    return text


def clean_plate(value: Any) -> str:
    """A Chinese plate: province abbreviation + letter + 5 characters (6 for new-energy)."""
    text = re.sub(r"[\s·•-]", "", str(value or "")).upper()
    if not text:
        raise ValidationFailed(
            _("Enter the plate number."), code="registry.plate_required", field="plate"
        )
    if not _PLATE.match(text):
        raise ValidationFailed(
            _("“%(value)s” is not a Chinese plate number (e.g. 浙D12345, new-energy 浙AD12345).")
            % {"value": value},
            code="registry.plate_invalid",
            field="plate",
        )
    return text


def clean_coordinate(value: Any, field: str, low: float, high: float) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not (low <= number <= high):
        raise ValidationFailed(
            _("Enter a WGS-84 coordinate between %(low)s and %(high)s.")
            % {"low": low, "high": high},
            code="registry.coordinate_invalid",
            field=field,
        )
    return number.quantize(Decimal("0.000001"))
