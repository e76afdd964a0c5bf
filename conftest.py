"""Test configuration shared by every app.

Markers: ``postgres`` (needs DATABASE_URL on PostgreSQL), ``browser`` (needs /usr/bin/chromium),
``slow``. The default run needs neither and skips those tests with the reason printed.
"""

from __future__ import annotations

import os
import shutil

import pytest

# The browser fixtures (one Playwright and one chromium for the whole session, every app).
pytest_plugins = ["wufei.tests_browser.support"]


def pytest_collection_modifyitems(config, items):
    on_pg = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    has_browser = shutil.which("chromium") is not None or os.path.exists("/usr/bin/chromium")
    run_browser = os.environ.get("WUFEI_BROWSER_TESTS") == "1"
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(
                pytest.mark.skip(reason="needs DATABASE_URL=postgres://… (run by .ci/run)")
            )
        if "browser" in item.keywords and not (has_browser and run_browser):
            item.add_marker(
                pytest.mark.skip(
                    reason="browser test: set WUFEI_BROWSER_TESTS=1 with /usr/bin/chromium (run by .ci/run)"
                )
            )
