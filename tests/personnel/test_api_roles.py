"""The role matrix: every role × every API resource × every action, against a table written out
by hand (not computed from personnel.scoping, which is what is under test).

World (tests/conftest.py): 策勒县 holds the commission, 人民医院 (with its branch 分院), 策勒乡卫生院
and 中医医院; 万州区 is another region.  The commission admin reaches all of 策勒县; hospital HR
and the HIS key reach 人民医院 + 分院; the department head reaches 内科; a staff member, themself.
A foreign object is a 404 (never a 403 that confirms it exists) once the role may read the resource.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from appointments.models import Appointment
from personnel.models import Department, Institution, PostQuota, Staff, Title
from personnel.validators import compose_id_number
from tests.api_testing import (
    API_ROLES,
    assert_no_rows_written,
    assert_status,
    assert_unchanged,
    client_for,
    detail_url,
    list_url,
    result_ids,
)
from tests.factories import DepartmentFactory

ADMIN, HR, HEAD, STAFF, API = API_ROLES

# Expected status per action; columns are the roles in API_ROLES order.
#   retrieve / update:            an object inside the role's scope (OWN below)
#   retrieve_foreign / update_foreign: an object outside it (FOREIGN below)
#   create:                       valid data within the scope
#   create_foreign:               valid data but a foreign key pointing outside the scope
EXPECTED_STATUS = """
resource     action            admin  hr   head  staff  api
institution  list              200    200  200   200    200
institution  retrieve          200    200  200   200    200
institution  retrieve_foreign  404    404  404   404    404
institution  create            201    403  403   403    403
institution  create_foreign    400    403  403   403    403
institution  update            200    403  403   403    403
institution  update_foreign    404    403  403   403    403
department   list              200    200  200   200    200
department   retrieve          200    200  200   200    200
department   retrieve_foreign  404    404  404   404    404
department   create            201    201  403   403    403
department   create_foreign    400    400  403   403    403
department   update            200    200  403   403    403
department   update_foreign    404    404  403   403    403
staff        list              200    200  200   200    200
staff        retrieve          200    200  200   200    200
staff        retrieve_foreign  404    404  404   404    404
staff        create            201    201  403   403    201
staff        create_foreign    400    400  403   403    400
staff        update            200    200  403   403    200
staff        update_foreign    404    404  403   403    404
title        list              200    200  200   200    200
title        retrieve          200    200  200   200    200
title        retrieve_foreign  404    404  404   404    404
title        create            201    201  403   403    201
title        create_foreign    400    400  403   403    400
title        update            200    200  403   403    200
title        update_foreign    404    404  403   403    404
appointment  list              200    200  200   200    200
appointment  retrieve          200    200  200   200    200
appointment  retrieve_foreign  404    404  404   404    404
appointment  create            201    201  403   403    403
appointment  create_foreign    400    400  403   403    403
appointment  update            405    405  403   403    403
appointment  update_foreign    405    405  403   403    403
quota        list              200    200  403   403    200
quota        retrieve          200    200  403   403    200
quota        retrieve_foreign  404    404  403   403    404
quota        create            201    403  403   403    403
quota        create_foreign    400    403  403   403    403
quota        update            200    403  403   403    403
quota        update_foreign    404    403  403   403    403
"""

# What each role's list returns, by the labels of `objects_by_label` below.
VISIBLE = {
    "institution": {
        ADMIN: {"commission", "hospital", "branch", "township", "other_hospital"},
        HR: {"hospital", "branch"},
        HEAD: {"hospital"},
        STAFF: {"hospital"},
        API: {"hospital", "branch"},
    },
    "department": {
        ADMIN: {"dept", "other_dept", "other_hospital_dept"},
        HR: {"dept", "other_dept"},
        HEAD: {"dept"},
        STAFF: {"dept"},
        API: {"dept", "other_dept"},
    },
    "staff": {
        ADMIN: {"head_staff", "staff_in_dept", "staff_other_dept", "staff_branch", "staff_other_hospital"},
        HR: {"head_staff", "staff_in_dept", "staff_other_dept", "staff_branch"},
        HEAD: {"head_staff", "staff_in_dept"},
        STAFF: {"staff_in_dept"},
        API: {"head_staff", "staff_in_dept", "staff_other_dept", "staff_branch"},
    },
    "appointment": {
        ADMIN: {"staff_in_dept", "staff_branch", "staff_other_hospital"},
        HR: {"staff_in_dept", "staff_branch"},
        HEAD: {"staff_in_dept"},
        STAFF: {"staff_in_dept"},
        API: {"staff_in_dept", "staff_branch"},
    },
    "quota": {
        ADMIN: {"hospital", "branch", "other_hospital"},
        HR: {"hospital", "branch"},
        API: {"hospital", "branch"},
    },
}
VISIBLE["title"] = VISIBLE["staff"]  # one title each

# One object inside and one outside each role's scope, per resource.
OWN = {
    "institution": {ADMIN: "township", HR: "branch", HEAD: "hospital", STAFF: "hospital", API: "branch"},
    "department": {ADMIN: "other_hospital_dept", HR: "other_dept", HEAD: "dept", STAFF: "dept", API: "other_dept"},
    "staff": {
        ADMIN: "staff_other_hospital",
        HR: "staff_branch",
        HEAD: "head_staff",
        STAFF: "staff_in_dept",
        API: "staff_branch",
    },
    "appointment": {
        ADMIN: "staff_other_hospital",
        HR: "staff_branch",
        HEAD: "staff_in_dept",
        STAFF: "staff_in_dept",
        API: "staff_branch",
    },
    "quota": {ADMIN: "other_hospital", HR: "branch", HEAD: "hospital", STAFF: "hospital", API: "branch"},
}
FOREIGN = {
    "institution": {
        ADMIN: "foreign_hospital",
        HR: "other_hospital",
        HEAD: "branch",
        STAFF: "branch",
        API: "other_hospital",
    },
    "department": {
        ADMIN: "foreign_dept",
        HR: "other_hospital_dept",
        HEAD: "other_dept",
        STAFF: "other_dept",
        API: "other_hospital_dept",
    },
    "staff": {
        ADMIN: "staff_foreign",
        HR: "staff_other_hospital",
        HEAD: "staff_other_dept",
        STAFF: "head_staff",
        API: "staff_other_hospital",
    },
    "appointment": {
        ADMIN: "staff_foreign",
        HR: "staff_other_hospital",
        HEAD: "staff_branch",
        STAFF: "staff_branch",
        API: "staff_other_hospital",
    },
    "quota": {
        ADMIN: "foreign_hospital",
        HR: "other_hospital",
        HEAD: "other_hospital",
        STAFF: "other_hospital",
        API: "other_hospital",
    },
}
OWN["title"] = OWN["staff"]
FOREIGN["title"] = FOREIGN["staff"]

# The institution a write outside the scope points at: another region for the admin, the
# neighbouring hospital of the same county for everyone else.
FOREIGN_INSTITUTION = {
    ADMIN: "foreign_hospital",
    HR: "other_hospital",
    HEAD: "other_hospital",
    STAFF: "other_hospital",
    API: "other_hospital",
}
FOREIGN_STAFF = {
    ADMIN: "staff_foreign",
    HR: "staff_other_hospital",
    HEAD: "staff_other_hospital",
    STAFF: "staff_other_hospital",
    API: "staff_other_hospital",
}

MODELS = {
    "institution": Institution,
    "department": Department,
    "staff": Staff,
    "title": Title,
    "appointment": Appointment,
    "quota": PostQuota,
}


def _parse_table(table: str) -> list[tuple[str, str, str, int]]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[2:] == ["admin", "hr", "head", "staff", "api"]
    return [
        (resource, role, action, int(code))
        for resource, action, *codes in rows
        for role, code in zip(API_ROLES, codes, strict=True)
    ]


CASES = _parse_table(EXPECTED_STATUS)


def test_the_table_covers_every_role_resource_and_action():
    assert {(res, role, act) for res, role, act, _ in CASES} == {
        (res, role, act)
        for res in MODELS
        for role in API_ROLES
        for act in ("list", "retrieve", "retrieve_foreign", "create", "create_foreign", "update", "update_foreign")
    }


@dataclass
class Matrix:
    world: object
    institutions: dict
    departments: dict
    staff: dict

    def objects(self, resource: str) -> dict[str, object]:
        """Label -> object of a resource in the world."""
        if resource == "institution":
            return self.institutions
        if resource == "department":
            return self.departments
        if resource == "staff":
            return self.staff
        if resource == "title":
            return {label: person.titles.get() for label, person in self.staff.items()}
        if resource == "appointment":
            return {
                label: person.appointments.get() for label, person in self.staff.items() if person.appointments.exists()
            }
        if resource == "quota":
            return {label: inst.quotas.get() for label, inst in self.institutions.items() if inst.quotas.exists()}
        raise KeyError(resource)


@pytest.fixture
def matrix(world) -> Matrix:
    institutions = {
        name: getattr(world, name)
        for name in ("commission", "hospital", "branch", "township", "other_hospital", "foreign_hospital")
    }
    institutions["foreign_commission"] = world.foreign_hospital.parent
    departments = {
        "dept": world.dept,
        "other_dept": world.other_dept,
        "other_hospital_dept": DepartmentFactory(institution=world.other_hospital, name="中医内科", code="ZYNK"),
        "foreign_dept": DepartmentFactory(institution=world.foreign_hospital, name="万州内科", code="WZNK"),
    }
    staff = {
        name: getattr(world, name)
        for name in (
            "head_staff",
            "staff_in_dept",
            "staff_other_dept",
            "staff_branch",
            "staff_other_hospital",
            "staff_foreign",
        )
    }
    return Matrix(world=world, institutions=institutions, departments=departments, staff=staff)


def create_data(m: Matrix, resource: str, role: str, *, foreign: bool) -> dict:
    inst = m.institutions[FOREIGN_INSTITUTION[role]] if foreign else m.world.hospital
    person = m.staff[FOREIGN_STAFF[role]] if foreign else m.world.staff_other_dept
    if resource == "institution":
        parent = inst if foreign else m.world.commission
        return {"name": "策勒县妇幼保健院", "code": "FYBJY", "kind": "mch", "parent": parent.pk}
    if resource == "department":
        return {"institution": inst.pk, "name": "儿科", "code": "EK"}
    if resource == "staff":
        number = compose_id_number(area_code="653225", birth_date=dt.date(1991, 5, 4), sequence=77, is_male=True)
        return {
            "employee_no": "N9001",
            "name": "买买提",
            "id_number": number,
            "category": "clinical",
            "employment_type": "contract",
            "institution": inst.pk,
        }
    if resource == "title":
        return {
            "staff": person.pk,
            "name": "副主任医师",
            "level": "associate_senior",
            "series": "clinical",
            "obtained_on": "2022-09-01",
        }
    if resource == "appointment":
        return {"staff": person.pk, "post_grade": 8, "start": "2026-03-01"}
    if resource == "quota":
        return {"institution": inst.pk, "year": 2027, "post_grade": 7, "count": 3}
    raise KeyError(resource)


UPDATE_DATA = {
    "institution": {"is_remote": True},
    "department": {"name": "更名科室"},
    "staff": {"phone": "13700001111"},
    "title": {"certificate_no": "ZS-NEW-001"},
    "appointment": {"agreement_text": "补充协议"},
    "quota": {"count": 9},
}


@pytest.mark.parametrize(
    "resource,role,action,expected",
    CASES,
    ids=[f"{res}-{role}-{act}" for res, role, act, _ in CASES],
)
def test_role_matrix(matrix, resource, role, action, expected):
    client = client_for(matrix.world, role)
    model = MODELS[resource]
    objects = matrix.objects(resource)

    if action == "list":
        response = client.get(list_url(resource), {"page_size": 500})
        assert_status(response, expected)
        if expected == 200:
            labels_by_pk = {obj.pk: label for label, obj in objects.items()}
            assert {labels_by_pk.get(pk, pk) for pk in result_ids(response)} == VISIBLE[resource][role]
        else:
            assert "results" not in response.json()

    elif action in ("retrieve", "retrieve_foreign"):
        table = OWN if action == "retrieve" else FOREIGN
        obj = objects[table[resource][role]]
        response = client.get(detail_url(resource, obj.pk))
        assert_status(response, expected)
        if expected == 200:
            assert response.json()["id"] == obj.pk
        else:
            assert "id" not in response.json()

    elif action in ("create", "create_foreign"):
        data = create_data(matrix, resource, role, foreign=action == "create_foreign")
        before = model._default_manager.count()
        if expected == 201:
            response = client.post(list_url(resource), data, format="json")
            assert_status(response, 201)
            assert model._default_manager.count() == before + 1
        else:
            with assert_no_rows_written(model):
                response = client.post(list_url(resource), data, format="json")
            assert_status(response, expected)

    elif action in ("update", "update_foreign"):
        table = OWN if action == "update" else FOREIGN
        obj = objects[table[resource][role]]
        data = UPDATE_DATA[resource]
        if expected == 200:
            response = client.patch(detail_url(resource, obj.pk), data, format="json")
            assert_status(response, 200)
            obj.refresh_from_db()
            for field, value in data.items():
                assert getattr(obj, field) == value
        else:
            with assert_unchanged(obj):
                response = client.patch(detail_url(resource, obj.pk), data, format="json")
            assert_status(response, expected)

    else:
        raise AssertionError(action)
