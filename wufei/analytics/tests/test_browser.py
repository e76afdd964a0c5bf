"""Browser: the city officer's dashboard (绍兴市), its charts and maps, drilling into a county on
the map, and the annual report download. Screenshots: ``test-output/screenshots/analytics-*.png``.

The world is the demo province with a year of ledger activity for a few producers, folded
into the aggregates, plus two open warnings. Marked ``browser`` (WUFEI_BROWSER_TESTS=1 with
Debian's chromium, run by .ci/run).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import timezone

from wufei.catalog.models import Region
from wufei.demo.accounts import demo_password
from wufei.supervision.models import Severity, Warning
from wufei.tests_browser.support import DESKTOP, SCREENSHOTS, Visit, _open

from ..aggregates import rebuild

pytestmark = pytest.mark.browser
COUNTY = "柯桥区"


@pytest.fixture
def province(transactional_db):
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", "--scale", "30", "--activity-producers", "6", "--quiet", verbosity=0)
    rebuild()
    for n, (code, severity) in enumerate((("330603", Severity.RED), ("330602", Severity.ORANGE))):
        Warning.objects.get_or_create(
            rule="test.dashboard",
            fact_key=f"w{n}",
            defaults={
                "severity": severity,
                "title": f"测试预警{n}",
                "region": Region.objects.get(code=code),
                "raised_at": timezone.now(),
            },
        )


@pytest.fixture
def screen(chromium, live_server, province):
    @contextlib.contextmanager
    def open_as(username: str) -> Iterator[Visit]:
        gen = _open(chromium, live_server, DESKTOP)
        visit = next(gen)
        visit.login(username, demo_password())
        try:
            yield visit
        finally:
            next(gen, None)  # closes the context and checks CSP / script errors

    return open_as


def _canvas_ink(visit: Visit, selector: str) -> int:
    """Non-blank pixels in the chart's canvas (a drawn chart has many)."""
    return visit.page.evaluate(
        """sel => { const c = document.querySelector(sel + ' canvas');
            if (!c) return 0;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""",
        selector,
    )


def test_city_officer_dashboard_map_drill_and_report(screen, tmp_path):
    counties = Region.objects.filter(parent__code="330600").count()
    with screen("shaoxing") as visit:
        page = visit.page
        visit.go("/analytics/")
        assert page.url.endswith("/analytics/330600/")
        assert "绍兴市" in visit.text("[data-testid=dashboard-title]")
        cards = page.locator("[data-testid=indicators] .stat")
        assert cards.count() == 7
        assert "综合利用率" in visit.text("[data-testid=indicators]")
        page.wait_for_selector(f"#chart-map[data-ready='{counties}']")
        page.wait_for_selector("#chart-risk[data-ready='1']")
        page.wait_for_timeout(300)  # the last frame of the canvas
        for chart in ("#chart-trend", "#chart-composition", "#chart-map", "#chart-risk"):
            assert _canvas_ink(visit, chart) > 2000, chart
        visit.shot("analytics-dashboard-city")
        page.locator("#chart-map").screenshot(path=str(SCREENSHOTS / "analytics-map-city.png"))
        page.locator("#chart-risk").screenshot(path=str(SCREENSHOTS / "analytics-risk-city.png"))
        # colour the map by another indicator
        page.select_option("#map-indicator", "full_process_coverage")

        # drill down: click the county on the map (its pixel from ECharts)
        x, y = page.evaluate(
            """name => { const el = document.getElementById('chart-map');
                const c = echarts.getInstanceByDom(el);
                const p = c.convertToPixel({seriesIndex: 0}, name);
                const r = el.getBoundingClientRect(); return [r.left + p[0], r.top + p[1]]; }""",
            COUNTY,
        )
        with page.expect_navigation():
            page.mouse.click(x, y)
        assert "/analytics/330603/" in page.url
        assert COUNTY in visit.text("[data-testid=dashboard-title]")
        assert "绍兴市" in visit.text("[data-testid=trail]")
        page.wait_for_selector("#chart-map[data-ready='1']")
        page.wait_for_selector("#chart-risk[data-ready='1']")
        page.wait_for_timeout(300)
        visit.shot("analytics-dashboard-county")

        # back to the city, download the annual report
        page.click("[data-testid=trail] a")
        assert page.url.split("?")[0].endswith("/analytics/330600/")
        with page.expect_download() as info:
            page.click("[data-testid=report-pdf]")
        pdf = tmp_path / "report.pdf"
        info.value.save_as(pdf)
        assert info.value.suggested_filename.startswith("plan-progress-330600-")
        assert pdf.read_bytes().startswith(b"%PDF")
        with page.expect_download() as info:
            page.click("[data-testid=report-xlsx]")
        assert info.value.suggested_filename.endswith(".xlsx")

    # the province: its 11 cities on the map
    with screen("province") as visit:
        page = visit.page
        visit.go("/analytics/")
        assert page.url.endswith("/analytics/330000/")
        page.wait_for_selector("#chart-map[data-ready='11']")
        page.wait_for_selector("#chart-risk[data-ready='1']")
        page.wait_for_timeout(300)
        assert _canvas_ink(visit, "#chart-map") > 2000
        visit.shot("analytics-dashboard-province")
        page.locator("#chart-map").screenshot(path=str(SCREENSHOTS / "analytics-map-province.png"))
