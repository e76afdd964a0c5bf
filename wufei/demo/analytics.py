"""Analytics for the demo (统计分析): the plan's 2024 provincial statistics and the folded
aggregates, so the dashboards show data after ``seed_demo``.

Both steps go through the analytics app's own functions (``statistics.load_zhejiang_2024``
and ``aggregates.fold``). Idempotent: the 2024 file is loaded once (recognised by its
SHA-256), and ``fold`` only adds ledger entries and receipts newer than its watermark.
"""

from __future__ import annotations

import hashlib
from typing import Any

from wufei.analytics import aggregates, statistics
from wufei.analytics.models import StatisticsImport


def seed_analytics(seeder: Any) -> dict[str, int]:
    """Load the 2024 statistics if absent, then fold the aggregates."""
    sha = hashlib.sha256(statistics.ZHEJIANG_2024.read_bytes()).hexdigest()
    loaded = 0
    if not StatisticsImport.objects.filter(sha256=sha).exists():
        statistics.load_zhejiang_2024(seeder.actor)
        loaded = 1
        seeder.created["statistics import"] += 1
    else:
        seeder.present["statistics import"] += 1
    folded = aggregates.fold()
    seeder.progress(1, "fold")
    return {"statistics_loaded": loaded, **{k: int(v) for k, v in folded.items()}}
