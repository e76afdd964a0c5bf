import pytest
from django.urls import reverse
from django.utils import translation

from wufei.core.navigation import NAV
from wufei.plans.actions import generate_declaration
from wufei.plans.models import Declaration

from .clock import frozen
from .ledger_world import at, produce, producer

pytestmark = pytest.mark.django_db


def test_declaration_messages_and_navigation_are_chinese(client):
    p = producer("simplified")
    produce(p, at(1, 10), "0.5000")
    with translation.override("zh-hans"):
        with pytest.raises(Exception) as e, frozen(at(2, 2)):
            generate_declaration(p.user, p.site, "monthly", "2026-01")
        assert "申报类型" in str(e.value.message)
        labels = [str(i.label) for _, items in NAV for i in items]
        assert "申报" in labels
    with frozen(at(4, 2)):
        decl = generate_declaration(p.user, p.site, "quarterly", "2026Q1")
        client.force_login(p.user)
        page = client.get(
            reverse("plans:declaration_detail", args=[decl.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "确认申报" in page and "表C.2 季度申报" in page
    assert str(Declaration._meta.verbose_name) in ("declaration", "申报")
