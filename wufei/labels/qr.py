"""QR codes on HJ 1276 labels (segno).

The QR carries the URL of the container's page, ``{base_url}/c/{ident_code}`` (the ledger
serves ``/c/<ident>``), which also contains the 37-character identification code, so that
a phone opens the page and any scanner can read the code. Without a base URL the payload
is the bare code. Error correction level M (15 %), boosted when the version allows.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlsplit

import segno

from .ident import parse_ident_code

QUIET_ZONE = 2  # modules of white around the code on the label (scanners accept 2)
CONTAINER_PATH = "/c/"
_DARK = re.compile(b"\x01+")
LABEL_MASK = 2  # data mask pattern 2 (columns): see qr_matrix


def qr_payload(ident_code: str, base_url: str = "") -> str:
    """``https://host/c/<ident>`` for a base URL (http/https), else the bare code.

    The code is checked first (:class:`wufei.labels.ident.IdentCodeError` when it is bad).
    """
    code = parse_ident_code(ident_code).code
    base = (base_url or "").strip().rstrip("/")
    if not base:
        return code
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    return f"{base}{CONTAINER_PATH}{code}"


def container_path(ident_code: str) -> str:
    """Path of a container's page on this site (served by the ledger)."""
    return f"{CONTAINER_PATH}{ident_code}"


def _make(payload: str, mask: int | None = None) -> segno.QRCode:
    if not payload:
        raise ValueError("empty QR payload")
    return segno.make_qr(payload, error="m", boost_error=True, mask=mask)


@lru_cache(maxsize=2048)
def qr_matrix(payload: str) -> tuple[bytes, ...]:
    """The dark (1) / light (0) modules, without the quiet zone, row by row from the top.

    Labels use a fixed data mask (LABEL_MASK): choosing the best of the eight masks costs
    segno ~15 ms a code, three times the whole rest of a label; any mask decodes, the best
    one only evens out the pattern. Pages (qr_png, qr_svg) keep the best mask.
    """
    qr = _make(payload, LABEL_MASK)
    return tuple(bytes(row) for row in qr.matrix)


def qr_png(payload: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A PNG image of the code (black on white, 4-module quiet zone by default)."""
    buffer = io.BytesIO()
    _make(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(payload: str, *, scale: int = 4, border: int = 4, title: str = "") -> str:
    """An SVG document of the code (for pages); no XML declaration, so it can be inlined."""
    buffer = io.BytesIO()
    _make(payload).save(
        buffer,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=False,
        svgns=True,
        title=title or None,
    )
    return buffer.getvalue().decode("utf-8")


def qr_runs(matrix: Sequence[bytes]) -> list[tuple[int, int, int, int]]:
    """Dark modules merged into rectangles (x, y, width, height) in module units.

    Horizontal runs first, then identical runs in consecutive rows are stacked, so a label
    draws a few hundred rectangles per code instead of one per module.
    """
    open_runs: dict[tuple[int, int], list[int]] = {}  # (x, w) -> [y0, h]
    done: list[tuple[int, int, int, int]] = []
    for y, row in enumerate(matrix):
        runs = {(m.start(), m.end() - m.start()) for m in _DARK.finditer(row)}
        for key in [key for key in open_runs if key not in runs]:
            y0, h = open_runs.pop(key)
            done.append((key[0], y0, key[1], h))
        for key in runs:
            if key in open_runs:
                open_runs[key][1] += 1
            else:
                open_runs[key] = [y, 1]
    done.extend((key[0], y0, key[1], h) for key, (y0, h) in open_runs.items())
    return done
