"""Approval pages (server-rendered; every write goes through ``approvals.actions``)."""

from .pages import (
    approval_create,
    approval_detail,
    approval_list,
    approval_submit,
    approval_update,
    document_add,
    document_file,
    document_remove,
)
from .steps import overdue, pairs, step_page

__all__ = [
    "approval_create",
    "approval_detail",
    "approval_list",
    "approval_submit",
    "approval_update",
    "document_add",
    "document_file",
    "document_remove",
    "overdue",
    "pairs",
    "step_page",
]
