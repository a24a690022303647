"""Schemathesis against the live OpenAPI schema, as each persona: no server error, every answer
conforms to the schema (status code documented, body valid). A few examples per operation keep
it quick; the data of ``world`` makes the personas' answers differ."""

import pytest
from django.core.wsgi import get_wsgi_application
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


@pytest.mark.parametrize("persona", PERSONAS)
def test_fuzz_as_each_persona(world, request, persona):
    headers = {}
    if persona != "anonymous":
        user = request.getfixturevalue(persona)
        _token, raw = services.create_token(user, name="fuzz", scope="write", days=1, actor=user)
        headers["Authorization"] = f"Bearer {raw}"
    schema = openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
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
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        check()
