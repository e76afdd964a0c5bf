"""Approval actions: the only writers of cross-province transfer approvals (跨省转移审批).

Each takes the acting user first, checks who may act (the applicant's members; the origin
province's bureau for acceptance, review and decision; the receiving province's bureau for
the reply), checks the state on the locked row, runs in one transaction and writes its audit
event there. The quantity functions are what the manifests app calls. See docs/approvals.md.
"""

from .applications import (
    add_document,
    create_application,
    missing_documents,
    remove_document,
    submit,
    update_application,
    withdraw,
)
from .pairs import set_province_pair
from .quantities import check_available, draw, find_valid_approval, release
from .steps import accept, decide, notice_incomplete, record_reply, review

__all__ = [
    "accept",
    "add_document",
    "check_available",
    "create_application",
    "decide",
    "draw",
    "find_valid_approval",
    "missing_documents",
    "notice_incomplete",
    "record_reply",
    "release",
    "remove_document",
    "review",
    "set_province_pair",
    "submit",
    "update_application",
    "withdraw",
]
