from django.utils import translation

from wufei.core.templatetags.wufei_tags import action_label, tonnes


def test_action_label_reads_like_a_sentence():
    with translation.override("zh-hans"):
        assert action_label("registry.organization.create") == "单位 · 新建"
        assert action_label("registry.membership.change_role").endswith(" · 变更角色")
    with translation.override("en"):
        assert action_label("registry.organization.create") == "organisation · created"


def test_action_label_keeps_unknown_codes():
    assert action_label("nothing.like.this") == "nothing.like.this"
    assert action_label("plain") == "plain"


def test_tonnes_has_four_decimals():
    from decimal import Decimal

    assert tonnes(Decimal("1.5")) == "1.5000"
    assert tonnes(None) == "—"
