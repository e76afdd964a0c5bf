"""The only writers of manifests (see docs/manifests.md for the lifecycle)."""

from .draft import cancel, create_draft, submit, update_draft
from .pickup import ScanResult, add_leg, scan_leg, scan_load, sign_handover, sign_leg, sign_pickup
from .receipt import record_treatment, scan_arrival, sign_receipt

__all__ = [
    "ScanResult",
    "add_leg",
    "cancel",
    "create_draft",
    "record_treatment",
    "scan_arrival",
    "scan_leg",
    "scan_load",
    "sign_handover",
    "sign_leg",
    "sign_pickup",
    "sign_receipt",
    "submit",
    "update_draft",
]
