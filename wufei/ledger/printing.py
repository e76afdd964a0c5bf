"""Labels for containers: the HJ 1276 label data of a container, and one PDF for many.

The drawing is ``wufei.labels`` (HJ 1276 layout, embedded CJK font, QR); this module only
says what a container's label shows. General industrial solid waste has no HJ 1276 label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from wufei.core.errors import Conflict
from wufei.labels.pdf import LabelData, render_labels
from wufei.labels.qr import qr_payload

from .models import Container, WasteKind

FORM_TEXT = {"solid": "固态", "semi_solid": "半固态", "liquid": "液态", "gas": "气态"}
PRECAUTIONS = {
    "T": "防止接触和吸入",
    "C": "避免接触皮肤和眼睛",
    "I": "远离火源和热源",
    "R": "禁止与其他物质混放",
    "In": "防止泄漏和扩散",
}


def base_url() -> str:
    """The platform's public address for the QR codes (``WUFEI["BASE_URL"]``), if set."""
    return str(getattr(settings, "WUFEI", {}).get("BASE_URL", "") or "")


def container_label_data(container: Container, *, base: str | None = None) -> LabelData:
    """What the container's HJ 1276 label shows; the QR opens ``/c/<ident_code>``."""
    if container.kind != WasteKind.HAZARDOUS or container.waste_code is None:
        raise Conflict(
            _("General industrial solid waste has no HJ 1276 label."),
            code="ledger.no_label",
        )
    if not container.ident_code or container.weight_tonnes is None:
        raise Conflict(
            _("Container %(container)s has no code yet: weigh and code it first.")
            % {"container": container},
            code="ledger.not_coded",
        )
    code = container.waste_code
    hazards = tuple(code.hazards) or ("T",)
    org = container.organization
    return LabelData(
        waste_name=container.internal_name,
        waste_category=code.category.code,
        waste_code=code.code,
        waste_form=FORM_TEXT.get(container.form, container.form),
        hazards=hazards,
        main_components=code.description,
        harmful_components=container.hazardous_components or "—",
        precautions="；".join(PRECAUTIONS[h] for h in hazards if h in PRECAUTIONS),
        ident_code=container.ident_code,
        producer_name=org.name,
        contact_person=org.contact_name,
        contact_phone=org.contact_phone,
        produced_on=container.produced_on,
        weight_kg=(container.weight_tonnes * 1000).quantize(Decimal("0.1")),
        volume_litres=container.volume_litres,
        remarks=container.process,
        qr_payload=qr_payload(container.ident_code, base if base is not None else base_url()),
    )


def printable(containers: Iterable[Container]) -> list[Container]:
    """The containers that have an HJ 1276 label to print (coded hazardous waste)."""
    return [
        c
        for c in containers
        if c.kind == WasteKind.HAZARDOUS and c.ident_code and c.weight_tonnes is not None
    ]


def labels_pdf(containers: Sequence[Container], *, base: str | None = None) -> bytes:
    """One PDF with the labels of ``containers`` (a page each; two above 450 L)."""
    return render_labels([container_label_data(c, base=base) for c in containers])
