"""Reusable API test helpers (the idea of NetBox's utilities/testing/api.py): one helper per kind
of check, and base classes a resource's tests inherit with a few declarations.

    class TestStaffAPI(APIViewTestCases.APIViewTestCase):
        basename = "staff"
        model = Staff
        role = "hospital_hr"
        def in_scope_object(self, world): ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse
from rest_framework.test import APIClient

API_ROLES = ("commission_admin", "hospital_hr", "department_head", "staff", "api_client")

_NAMESPACES = {
    "institution": "personnel_api",
    "department": "personnel_api",
    "staff": "personnel_api",
    "title": "personnel_api",
    "quota": "personnel_api",
    "appointment": "appointments_api",
}

_CJK = re.compile(r"[\u4e00-\u9fff]")


# --- URLs and clients -----------------------------------------------------------------------


def list_url(basename: str) -> str:
    return reverse(f"{_NAMESPACES[basename]}:{basename}-list")


def detail_url(basename: str, pk: int) -> str:
    return reverse(f"{_NAMESPACES[basename]}:{basename}-detail", kwargs={"pk": pk})


def client_for(world, role: str) -> APIClient:
    """A browser-like session for a user role; the HIS key (`Api-Key`) for "api_client"."""
    client = APIClient()
    if role == "api_client":
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world.api_key}")
    else:
        client.force_login(world.users[role])
    return client


# --- Reading responses ----------------------------------------------------------------------


def assert_status(response, expected: int) -> None:
    body = getattr(response, "data", None)
    assert response.status_code == expected, f"expected {expected}, got {response.status_code}: {body}"


def result_ids(response) -> set[int]:
    """The ids on one page of a list response (pages are big enough in these tests)."""
    assert_status(response, 200)
    payload = response.json()
    assert payload["next"] is None, "the test expects everything on one page"
    return {row["id"] for row in payload["results"]}


def error_messages(payload) -> list[str]:
    """Every string in an error body, however nested (DRF field errors or ApplicationError)."""
    if isinstance(payload, str):
        return [payload]
    if isinstance(payload, dict):
        return [m for value in payload.values() for m in error_messages(value)]
    if isinstance(payload, list):
        return [m for value in payload for m in error_messages(value)]
    return []


def assert_chinese_400(response, contains: str | None = None) -> list[str]:
    """A refused write: 400 and a message a Chinese-speaking user can read."""
    assert_status(response, 400)
    messages = error_messages(response.json())
    assert any(_CJK.search(m) for m in messages), f"no Chinese message in {messages}"
    if contains is not None:
        assert any(contains in m for m in messages), f"{contains!r} not in {messages}"
    return messages


# --- Nothing written ------------------------------------------------------------------------


def _tables(model: type[models.Model]) -> list[type[models.Model]]:
    history = getattr(model, "history", None)
    return [model, history.model] if history is not None else [model]


@contextmanager
def assert_no_rows_written(*model_classes: type[models.Model]) -> Iterator[None]:
    """Row counts of the models (and their audit history) are the same after the block."""
    tables = [t for m in model_classes for t in _tables(m)]
    before = {t: t._default_manager.count() for t in tables}
    yield
    after = {t: t._default_manager.count() for t in tables}
    assert after == before, f"rows were written: {before} -> {after}"


@contextmanager
def assert_unchanged(obj: models.Model) -> Iterator[None]:
    """The row's stored values and its audit history are the same after the block."""
    model = type(obj)
    before = model_to_dict(model._default_manager.get(pk=obj.pk))
    with assert_no_rows_written(model):
        yield
    after = model_to_dict(model._default_manager.get(pk=obj.pk))
    assert after == before


# --- Base classes, one per kind of check ----------------------------------------------------


class APIViewTestCases:
    """Mix the checks an endpoint supports into a `Test...` class and declare its objects."""

    class Base:
        basename: str
        model: type[models.Model]
        role: str = "hospital_hr"

        def client(self, world) -> APIClient:
            return client_for(world, self.role)

        def in_scope_object(self, world) -> models.Model:
            raise NotImplementedError

        def foreign_object(self, world) -> models.Model:
            """Something the role must not reach (another institution or region)."""
            raise NotImplementedError

    class GetObject(Base):
        def test_get_object_in_scope(self, world):
            obj = self.in_scope_object(world)
            response = self.client(world).get(detail_url(self.basename, obj.pk))
            assert_status(response, 200)
            assert response.json()["id"] == obj.pk
            assert response.headers.get("ETag")

        def test_get_foreign_object_is_404(self, world):
            obj = self.foreign_object(world)
            response = self.client(world).get(detail_url(self.basename, obj.pk))
            assert_status(response, 404)
            assert "id" not in response.json()

    class ListObjects(Base):
        def expected_in_list(self, world) -> set[models.Model]:
            raise NotImplementedError

        def test_list_is_exactly_the_scope(self, world):
            response = self.client(world).get(list_url(self.basename), {"page_size": 500})
            assert result_ids(response) == {o.pk for o in self.expected_in_list(world)}
            assert self.foreign_object(world).pk not in result_ids(response)

    class CreateObject(Base):
        def create_data(self, world) -> dict:
            raise NotImplementedError

        def foreign_create_data(self, world) -> dict:
            """Valid data except a foreign key pointing outside the role's scope."""
            raise NotImplementedError

        def test_create_object(self, world):
            client = self.client(world)
            count = self.model._default_manager.count()
            response = client.post(list_url(self.basename), self.create_data(world), format="json")
            assert_status(response, 201)
            assert self.model._default_manager.count() == count + 1
            created = self.model._default_manager.get(pk=response.json()["id"])
            # What was created is reachable by its creator.
            assert_status(client.get(detail_url(self.basename, created.pk)), 200)

        def test_create_pointing_outside_scope_is_400_and_writes_nothing(self, world):
            with assert_no_rows_written(self.model):
                response = self.client(world).post(
                    list_url(self.basename), self.foreign_create_data(world), format="json"
                )
            assert_chinese_400(response, contains="不在您的管理范围内")

    class UpdateObject(Base):
        def update_data(self, world) -> dict:
            raise NotImplementedError

        def assert_updated(self, obj: models.Model, data: dict) -> None:
            obj.refresh_from_db()
            for field, value in data.items():
                assert getattr(obj, field) == value, field

        def test_update_object(self, world):
            obj = self.in_scope_object(world)
            data = self.update_data(world)
            response = self.client(world).patch(detail_url(self.basename, obj.pk), data, format="json")
            assert_status(response, 200)
            assert response.headers.get("ETag")
            self.assert_updated(obj, data)

        def test_update_foreign_object_is_404_and_writes_nothing(self, world):
            obj = self.foreign_object(world)
            with assert_unchanged(obj):
                response = self.client(world).patch(
                    detail_url(self.basename, obj.pk), self.update_data(world), format="json"
                )
            assert_status(response, 404)

        def test_update_with_current_etag_succeeds(self, world):
            client = self.client(world)
            obj = self.in_scope_object(world)
            url = detail_url(self.basename, obj.pk)
            etag = client.get(url).headers["ETag"]
            response = client.patch(url, self.update_data(world), format="json", HTTP_IF_MATCH=etag)
            assert_status(response, 200)
            assert response.headers["ETag"] != etag
            # The new ETag is what a fresh read returns.
            assert client.get(url).headers["ETag"] == response.headers["ETag"]

        def test_update_with_stale_etag_is_412_and_writes_nothing(self, world):
            client = self.client(world)
            obj = self.in_scope_object(world)
            url = detail_url(self.basename, obj.pk)
            etag = client.get(url).headers["ETag"]
            assert_status(client.patch(url, self.update_data(world), format="json"), 200)  # someone else
            obj.refresh_from_db()
            with assert_unchanged(obj):
                response = client.patch(url, self.update_data(world), format="json", HTTP_IF_MATCH=etag)
            assert_status(response, 412)
            assert _CJK.search(response.json()["detail"])

    class APIViewTestCase(GetObject, ListObjects, CreateObject, UpdateObject):
        """Every check an endpoint with list, retrieve, create and update passes."""
