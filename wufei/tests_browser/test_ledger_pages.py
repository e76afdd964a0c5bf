"""Browser: the demo producer's ledger pages with a year of demo activity behind them.

As ``producer`` (绍兴柯桥恒美印染有限公司): today's containers, the inventory with ages and the
one-year warnings, a container opened through the QR code of its printed label (the PDF is
rendered with pdftoppm and the code decoded with zxing-cpp in the test), and the 2026
management plan. Screenshots: ``test-output/screenshots/demo-ledger-*.png``.

Marked ``browser`` (WUFEI_BROWSER_TESTS=1 with Debian's chromium; the label step also needs
poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from wufei.core.models import User
from wufei.demo.industries import waste_streams
from wufei.demo.wastes import DETAILS
from wufei.ledger import actions as ledger
from wufei.ledger.models import Container, ContainerStatus
from wufei.ledger.queries import storage_warnings
from wufei.plans.models import ManagementPlan
from wufei.registry.models import Organization
from wufei.tests_browser.support import DESKTOP, Visit, _open

pytestmark = pytest.mark.browser
PRODUCER = "绍兴柯桥恒美印染有限公司"


@pytest.fixture
def ledger_demo(transactional_db) -> Organization:
    """A small demo province with the producer account's year of ledger activity, and one
    container recorded today (not yet stored)."""
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", "--scale", "30", "--activity-producers", "1", "--quiet")
    org = Organization.objects.get(name=PRODUCER)
    site = org.sites.get()
    code = waste_streams(org.uscc, org.industry_code, org.annual_hazardous_tonnes)[0][0]
    info = DETAILS[code]
    ledger.produce_container(
        User.objects.get(username="producer"),
        site,
        weight_tonnes="0.8750",
        waste_code=code,
        package_type=info.package,
        volume_litres=info.volume,
        count=1,
    )
    return org


@pytest.fixture
def desk(chromium, live_server, ledger_demo) -> Iterator[Visit]:
    yield from _open(chromium, live_server, DESKTOP)


def _decode_label(pdf: bytes, tmp: Path) -> list[str]:
    import zxingcpp

    src = tmp / "label.pdf"
    src.write_bytes(pdf)
    subprocess.run(  # noqa: S603 (fixed arguments, our own temporary files)
        [
            shutil.which("pdftoppm") or "pdftoppm",
            "-r",
            "200",
            "-png",
            "-singlefile",
            str(src),
            str(tmp / "label"),
        ],
        check=True,
    )
    return [r.text for r in zxingcpp.read_barcodes(Image.open(tmp / "label.png"))]


def test_producer_sees_a_year_of_ledger_inventory_warnings_and_plan(
    desk, ledger_demo, live_server, tmp_path
):
    org = ledger_demo
    warnings = storage_warnings(org)
    over = next(w for w in warnings if w.rule == "storage_over_year")
    assert any(w.rule == "storage_near_year" for w in warnings)
    page = desk.page
    desk.login("producer")

    # today's containers: the one recorded this morning
    desk.go("/ledger/")
    today = Container.objects.filter(organization=org, status=ContainerStatus.CODED).get()
    assert today.ident_code in desk.text("main")
    desk.shot("demo-ledger-today")

    # the inventory: ages in days and the one-year warnings
    desk.go("/ledger/inventory/")
    main = desk.text("main")
    assert "贮存超过一年" in main and "贮存接近一年" in main
    assert str(over.days) in main
    assert over.container is not None and over.container.ident_code in main
    desk.shot("demo-ledger-inventory")

    # the container's printed label → its QR → its page (the container that is over a year)
    if shutil.which("pdftoppm"):
        label = page.request.get(
            f"{live_server.url}/ledger/containers/{over.container.pk}/label.pdf"
        )
        assert label.ok and label.headers["content-type"].startswith("application/pdf")
        urls = _decode_label(label.body(), tmp_path)
        assert urls == [f"{live_server.url}/c/{over.container.ident_code}"]
        page.goto(urls[0])
    else:  # no poppler: the QR payload is checked in wufei/labels/tests
        page.goto(f"{live_server.url}/c/{over.container.ident_code}")
    page.wait_for_load_state()
    text = desk.text("main")
    assert over.container.ident_code in text and "HWRK" in text and "HWCS" in text
    desk.shot("demo-ledger-container")

    # the 2026 management plan, filed in March
    plan = ManagementPlan.objects.get(site__organization=org, year=2026)
    desk.go(f"/plans/{plan.pk}/")
    text = desk.text("main")
    assert plan.filing_number in text and "印染污泥" in text
    desk.shot("demo-plan-2026")
