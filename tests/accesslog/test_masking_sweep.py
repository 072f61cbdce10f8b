"""No full 身份证号 or phone of the world's people reaches a user without
personnel.view_full_id_number: every page (GET of every URL pattern resolvable with the world's
objects), every API list/detail and every export (xlsx decoded with openpyxl, PDF with pypdf).
The permission holder does see them."""

from __future__ import annotations

import io
import re

import openpyxl
import pypdf
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from personnel.choices import Role

pytestmark = pytest.mark.django_db

ROLES_WITHOUT = [Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF]
BLANK_FORMS = {"/roster/template.xlsx"}  # the empty import template: no personal data, not an export
SKIP_PREFIXES = ("logout", "admin/logout", "api/schema", "api/docs", "healthz")


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(pattern: str, ids: list[int]) -> list[str]:
    """The URLs of a pattern: integer parameters take each of the world's ids, a group of plain
    alternatives (`(?P<fmt>pdf|xlsx)`, admin's app labels) is expanded; anything else is skipped."""
    pattern = re.sub(r"(?<!\[)\^", "", pattern).replace("$", "").replace("\\Z", "").replace("\\.", ".")
    pattern = re.sub(r"<(int|path):\w+>|\(\?P<\w+>(\\d\+|\[0-9\]\+|\[\^/.\]\+)\)", "{id}", pattern)
    variants = [pattern]
    while any("(?P<" in v for v in variants):
        expanded = []
        for v in variants:
            match = re.search(r"\(\?P<\w+>([\w|]+)\)", v)
            if match is None:
                return []
            expanded += [v[: match.start()] + word + v[match.end() :] for word in match.group(1).split("|")]
        variants = expanded
    urls = []
    for v in variants:
        if re.search(r"[<>()\[\]\\?*+]", v):
            continue
        urls += ["/" + v.replace("{id}", str(pk)) for pk in ids] if "{id}" in v else ["/" + v]
    return urls


def _secrets(world) -> dict[str, str]:
    people = [
        world.head_staff,
        world.staff_in_dept,
        world.staff_other_dept,
        world.staff_branch,
        world.staff_other_hospital,
    ]
    for n, person in enumerate(people):
        person.phone = f"1391234{n:04d}"
        person.save()
    found = {p.id_number: p.name for p in people}
    found |= {p.phone: p.name for p in people}
    return found


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row if c)
    if "pdf" in kind:
        return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", "replace")


def _sweep(client, world) -> tuple[int, str, dict[str, bool]]:
    ids = sorted(
        {
            world.head_staff.pk,
            world.staff_in_dept.pk,
            world.staff_branch.pk,
            world.hospital.pk,
            world.dept.pk,
        }
    )
    seen = []
    count = 0
    exports: dict[str, bool] = {}  # every xlsx/PDF answered: does it carry the watermark?
    client.raise_request_exception = False  # a page that errors shows nothing; other suites own 5xx
    urls = {u for p in _patterns() for u in _concrete(p, ids) if not u.lstrip("/").startswith(SKIP_PREFIXES)}
    urls |= {"/api/v1/staff/?page_size=500", "/roster/export.xlsx", "/access-log/export.xlsx"}
    for url in sorted(urls):
        response = client.get(url)
        if response.status_code != 200:
            continue
        count += 1
        text = _text(response)
        seen.append(text)
        kind = response.get("Content-Type", "")
        if ("spreadsheetml" in kind or "pdf" in kind) and url not in BLANK_FORMS:
            exports[url] = "导出人：" in text
    return count, "\n".join(seen), exports


@pytest.mark.parametrize("role", ROLES_WITHOUT)
def test_no_full_id_number_or_phone_reaches_a_role_without_the_permission(world, role):
    secrets = _secrets(world)
    user = world.users[role]
    from tests.personnel.test_admin import admin_client

    # The admin site too, with every non-delete permission of personnel and appointments but the
    # full-number one, as an over-privileged operator would have.
    client = admin_client(user, full_id=False)
    assert not type(user).objects.get(pk=user.pk).has_perm("personnel.view_full_id_number")
    count, text, exports = _sweep(client, world)
    assert count > 30, count
    leaked = {secret: name for secret, name in secrets.items() if secret in text}
    assert leaked == {}
    # Every xlsx and PDF the role could download carries the export watermark.
    assert exports and all(exports.values()), exports


def test_the_permission_holder_sees_them(world, client):
    secrets = _secrets(world)
    client.force_login(world.users[Role.COMMISSION_ADMIN])
    person = world.staff_in_dept
    page = _text(client.get(f"/staff/{person.pk}/"))
    assert person.id_number in page and person.phone in page
    api = client.get("/api/v1/staff/", {"page_size": 500}).json()["results"]
    assert {r["id_number"] for r in api} >= {k for k in secrets if len(k) == 18}
    export = _text(client.get("/roster/export.xlsx"))
    assert all(secret in export for secret in secrets)
