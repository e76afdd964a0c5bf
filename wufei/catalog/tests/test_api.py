from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model, reference_data):
    user = django_user_model.objects.create_user(username="system", password="wufei-test-password")
    client = APIClient()
    client.force_authenticate(user)
    return client


def all_results(api, url, params=None):
    out, response = [], api.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        out += response.json()["results"]
        if not response.json()["next"]:
            return out
        response = api.get(response.json()["next"])


def test_needs_authentication(reference_data):
    response = APIClient().get("/api/v1/waste-codes/")
    assert response.status_code in (401, 403)


def test_waste_code_list_pages_through_all_467(api):
    rows = all_results(api, "/api/v1/waste-codes/", {"page_size": 200})
    assert len(rows) == 467
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    assert len({r["code"] for r in rows}) == 467


def test_waste_code_filters(api):
    rows = all_results(api, "/api/v1/waste-codes/", {"category": "HW08"})
    assert len(rows) == 32
    rows = all_results(api, "/api/v1/waste-codes/", {"q": "90024908"})
    assert [r["code"] for r in rows] == ["900-249-08"]
    row = rows[0]
    assert row["hazard"] == "T,I" and row["hazard_mode"] == "all" and row["hazards"] == ["T", "I"]
    assert row["edition"] == "2021" and row["category"] == "HW08"
    assert row["category_name"] == "废矿物油与含矿物油废物"
    rows = all_results(api, "/api/v1/waste-codes/", {"hazard": "In"})
    assert len(rows) == 6
    rows = all_results(api, "/api/v1/waste-codes/", {"edition": "2021", "q": "卫生"})
    assert len(rows) == 5
    assert (
        len(all_results(api, "/api/v1/waste-codes/", {"edition": "all", "category": "HW01"})) == 5
    )


def test_waste_code_bad_filters(api):
    response = api.get("/api/v1/waste-codes/", {"hazard": "Z"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "catalog.hazard_invalid" and body["field"] == "hazard"
    assert "Z" in body["message"]
    response = api.get("/api/v1/waste-codes/", {"edition": "1999"})
    assert response.status_code == 404
    assert response.json()["code"] == "catalog.edition_not_found"


def test_waste_code_detail_with_exemptions(api):
    response = api.get("/api/v1/waste-codes/900-249-08/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "900-249-08" and body["source_page"] == 7
    assert [(e["item"], e["stage"]) for e in body["exemptions"]] == [(8, "utilisation")]
    assert body["exemptions"][0]["codes"] == ["900-249-08"]
    assert api.get("/api/v1/waste-codes/90024908/").json()["code"] == "900-249-08"
    assert api.get("/api/v1/waste-codes/900-249-09/").status_code == 404


def test_is_exempt_endpoint(api):
    body = api.get("/api/v1/waste-codes/900-052-31/exemption/", {"stage": "transport"}).json()
    assert body["exempt"] is True and body["code"] == "900-052-31" and body["stage"] == "transport"
    assert [e["item"] for e in body["exemptions"]] == [18]
    assert body["exemptions"][0]["suspends_manifest"] is True
    body = api.get("/api/v1/waste-codes/900-052-31/exemption/", {"stage": "disposal"}).json()
    assert body == {**body, "exempt": False, "exemptions": []}
    for stage in ("collection", "transport", "utilisation", "disposal"):
        assert (
            api.get("/api/v1/waste-codes/900-041-49/exemption/", {"stage": stage}).json()["exempt"]
            is True
        )
    response = api.get("/api/v1/waste-codes/900-052-31/exemption/", {"stage": "storage"})
    assert response.status_code == 400 and response.json()["field"] == "stage"
    response = api.get("/api/v1/waste-codes/900-052-31/exemption/")
    assert response.status_code == 400 and response.json()["code"] == "catalog.stage_required"


def test_exemption_list(api):
    rows = all_results(api, "/api/v1/exemptions/")
    assert len(rows) == 57
    assert [r["row"] for r in rows] == list(range(1, 58))
    rows = all_results(api, "/api/v1/exemptions/", {"stage": "transport"})
    assert rows and all(r["stage"] == "transport" for r in rows)
    rows = all_results(api, "/api/v1/exemptions/", {"code": "841-001-01"})
    assert {r["item"] for r in rows} == {2, 3}
    one = api.get(f"/api/v1/exemptions/{rows[0]['id']}/").json()
    assert one["categories"] == ["HW01"]


def test_categories(api):
    rows = all_results(api, "/api/v1/waste-categories/")
    assert len(rows) == 46
    assert api.get("/api/v1/waste-categories/HW49/").json() == {
        "edition": "2021",
        "code": "HW49",
        "name": "其他废物",
    }
    assert api.get("/api/v1/waste-categories/HW41/").status_code == 404


def test_methods_and_general_classes(api):
    rows = all_results(api, "/api/v1/treatment-methods/")
    assert len(rows) == 22
    d1 = api.get("/api/v1/treatment-methods/D1/").json()
    assert d1["name"] == "填埋" and d1["verified"] == "S" and d1["kind"] == "disposal"
    assert len(all_results(api, "/api/v1/treatment-methods/", {"kind": "medical"})) == 5
    rows = all_results(api, "/api/v1/general-waste-categories/")
    assert len(rows) == 17
    assert api.get("/api/v1/general-waste-categories/SW05/").json()["name"] == "尾矿"


def test_regions(api):
    assert len(all_results(api, "/api/v1/regions/", {"level": "province"})) == 34
    cities = all_results(api, "/api/v1/regions/", {"level": "city"})
    assert len(cities) == 11 and all(c["parent"] == "330000" for c in cities)
    counties = all_results(api, "/api/v1/regions/", {"parent": "330600"})
    assert {c["name"] for c in counties} >= {"越城区", "柯桥区", "上虞区", "诸暨市"}
    assert len(all_results(api, "/api/v1/regions/", {"within": "330000"})) == 101
    body = api.get("/api/v1/regions/330603/").json()
    assert body["name"] == "柯桥区" and body["parent"] == "330600" and body["prefix"] == "330603"
    assert body["boundary"] is None
    body = api.get("/api/v1/regions/330603/", {"geometry": "1"}).json()
    assert body["boundary"]["type"] in ("Polygon", "MultiPolygon")
    assert api.get("/api/v1/regions/999999/").status_code == 404
    assert api.get("/api/v1/regions/", {"level": "town"}).status_code == 400


def test_schema_lists_the_catalogue(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/waste-codes/",
        "/api/v1/waste-codes/{code}/",
        "/api/v1/waste-codes/{code}/exemption/",
        "/api/v1/waste-categories/",
        "/api/v1/exemptions/",
        "/api/v1/treatment-methods/",
        "/api/v1/general-waste-categories/",
        "/api/v1/regions/{code}/",
    ):
        assert path in text
    assert "ExemptionAnswer" in text
