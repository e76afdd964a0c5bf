from __future__ import annotations

import pytest
from django.urls import reverse

from wufei.catalog.models import WasteCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client, django_user_model, reference_data):
    user = django_user_model.objects.create_user(username="reader", password="wufei-test-password")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name,args",
    [
        ("catalog:wastecode_list", []),
        ("catalog:wastecode_detail", ["900-041-49"]),
        ("catalog:region_list", []),
        ("catalog:region_detail", ["330602"]),
        ("catalog:method_list", []),
    ],
)
def test_pages_need_login(client, reference_data, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_code_list_in_chinese(client_in):
    response = client_in.get(reverse("catalog:wastecode_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "国家危险废物名录" in html
    assert "共 467 个废物代码" in html
    assert "行业来源" in html and "危险特性" in html
    first = WasteCode.objects.order_by("code").first()
    assert first.code in html and first.description in html
    assert 'class="hazard T"' in html
    assert (
        'name="q"' in html
        and 'name="category"' in html
        and 'name="hazard"' in html
        and 'name="industry"' in html
    )
    assert "HW08 废矿物油与含矿物油废物" in html  # the category filter


def test_code_search(client_in):
    response = client_in.get(reverse("catalog:wastecode_list"), {"q": "90024908"})
    html = response.content.decode()
    assert "共 1 个废物代码" in html
    assert "900-249-08" in html and "900-041-49" not in html
    response = client_in.get(reverse("catalog:wastecode_list"), {"category": "HW01"})
    assert "共 5 个废物代码" in response.content.decode()
    response = client_in.get(
        reverse("catalog:wastecode_list"), {"q": "废矿物油", "hazard": "I", "industry": "900"}
    )
    html = response.content.decode()
    assert "900-249-08" in html and "841-001-01" not in html


def test_code_list_paginates(client_in):
    codes = list(WasteCode.objects.order_by("code").values_list("code", flat=True))
    html = client_in.get(reverse("catalog:wastecode_list"), {"page": 2}).content.decode()
    assert codes[50] in html and codes[99] in html
    assert codes[0] not in html and codes[100] not in html


def test_code_search_bad_filter_shows_message(client_in):
    response = client_in.get(reverse("catalog:wastecode_list"), {"hazard": "X"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "未知的危险特性 X" in html
    assert "没有符合条件的废物代码" in html


def test_live_search_returns_the_results_only(client_in):
    response = client_in.get(
        reverse("catalog:wastecode_list"), {"q": "900-052-31"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "900-052-31" in html and "共 1 个废物代码" in html


def test_code_detail(client_in):
    response = client_in.get(reverse("catalog:wastecode_detail", args=["900-052-31"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "含铅废物" in html and "非特定行业" in html
    assert "国家危险废物名录（2021年版）" in html and "令第15号" in html
    assert "T,C" in html and "以“,”分隔" in html
    assert "未破损的废铅蓄电池" in html and "不按危险废物进行运输" in html
    assert "无需转移联单" in html
    assert "满足条件时豁免" in html and "不豁免" in html
    assert "第 17 页" in html


def test_code_detail_any_and_category_exemptions(client_in):
    html = client_in.get(reverse("catalog:wastecode_detail", args=["90004149"])).content.decode()
    assert "T/In" in html and "以“/”分隔" in html
    assert "全部环节" in html and "废弃的含油抹布、劳保用品" in html
    html = client_in.get(reverse("catalog:wastecode_detail", args=["900-300-34"])).content.decode()
    assert "仅具有腐蚀性危险特性的废酸" in html


def test_code_detail_missing(client_in):
    assert (
        client_in.get(reverse("catalog:wastecode_detail", args=["999-999-99"])).status_code == 404
    )
    assert client_in.get(reverse("catalog:wastecode_detail", args=["nonsense"])).status_code == 404
    url = reverse("catalog:wastecode_detail", args=["900-052-31"])
    assert client_in.get(url, {"edition": "1999"}).status_code == 404
    assert client_in.get(url, {"edition": "2021"}).status_code == 200


def test_region_pages(client_in):
    html = client_in.get(reverse("catalog:region_list")).content.decode()
    assert "浙江省" in html and "绍兴市" in html and "柯桥区" in html and "北京市" in html
    assert "共 135 个行政区划" in html
    response = client_in.get(reverse("catalog:region_detail", args=["330603"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "柯桥区" in html and "绍兴市" in html and "浙江省" in html
    assert "<svg" in html and '<path d="M' in html
    assert "区县" in html
    html = client_in.get(reverse("catalog:region_detail", args=["330600"])).content.decode()
    assert "越城区" in html and "下级区划" in html
    assert client_in.get(reverse("catalog:region_detail", args=["110000"])).status_code == 200
    assert client_in.get(reverse("catalog:region_detail", args=["999999"])).status_code == 404


def test_method_page(client_in):
    html = client_in.get(reverse("catalog:method_list")).content.decode()
    assert "利用/处置方式" in html
    assert "水泥窑共处置" in html and "D10" in html and "焚烧" in html
    assert "冶炼废渣" in html and "SW01" in html
    assert "二手来源" in html and "未核实" in html and "关于核实标记" in html


def test_english_switch(client_in):
    client_in.cookies["django_language"] = "en"
    html = client_in.get(reverse("catalog:wastecode_list")).content.decode()
    assert "National Hazardous Waste Catalogue" in html
    assert "467 waste codes" in html
