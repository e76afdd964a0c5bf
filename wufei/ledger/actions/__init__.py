"""Ledger actions: the only writers of containers, ledger entries, scales and readings.

Each takes the acting user first, checks permission and the state guard on the locked
container row, runs in one transaction, appends its ledger entries (with batch numbers) and
writes its audit event there. See docs/ledger.md.
"""

from ._common import Result, ScaleActor
from .imports import LedgerImportResult, import_ledger
from .produce import assign_code, produce_container, record_generation, record_weight
from .scales import (
    device_for_token,
    hash_token,
    record_scale_reading,
    register_scale,
    rotate_scale_token,
)
from .storage import facility_load, reverse_entry, self_treat, store_in, store_out
from .transfer import ship_out

__all__ = [
    "Result",
    "ScaleActor",
    "assign_code",
    "device_for_token",
    "facility_load",
    "hash_token",
    "import_ledger",
    "LedgerImportResult",
    "produce_container",
    "record_generation",
    "record_scale_reading",
    "record_weight",
    "register_scale",
    "reverse_entry",
    "rotate_scale_token",
    "self_treat",
    "ship_out",
    "store_in",
    "store_out",
]
