"""What a person sees: sign-in by role, the catalogue, a form error, the language switch, a phone.

Each test saves screenshots under test-output/screenshots/ (looked at by a person after CI).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


def nav_labels(visit) -> list[str]:
    # Each link is an icon and a label (flex items: inner text puts them on two lines).
    texts = visit.page.locator("nav.sidenav a.nav-link").all_inner_texts()
    return [t.strip().splitlines()[-1].strip() for t in texts if t.strip()]


def assert_home(visit, who: str) -> list[str]:
    page = visit.page
    assert page.url.rstrip("/") == visit.base_url.rstrip("/"), page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").first.inner_text().strip() == "首页"
    labels = nav_labels(visit)
    assert "首页" in labels, labels
    assert any("名录" in label for label in labels), labels
    context = page.locator(".topbar .context-label")
    assert context.count() == 1 and CJK.search(context.inner_text()), (
        f"{who}: no organisation or jurisdiction in the top bar"
    )
    assert page.locator("[data-testid=stat-waste_codes] .value").inner_text().strip() == "467"
    return labels


def test_producer_signs_in_and_sees_its_home(browser):
    browser.login("producer")
    labels = assert_home(browser, "producer")
    assert "批量导入" not in labels, "a producer must not see the regulators' bulk import"
    organisations = int(browser.text("[data-testid=stat-organizations] .value").replace(",", ""))
    assert organisations >= 1
    browser.shot("home-producer")


def test_regulator_signs_in_and_sees_its_jurisdiction(browser):
    browser.login("shaoxing")
    labels = assert_home(browser, "regulator")
    assert any("审计" in label for label in labels), labels
    context = browser.text(".topbar .context-label")
    assert "绍兴" in context, context
    organisations = int(browser.text("[data-testid=stat-organizations] .value").replace(",", ""))
    assert organisations >= 1, "a city bureau sees the organisations of its region"
    browser.shot("home-regulator")


def test_admin_signs_in_and_sees_everything(browser):
    browser.login("admin")
    labels = assert_home(browser, "admin")
    assert any("审计" in label for label in labels), labels
    assert "平台管理员" in browser.text(".topbar .context-label")
    browser.shot("home-admin")


def test_catalogue_search_and_code_page_with_exemption(browser):
    browser.login("producer")
    browser.go(reverse("catalog:wastecode_list"))
    page = browser.page
    browser.shot("catalogue-list")
    page.fill("#q", "废矿物油")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=%E5%BA%9F"))
    row = page.locator("#code-results table.data tbody tr", has_text="900-249-08")
    row.first.wait_for()
    count = page.locator("[data-testid=result-count]").inner_text()
    assert re.search(r"\d+", count), count
    browser.shot("catalogue-search-waste-mineral-oil")
    row.first.locator("a", has_text="900-249-08").click()
    page.wait_for_url(re.compile(r"/catalog/codes/900-249-08/"))
    body = browser.text("main")
    assert "900-249-08" in body
    assert "HW08" in body
    assert "豁免" in body, "the code page shows its exemptions"
    browser.shot("catalogue-code-900-249-08")


def test_create_organisation_with_bad_uscc_shows_chinese_error_beside_the_field(browser):
    browser.login("admin")
    browser.go(reverse("registry:organization_create"))
    page = browser.page
    browser.shot("organisation-create-empty")
    page.fill("[name=name]", "绍兴测试印染有限公司")
    page.fill("[name=uscc]", "91330600MA2BAD0001")
    page.locator("form.organization-form, main form").last.locator("[type=submit]").last.click()
    page.wait_for_load_state()
    field = page.locator(".field", has=page.locator("[name=uscc]"))
    error = field.locator(".field-error")
    assert error.count() >= 1, "the USCC error must be shown beside the field"
    message = error.first.inner_text()
    assert "统一社会信用代码" in message, message
    assert page.locator("[name=name]").input_value() == "绍兴测试印染有限公司", (
        "the form keeps what was typed"
    )
    browser.shot("organisation-create-bad-uscc")


def test_switch_language_to_english_and_back(browser):
    browser.login("producer")
    page = browser.page
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text().strip() == "Home"
    assert "Sign out" in browser.text(".topbar")
    browser.shot("home-producer-english")
    browser.go(reverse("catalog:wastecode_list"))
    assert "National Hazardous Waste Catalogue" in browser.text("h1")
    browser.shot("catalogue-list-english")
    page.click("[data-testid=lang-zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "退出登录" in browser.text(".topbar")
    assert "/catalog/codes/" in page.url, "switching language stays on the same page"


def _no_horizontal_scroll(visit) -> None:
    overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone screen"


def test_phone_list_pages(phone):
    phone.login("shaoxing")
    page = phone.page
    _no_horizontal_scroll(phone)
    phone.shot("phone-home", full_page=False)

    def nav_right() -> float:
        return page.evaluate("document.getElementById('sidenav').getBoundingClientRect().right")

    assert nav_right() <= 0, "on a phone the navigation starts folded away"
    page.click("[data-nav-toggle]")
    page.locator("body.nav-open").wait_for()
    # wait for the slide-in transition (evaluate, not wait_for_function: the CSP forbids eval)
    page.locator("#sidenav").evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")
    assert nav_right() > 100
    phone.shot("phone-navigation-open", full_page=False)
    phone.go(reverse("registry:organization_list"))
    assert page.locator("table.data tbody tr").count() >= 1
    _no_horizontal_scroll(phone)
    phone.shot("phone-organisation-list")
    phone.go(reverse("catalog:wastecode_list") + "?q=HW08")
    _no_horizontal_scroll(phone)
    phone.shot("phone-catalogue-list", full_page=False)


def test_regulator_browses_registry_detail_and_audit_log(browser):
    browser.login("shaoxing")
    page = browser.page
    browser.go(reverse("registry:organization_list"))
    assert browser.text("h1").strip() == "单位"
    browser.shot("organisation-list")
    first = page.locator("table.data tbody tr a").first
    name = first.inner_text().strip()
    first.click()
    page.wait_for_load_state()
    assert name in browser.text("h1"), "the detail page is the organisation that was clicked"
    assert re.search(r"[0-9A-Z]{18}", browser.text("main")), "the detail page shows the USCC"
    browser.shot("organisation-detail")
    browser.go(reverse("core:audit_list"))
    assert page.locator("table.data tbody tr").count() >= 1, "the demo's registrations are audited"
    browser.shot("audit-log")


def test_api_docs_render_without_csp_violations(browser):
    browser.login("producer")
    browser.go(reverse("api-docs"))
    browser.page.locator(".swagger-ui .info").wait_for()
    assert "wufei" in browser.text(".swagger-ui .info")
    browser.shot("api-docs", full_page=False)
