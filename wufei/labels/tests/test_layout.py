from __future__ import annotations

from decimal import Decimal

import pytest

from wufei.labels.fonts import missing_characters, text_em
from wufei.labels.layout import ELLIPSIS, LARGE, MEDIUM, SMALL, fit, size_for_volume, wrap
from wufei.labels.pictograms import HAZARDS


@pytest.mark.parametrize(
    ("volume", "size"),
    [
        (1, SMALL),
        (30, SMALL),
        (50, SMALL),
        (Decimal("50.1"), MEDIUM),
        (200, MEDIUM),
        (449, MEDIUM),
        (450, LARGE),
        (1000, LARGE),
    ],
)
def test_size_for_volume(volume, size):
    assert size_for_volume(volume) == size


def test_sizes_follow_hj1276():
    assert (SMALL.side_mm, SMALL.min_text_mm, SMALL.copies) == (100, 3, 1)
    assert (MEDIUM.side_mm, MEDIUM.min_text_mm, MEDIUM.copies) == (150, 5, 1)
    assert (LARGE.side_mm, LARGE.min_text_mm, LARGE.copies) == (200, 6, 2)


@pytest.mark.parametrize("volume", [0, -5])
def test_volume_must_be_positive(volume):
    with pytest.raises(ValueError):
        size_for_volume(volume)


def test_short_text_keeps_the_preferred_size():
    f = fit("名称：", "废酸", 60, 4, 3.3, 3)
    assert f.size == 3.3 and f.lines == ("废酸",) and not f.truncated


def test_text_shrinks_before_wrapping():
    value = "废" * 18  # 18 em + 3 em caption = 21 em: 2.86 mm at 60 mm, too small; 3.0 fits
    f = fit("名称：", value, 64, 4, 3.3, 3)
    assert 3 <= f.size < 3.3 and len(f.lines) == 1 and not f.truncated


def test_text_wraps_at_the_minimum_size_and_stays_in_its_box():
    value = "废矿物油与含矿物油废物" * 3
    f = fit("名称：", value, 60, 7.4, 3.3, 3)
    assert len(f.lines) == 2 and not f.truncated
    assert "".join(f.lines) == value
    assert max(f.widths()) <= 60 + 1e-6 and f.height <= 7.4 + 1e-6


def test_too_long_text_is_cut_with_an_ellipsis():
    f = fit("名称：", "很长" * 100, 60, 7.4, 3.3, 3)
    assert f.truncated and f.size == 3 and len(f.lines) == 2
    assert f.lines[-1].endswith(ELLIPSIS)
    assert max(f.widths()) <= 60 + 1e-6 and f.height <= 7.4 + 1e-6


def test_stacked_caption():
    f = fit("备注：", "样例标签", 25, 14, 3.3, 3, hanging=False)
    assert f.lines == ("样例标签",) and f.height <= 14


def test_wrap_keeps_closing_punctuation_off_the_line_start():
    width = text_em("远离火源")
    lines = wrap("远离火源，防止泄漏", width)
    assert all(not line.startswith("，") for line in lines)
    assert "".join(lines) == "远离火源，防止泄漏"


def test_wrap_breaks_latin_at_spaces():
    lines = wrap("batch HWCS20250115007", text_em("batch HWCS2025"))
    assert lines[0] == "batch"
    assert "".join(lines) == "batchHWCS20250115007"


def test_font_has_every_character_a_label_needs():
    texts = [
        "危险废物废物名称废物类别废物代码废物形态危险特性主要成分有害成分注意事项数字识别码",
        "产生/收集单位联系人联系方式产生日期废物重量备注：样例SAMPLE",
        "".join(HAZARDS.values()),
        "固态半固态液态气态矿物油氰化物镉铬汞铅砷镍铜锌铊锑钡铍硒氟化物多环芳烃苯酚",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-—…·（）【】、，。；℃㎡kg%",
    ]
    assert missing_characters("".join(texts)) == set()
    assert missing_characters("𠀀") == {"𠀀"}
