"""The only writers of manifests (see docs/manifests.md for the lifecycle)."""

from .collect import TraceNode, consolidate, trace
from .draft import cancel, create_draft, submit, update_draft
from .linked import create_linked_manifest, sign_linked_handover, store_returned, submit_linked
from .paper import enter_paper_manifest
from .pickup import ScanResult, add_leg, scan_leg, scan_load, sign_handover, sign_leg, sign_pickup
from .receipt import record_treatment, scan_arrival, sign_receipt
from .revisions import REVISABLE, decide_revision, request_revision, withdraw_revision

__all__ = [
    "REVISABLE",
    "ScanResult",
    "TraceNode",
    "consolidate",
    "create_linked_manifest",
    "decide_revision",
    "enter_paper_manifest",
    "request_revision",
    "sign_linked_handover",
    "store_returned",
    "submit_linked",
    "trace",
    "withdraw_revision",
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
