import pytest
from django.utils import translation

from wufei.core.errors import ValidationFailed
from wufei.ledger import actions

pytestmark = pytest.mark.django_db


def test_refusals_and_pages_are_in_chinese(p, client):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as e:
        actions.record_weight(
            p.user,
            actions.record_generation(
                p.user, p.site, waste_code=p.code, package_type="drum", volume_litres="200"
            ),
            "0.9",
        )
    assert "不是 1 × 200.0 升桶的合理重量" in str(e.value.message)
    client.force_login(p.user)
    html = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "今日容器" in html and "即产生、即包装、即称重、即赋码、即入库" in html
