"""Chinese by default: refusals, statuses and pages."""

import pytest
from django.urls import reverse
from django.utils import translation

from wufei.approvals import actions
from wufei.core.errors import ValidationFailed

from .factories import approved, submitted

pytestmark = pytest.mark.django_db


def test_refusals_and_pages_are_in_chinese(w, client):
    approval = approved(w)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as e:
        actions.check_available(approval, w.oil, w.d10, "1", approval.valid_from)
    message = str(e.value.message)
    assert "应当重新申请" in message and "D10" in message
    with translation.override("zh-hans"):
        assert str(approval.get_status_display()) == "已批准"
    client.force_login(w.origin_bureau)
    html = client.get(
        reverse("approvals:detail", args=[approval.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "跨省转移" in html and "剩余（吨）" in html and "接受地复函" in html
    assert "审查同意，向接受地发商请函" in html  # the timeline's readable verb
    html = client.get(reverse("approvals:list")).content.decode()
    assert "跨省转移审批" in html and "已批准" in html


def test_state_conflicts_name_the_step_in_chinese(w):
    approval = submitted(w)
    with translation.override("zh-hans"), pytest.raises(Exception) as e:
        actions.decide(w.origin_bureau, approval, approve=False, note="不符合")
    assert "不能作出决定" in str(e.value.message) and "已申请" in str(e.value.message)


def test_navigation_entry(w, client):
    from wufei.core.navigation import NAV

    with translation.override("zh-hans"):
        assert "跨省转移审批" in [str(i.label) for _, items in NAV for i in items]
    client.force_login(w.applicant)
    assert 'href="/approvals/"' in client.get("/").content.decode()
