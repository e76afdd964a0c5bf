"""Warnings for the demo (预警): the rule scan over the seeded year.

Runs ``wufei.supervision.tasks.scan_rules`` (the scheduled task's function; the event
subscribers have already raised the manifests' warnings after each commit). Idempotent: a
warning is keyed by its rule and fact, so a second scan raises nothing new.
"""

from __future__ import annotations

from typing import Any

from wufei.supervision.tasks import scan_rules


def seed_warnings(seeder: Any) -> dict[str, int]:
    """Scan every rule once; count the new warnings per rule in the seeder's summary."""
    raised = scan_rules()
    for code, n in raised.items():
        if n:
            seeder.created[f"warning {code}"] += n
    seeder.progress(1, "scan")
    return raised
