"""Issue 10: schemathesis against /api/schema/ as every role."""

import pytest
from django.core.wsgi import get_wsgi_application

from tests.fuzz.harness import REPORT, ROLES, fuzz_role, known_ids, load_schema, principal_for, wsgi_in_test_transaction

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def api(django_db_setup, django_db_blocker):
    """The WSGI application and its schema, read once from /api/schema/ (an anonymous GET that
    writes nothing) for the six roles."""
    app = get_wsgi_application()
    with django_db_blocker.unblock(), wsgi_in_test_transaction():
        schema = load_schema(app)
    return app, schema


@pytest.mark.parametrize("role", ROLES)
def test_api_fuzz_as_role_finds_no_5xx_no_schema_violation_no_foreign_object(api, fuzz_world, role):
    app, schema = api
    before = len(REPORT.failures)
    with wsgi_in_test_transaction():
        fuzz_role(schema, app, principal_for(fuzz_world, role), known_ids(schema))
    failures = REPORT.failures[before:]
    assert REPORT.requests[role] >= REPORT.operations
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(str(f) for f in failures[:40])
