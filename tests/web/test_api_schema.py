"""The API against its own OpenAPI document (schemathesis): every status, header and body
it really answers is documented, and no generated request gets a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.specs.openapi.schemas import OpenApiSchema as BaseOpenAPISchema

from plumbline.core import Plumbline
from plumbline.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_schema(demo_core: Plumbline) -> BaseOpenAPISchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", create_app(demo_core))


def test_the_api_answers_as_its_schema_says(api_schema: BaseOpenAPISchema) -> None:
    """Generated requests for every operation (40 each, the same every run): each answer's
    status, headers and body conform to the schema, and none is a server error."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def check(case: Case) -> None:
            case.call_and_validate()

        try:
            check()
        except Exception as exc:  # every operation's failure is reported
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)


def test_the_schema_documents_the_error_body_instead_of_422(api_schema: BaseOpenAPISchema) -> None:
    document = api_schema.raw_schema
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "422" not in statuses, (path, method)
            assert {"400", "500"} <= statuses, (path, method)
            assert (
                operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
                == "#/components/schemas/ErrorOut"
            )
