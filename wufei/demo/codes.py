"""Identifiers of the demo province: valid, unique and reproducible from the seed.

- USCC (统一社会信用代码, GB 32100-2015): registration authority + entity type + 6-digit region
  code + 9-character organisation code (GB 11714: 8 characters and a check character) + the
  USCC check character (python-stdnum ``cn.uscc``).
- HJ 608-style site code: the USCC + 3 digits + a letter.
- Plates (浙A…浙L by city), 道路运输证 numbers, GNSS terminal ids, resident ID numbers for the
  drivers' qualification certificates (GB 11643 check digit, python-stdnum ``cn.ric``).

Uniqueness comes from bijections keyed by the seed (``n → (a·n + b) mod M`` with ``a`` prime
to ``M``): every organisation has a serial number ``n`` that no other organisation shares, so
no two generated codes can collide, whatever the scale.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

# Plate letter of each prefecture-level city of Zhejiang (GA 36): 浙A 杭州 … 浙L 舟山.
CITY_PLATE_LETTER = {
    "3301": "A",
    "3302": "B",
    "3303": "C",
    "3304": "F",
    "3305": "E",
    "3306": "D",
    "3307": "G",
    "3308": "H",
    "3309": "L",
    "3310": "J",
    "3311": "K",
}

# Serial-number blocks per kind of organisation: n = KIND_BLOCK[kind] * BLOCK + index.
BLOCK = 10_000_000
KIND_BLOCK = {"regulator": 0, "producer": 1, "carrier": 2, "receiver": 3, "collector": 4}

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 check character weights
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O


def _key(seed: int, label: str) -> int:
    digest = hashlib.sha256(f"wufei-demo:{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def permute(seed: int, label: str, n: int, modulus: int) -> int:
    """A seed-keyed bijection of ``range(modulus)``."""
    k = _key(seed, label)
    a = (k % (modulus - 1)) + 1
    while math.gcd(a, modulus) != 1:
        a += 1
    b = (k >> 20) % modulus
    return (a * n + b) % modulus


def _org_char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(_org_char_value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def org_code(seed: int, kind: str, index: int, *, legacy: bool) -> str:
    """9-character organisation code: legacy 8 digits, or the post-2015 ``MA…`` form."""
    n = KIND_BLOCK[kind] * BLOCK + index
    if legacy:
        body = f"{permute(seed, 'org-legacy', n, 10**8):08d}"
    else:
        m = permute(seed, "org-ma", n, len(_USCC_ALPHABET) ** 5)
        chars = []
        for _ in range(5):
            m, r = divmod(m, len(_USCC_ALPHABET))
            chars.append(_USCC_ALPHABET[r])
        body = "MA2" + "".join(reversed(chars))  # MA2xxxxx, as on Zhejiang licences since 2015
    return body + org_code_check(body)


def make_uscc(seed: int, kind: str, index: int, region_code: str, *, legacy: bool = False) -> str:
    """A valid USCC; regulators are 机关 (11), enterprises 企业 (91)."""
    prefix = "11" if kind == "regulator" else "91"
    base = prefix + region_code + org_code(seed, kind, index, legacy=legacy or kind == "regulator")
    return base + stdnum_uscc.calc_check_digit(base)


def site_code(uscc: str, number: int = 1, letter: str = "A") -> str:
    """HJ 608-style site code: USCC + 3-digit site number + letter."""
    return f"{uscc}{number:03d}{letter}"


def plate(seed: int, city_prefix: str, carrier_index: int, vehicle_index: int) -> str:
    """A Zhejiang plate of the carrier's city (``浙D·A1234`` form, written ``浙DA1234``)."""
    space = len(_PLATE_LETTERS) * 10_000  # unique for the first 15,000 carriers
    m = permute(seed, "plate", (carrier_index * 16 + vehicle_index) % space, space)
    return f"浙{CITY_PLATE_LETTER[city_prefix]}{_PLATE_LETTERS[m // 10_000]}{m % 10_000:04d}"


def transport_permit_no(seed: int, county_code: str, carrier_index: int, vehicle_index: int) -> str:
    """道路运输证 number: the issuing county's code + 6 digits."""
    n = carrier_index * 16 + vehicle_index
    return f"{county_code}{permute(seed, 'transport-permit', n, 10**6):06d}"


def terminal_id(seed: int, carrier_index: int, vehicle_index: int) -> str:
    """GNSS terminal id (JT/T 808 style: 12 digits)."""
    n = carrier_index * 16 + vehicle_index
    return f"0133{permute(seed, 'terminal', n, 10**8):08d}"


def resident_id(county_code: str, birth: str, sequence: int) -> str:
    """A GB 11643 resident ID number (used as the 从业资格证 number). The birth place must have
    existed in the birth year for python-stdnum to accept it: see :func:`valid_resident_id`."""
    base = f"{county_code}{birth}{sequence % 1000:03d}"
    return base + stdnum_ric.calc_check_digit(
        base + "0"
    )  # stdnum expects a placeholder check digit


def _valid_birthplace(code: str, year: int) -> bool:
    try:
        stdnum_ric.validate(resident_id(code, f"{year}0101", 1))
    except Exception:  # stdnum raises KeyError for some recent county codes, too
        return False
    return True


@cache
def birthplaces(places: tuple[str, ...], year: int) -> tuple[str, ...]:
    """The counties that existed under their present code in ``year`` (python-stdnum's table)."""
    return tuple(c for c in places if _valid_birthplace(c, year)) or (
        "330122",
    )  # 桐庐县: since before 1970


def valid_resident_id(rng, places: list[str], birth: str, sequence: int) -> str:
    """A resident ID whose birth place existed at birth (e.g. 钱塘区 only since 2021)."""
    return resident_id(rng.choice(birthplaces(tuple(places), int(birth[:4]))), birth, sequence)
