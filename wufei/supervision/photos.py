"""Photos from the public: type and size checked, location read from EXIF, re-encoded.

Only JPEG, PNG and WebP are accepted, at most ``WUFEI_REPORT_PHOTO_MAX_MB`` (10 MB) and 40
megapixels. The GPS position in the EXIF data is read (the reporter may not have shared the
phone's location) and then *every* metadata block is dropped: the image is decoded and saved
again as a fresh JPEG, so nothing but the pixels leaves the upload (camera serial numbers,
owner names and thumbnails included).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from wufei.core.errors import ValidationFailed

ALLOWED = {"JPEG", "PNG", "WEBP", "MPO"}
MAX_PIXELS = 40_000_000


@dataclass
class CleanPhoto:
    content: ContentFile
    sha256: str
    latitude: float | None
    longitude: float | None


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return float("nan")


def _gps(image: Image.Image) -> tuple[float | None, float | None]:
    try:
        exif = image.getexif()
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 - broken EXIF is ignored, never trusted
        return None, None
    if not gps:
        return None, None

    def degrees(dms: Any, ref: Any) -> float | None:
        try:
            d, m, s = (_ratio(x) for x in dms)
        except (TypeError, ValueError):
            return None
        value = d + m / 60 + s / 3600
        if value != value:  # NaN
            return None
        return -value if str(ref).upper() in ("S", "W") else value

    lat = degrees(gps.get(2), gps.get(1))
    lon = degrees(gps.get(4), gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def clean_photo(upload: Any, field: str = "photos") -> CleanPhoto:
    limit = int(getattr(settings, "WUFEI_REPORT_PHOTO_MAX_MB", 10)) * 1024 * 1024
    size = getattr(upload, "size", None)
    data = upload.read(limit + 1)
    if (size or len(data)) > limit or len(data) > limit:
        raise ValidationFailed(
            _("A photo may be at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            code="supervision.photo_too_large",
            field=field,
        )
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        image = Image.open(io.BytesIO(data))
        fmt = image.format
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationFailed(
            _("Upload photos as JPEG, PNG or WebP images."),
            code="supervision.photo_type",
            field=field,
        ) from None
    if fmt not in ALLOWED:
        raise ValidationFailed(
            _("Upload photos as JPEG, PNG or WebP images."),
            code="supervision.photo_type",
            field=field,
        )
    lat, lon = _gps(image)
    upright = ImageOps.exif_transpose(
        image
    )  # keep the orientation the EXIF asked for, then drop it
    pixels = upright.convert("RGB")
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    blob = out.getvalue()
    digest = hashlib.sha256(blob).hexdigest()
    return CleanPhoto(ContentFile(blob, name=f"{digest[:16]}.jpg"), digest, lat, lon)
