"""Is a plan complete enough to file? The checks of HJ 1259 Appendix A by management class.

:func:`completeness` lists every problem (field and message, in the user's language), so that
the page can show them all at once; ``file_plan`` refuses with the first one and puts the whole
list in the error's ``details``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from wufei.registry.models import ManagementClass

from .. import rules
from ..models import ManagementPlan, PlanWaste, ReceiverType


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message}


def _basic(plan: ManagementPlan) -> list[Problem]:
    org, site = plan.site.organization, plan.site
    required = [
        (
            "legal_representative",
            org.legal_representative,
            _("the legal representative (法定代表人)"),
            True,
        ),
        ("contact_phone", org.contact_phone, _("the organisation's contact phone"), True),
        ("industry_code", org.industry_code, _("the industry code (行业代码, GB/T 4754)"), True),
        ("site_address", site.address, _("the site address (生产经营场所地址)"), True),
        ("technical_lead", plan.technical_lead, _("the technical lead (技术负责人)"), False),
        ("technical_lead_phone", plan.technical_lead_phone, _("the technical lead's phone"), False),
    ]
    problems = []
    for field, value, label, in_registry in required:
        if not str(value or "").strip():
            message = _("Table A.1: enter %(label)s.") % {"label": label}
            if in_registry:
                message += " " + _("It is taken from the registry: edit the organisation or site.")
            problems.append(Problem(field, message))
    return problems


def _line(plan: ManagementPlan, n: int, line: PlanWaste, sections: frozenset[str]) -> list[Problem]:
    where = _("Waste %(n)d (%(code)s %(name)s)") % {
        "n": n,
        "code": line.waste_code.code,
        "name": line.internal_name,
    }
    out: list[Problem] = []

    def need(field: str, ok: bool, message: str) -> None:
        if not ok:
            out.append(Problem(f"wastes.{n}.{field}", f"{where}: {message}"))

    if "A.4" in sections:
        need(
            "storage_facility",
            line.storage_facility_id is not None,
            _("Table A.4: choose the storage facility (贮存设施)."),
        )
        need(
            "packaging",
            bool(line.packaging.strip()),
            _("Table A.4: enter the packaging (包装形式)."),
        )
    own = any([line.treatment_facility_id, line.treatment_method_id, line.treatment_tonnes])
    if own and "A.5" not in sections:
        need(
            "treatment_facility",
            False,
            _(
                "Table A.5 (own utilisation/disposal) belongs to key-supervision units only; remove it."
            ),
        )
    elif own:
        need(
            "treatment_facility",
            line.treatment_facility_id is not None,
            _("Table A.5: choose the own utilisation/disposal facility."),
        )
        need(
            "treatment_method",
            line.treatment_method_id is not None,
            _("Table A.5: choose the utilisation/disposal method code (HJ 1033 Appendix F)."),
        )
        need(
            "treatment_tonnes",
            bool(line.treatment_tonnes),
            _("Table A.5: enter the expected quantity (t)."),
        )
    if not own and not line.transfer_type:
        need(
            "transfer_type",
            False,
            _("Table A.7: choose the transfer type, or record own utilisation/disposal."),
        )
    if line.transfer_type:
        need(
            "transfer_tonnes",
            bool(line.transfer_tonnes),
            _("Table A.7: enter the expected transfer quantity (t)."),
        )
        need(
            "transfer_method",
            line.transfer_method_id is not None,
            _("Table A.7: choose the receiver's utilisation/disposal method code."),
        )
        need(
            "receiver_type",
            bool(line.receiver_type),
            _("Table A.7: choose the intended receiver type (拟接收单位类型)."),
        )
        if line.receiver_type == ReceiverType.LICENSED:
            need(
                "receiver_permit_number",
                bool(line.receiver_permit_number.strip()),
                _("Table A.7: enter the receiver's permit number (许可证编号)."),
            )
    return out


def completeness(plan: ManagementPlan, management_class: str | None = None) -> list[Problem]:
    """Every reason why ``plan`` cannot be filed under ``management_class`` (default: the
    organisation's class now); an empty list when it can."""
    klass = (
        management_class
        if management_class is not None
        else plan.site.organization.management_class
    )
    if klass not in ManagementClass.values:
        return [
            Problem(
                "management_class",
                _(
                    "The organisation has no management class (HJ 1259 §4.2): the bureau or the registry must set it first."
                ),
            )
        ]
    sections = rules.sections_for(klass)
    problems = _basic(plan)
    lines = list(plan.wastes.select_related("waste_code").order_by("pk"))
    if not lines:
        problems.append(
            Problem("wastes", _("Table A.3: list at least one hazardous waste the site generates."))
        )
    for n, line in enumerate(lines, start=1):
        problems.extend(_line(plan, n, line, sections))
    if "A.6" in sections and not plan.reductions.exists():
        problems.append(
            Problem(
                "reductions", _("Table A.6: enter at least one reduction measure (减量化措施).")
            )
        )
    return problems
