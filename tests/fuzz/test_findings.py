"""What the API fuzz run found, each pinned by a plain test (fast, and readable without schemathesis)."""

from __future__ import annotations

import re

import pytest
import yaml
from django.test import Client

from personnel.models import Institution
from tests.api_testing import assert_chinese_400, assert_no_rows_written, client_for

_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def openapi(db) -> dict:
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                yield path, method, operation


def test_schema_documents_the_error_answers_of_every_operation(openapi):
    operations = list(_operations(openapi))
    assert len(operations) > 100
    for path, method, operation in operations:
        codes = set(operation["responses"])
        label = f"{method.upper()} {path}"
        assert {"401", "403", "429"} <= codes, label
        if "{" in path:
            assert "404" in codes, label
        if method != "get":
            assert "400" in codes, label
        for code in codes & {"400", "401", "403", "404", "412", "429"}:
            assert "application/json" in operation["responses"][code]["content"], (label, code)


def test_schema_lists_the_report_kinds_the_url_accepts(openapi):
    parameters = openapi["paths"]["/api/v1/reports/{kind}/"]["get"]["parameters"]
    kind = next(p for p in parameters if p["name"] == "kind")
    assert sorted(kind["schema"]["enum"]) == ["annual", "monthly"]


def test_schema_says_round_vacancies_are_a_plain_list(openapi):
    schema = openapi["paths"]["/api/v1/rounds/{id}/vacancies/"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["type"] == "array"


@pytest.mark.parametrize(
    "component, field",
    [
        ("Institution", "parent"),
        ("Institution", "parent_name"),
        ("Department", "head_name"),
        ("Staff", "department_name"),
        ("RosterImport", "created_by"),
        ("DemotionCase", "decided_grade_name"),
    ],
)
def test_schema_says_which_read_fields_may_be_null(openapi, component, field):
    prop = openapi["components"]["schemas"][component]["properties"][field]
    assert prop.get("nullable") or any(
        alt.get("type") == "null" for alt in prop.get("oneOf", []) + prop.get("anyOf", [])
    ), prop


def test_talent_contract_platform_may_be_blank_in_the_schema(openapi):
    platform = openapi["components"]["schemas"]["Contract"]["properties"]["platform"]
    refs = {alt.get("$ref", "") for alt in platform.get("oneOf", [])}
    assert "#/components/schemas/BlankEnum" in refs, platform


def test_a_staff_member_reads_their_department_without_the_heads_record(world):
    """The leak the scope check found: a department's head (id and name) was shown to a staff
    member, whose personnel.scoping reach is their own record only."""
    response = client_for(world, "staff").get("/api/v1/departments/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [world.dept.pk]
    assert rows[0]["head"] is None and rows[0]["head_name"] is None

    response = client_for(world, "hospital_hr").get(f"/api/v1/departments/{world.dept.pk}/")
    assert response.json()["head"] == world.head_staff.pk
    assert response.json()["head_name"] == world.head_staff.name

    response = client_for(world, "department_head").get(f"/api/v1/departments/{world.dept.pk}/")
    assert response.json()["head"] == world.head_staff.pk


@pytest.mark.parametrize("role", ["hospital_hr", "staff", "api_client"])
def test_an_object_out_of_scope_is_a_404_with_a_chinese_message(world, role):
    response = client_for(world, role).get(f"/api/v1/staff/{world.staff_foreign.pk}/")
    assert response.status_code == 404
    assert _CJK.search(response.json()["detail"]), response.json()


def test_creating_an_institution_without_a_parent_is_refused_in_chinese(world):
    client = client_for(world, "commission_admin")
    with assert_no_rows_written(Institution):
        response = client.post(
            "/api/v1/institutions/",
            {"name": "无上级医院", "code": "WSJ", "kind": "branch", "parent": None},
            format="json",
        )
    assert_chinese_400(response, contains="上级机构")


def test_the_commission_keeps_having_no_parent_when_renamed(world):
    client = client_for(world, "commission_admin")
    response = client.patch(
        f"/api/v1/institutions/{world.commission.pk}/", {"name": "策勒县卫生健康委员会"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["parent"] is None


def test_an_api_url_that_matches_no_route_is_a_json_404_in_chinese(world):
    response = client_for(world, "commission_admin").get("/api/v1/agreements/7.5e-281/pdf/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert _CJK.search(response.json()["detail"])


def test_a_site_url_that_matches_no_route_is_still_the_sites_page(world):
    client = Client()
    client.force_login(world.users["staff"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_that_is_not_json_is_refused_in_chinese(world):
    client = client_for(world, "commission_admin")
    with assert_no_rows_written(Institution):
        response = client.post("/api/v1/institutions/", b"\x98\x19\xff", content_type="application/json")
    assert response.status_code == 400
    assert _CJK.search(response.json()["detail"]), response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/round-applications/{id}/evidence/{evidence_id}/", "/api/v1/agreements/{id}/scan/"]
)
def test_schema_says_a_stored_file_downloads_as_its_own_type(openapi, path):
    """Found with FUZZ_EXAMPLES=12: an uploaded PDF came back as application/pdf, the schema said
    application/octet-stream."""
    assert list(openapi["paths"][path]["get"]["responses"]["200"]["content"]) == ["*/*"]
