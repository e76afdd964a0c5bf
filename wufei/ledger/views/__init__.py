"""Ledger pages (server-rendered; every write goes through ``ledger.actions``)."""

from .containers import (  # noqa: F401
    container_by_code,
    container_detail,
    container_label,
    container_step,
    labels_batch,
    today,
)
from .registers import entry_list, inventory  # noqa: F401
