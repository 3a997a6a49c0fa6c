"""The API against its own OpenAPI document, by Schemathesis: generated requests, valid and
invalid, to every operation never get a 5xx, and answers match the schema declared for their
status. Run anonymously (reads, validation, refused writes) and with an admin token (writes
reach the submission pipeline), each on its own service with the rate limit off, so that the
generated requests are answered rather than refused with 429.

Each operation is its own Hypothesis test over `APIOperation.as_strategy` (Schemathesis' pytest
plugin reads `Function._nodeid`, which pytest 9 no longer has); all failures are collected and
reported together, each with the request that reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from nif.auth import Role
from tests.web.conftest import LiveServer

CHECKS = [not_a_server_error, response_schema_conformance]
EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
"""Few examples per operation, a fixed seed and no shrinking: bounded time in CI, the same
requests each run."""


def _schema(live: LiveServer, token: str | None) -> BaseSchema:
    """The service's schema; with `token`, every request carries it (it replaces whatever
    Authorization header a case has), so that invalid requests reach past authentication."""
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    schema.config.update(base_url=live.url, headers=headers)
    return schema


def _failures(schema: BaseSchema, mode: GenerationMode, authorised: bool) -> list[str]:
    """What went wrong on each operation, each with the curl command that repeats it (an empty
    list when nothing did)."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(mode))
        @EXAMPLES
        def check(case: Case) -> None:
            response = case.call_and_validate(checks=CHECKS, timeout=60)
            assert not (authorised and response.status_code == 401), "the token was refused"

        try:
            check()
        except Unsatisfiable:  # nothing to make invalid: an operation without parameters
            assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no request generated"
        except (Exception, FailureGroup) as exc:
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["anonymous", "admin"])
def test_generated_requests_get_no_server_error(
    make_server: Callable[..., LiveServer], role: Role | None, mode: GenerationMode
) -> None:
    live = make_server(rate_limit=0)
    token = live.token(role, name="schemathesis") if role else None
    schema = _schema(live, token)
    assert list(schema.get_all_operations()), "the OpenAPI document lists no operation"
    failures = _failures(schema, mode, authorised=token is not None)
    assert not failures, "\n\n".join(failures)


def test_openapi_documents_the_bearer_scheme_on_writes(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    bearer = [
        name for name, s in schemes.items() if (s["type"], s.get("scheme")) == ("http", "bearer")
    ]
    assert bearer, f"no HTTP bearer scheme among {schemes}"
    secured_writes = [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in ("put", "delete")
        and any(name in needed for needed in operation.get("security", []) for name in bearer)
    ]
    assert any(path.startswith("/api/records/") for _, path in secured_writes), (
        f"no write under /api/records/ is documented as needing the bearer token: {secured_writes}"
    )


def test_docs_page_answers(client: httpx.Client) -> None:
    answer = client.get("/docs")
    assert answer.status_code == 200
    assert "text/html" in answer.headers["content-type"]
    assert "/openapi.json" in answer.text
