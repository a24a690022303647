"""Schemathesis against the live OpenAPI schema, as each persona: no server error, every answer
conforms to the schema (status code documented, body valid). A few examples per operation keep
it quick; the data of ``world`` makes the personas' answers differ."""

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grappe.api import services
from tests.conftest import PERSONAS

EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_schema_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/proposals/{code}" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()


@pytest.fixture
def _keep_the_test_connection():
    """Like Django's test client: the WSGI handler must not close the connection that holds the
    test's transaction at the end of each request (PostgreSQL would lose it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_the_test_connection")
@pytest.mark.parametrize("persona", PERSONAS)
def test_fuzz_as_each_persona(world, request, persona):
    headers = {}
    if persona != "anonymous":
        user = request.getfixturevalue(persona)
        _token, raw = services.create_token(user, name="fuzz", scope="write", days=1, actor=user)
        headers["Authorization"] = f"Bearer {raw}"
    # Path parameters name real objects, so that the bodies and filters reach the code behind the 404s.
    real = {
        "/api/v1/organisations/{code}": world.external.code,
        "/api/v1/people/{code}": world.draft.lead.code,
        "/api/v1/programmes/{code}": world.open_call.programme.code,
        "/api/v1/calls/{code}": world.review_call.code,
        "/api/v1/proposals/{code}": world.draft.code,
        "/api/v1/reviews/{assignment}": world.assignment.pk,
        "/api/v1/projects/{code}": world.project.code,
    }
    schema = openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    seen: set[tuple[str, str, int]] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            key = case.operation.path
            if key.startswith("/api/v1/calls/{code}/"):
                key = "/api/v1/calls/{code}"
            if key in real and case.path_parameters:
                case.path_parameters = dict.fromkeys(case.path_parameters, real[key])
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            seen.add((case.operation.method.upper(), case.operation.path, response.status_code))

        check()
    # The fuzz reached real objects: the applicant's draft was read and changed at least once.
    if persona == "applicant":
        assert ("GET", "/api/v1/proposals/{code}", 200) in seen
        assert {status for method, path, status in seen if method == "PATCH"} - {404}
