"""Schema-driven fuzzing of the JSON API with schemathesis, on the real data.

Every operation of ``/openapi.json`` gets generated valid and invalid inputs; no answer
may be a 500, every status must be one the schema declares, and every body must match its
declared schema (errors included: ``{"error": "..."}``).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from riskoff.config import Settings

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what riskoff uses
    warnings.simplefilter("ignore", DeprecationWarning)
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(loaded_settings: Settings) -> Any:
    from riskoff.web import create_app

    app = create_app(loaded_settings, hosts=["testserver"])  # the name schemathesis sends
    # build the panel once up front so the fuzz run measures the API, not the first load
    app.state.service.panel()
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations(schema: Any) -> list[Any]:
    """Every operation of the schema (a broken one fails the test)."""
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_500_and_every_answer_matches_the_schema(api_schema: Any, mode: str) -> None:
    """Each operation with generated inputs (schemathesis strategies driven by hypothesis;
    its pytest plugin is not used because its lazy loader does not run under pytest 9)."""
    from hypothesis import given
    from schemathesis import GenerationMode

    operations = _operations(api_schema)
    assert {op.path for op in operations} >= {
        "/api/diagnose/{date}",
        "/api/analogs/{date}",
        "/api/stress-index",
        "/api/series",
        "/api/series/{symbol}",
    }
    seen: dict[int, int] = {}
    for op in operations:
        if mode == "negative" and not list(op.iter_parameters()):
            continue  # nothing to get wrong
        strategy = op.as_strategy(generation_mode=GenerationMode(mode))

        @given(case=strategy)
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            response = case.call()
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            assert response.status_code < 500, (case.path_parameters, case.query, response.text)
            case.validate_response(response, checks=CHECKS)

        run()
    assert not any(code >= 500 for code in seen), seen
    assert sum(seen.values()) >= 50, seen
    assert seen.get(422, 0) > 0, seen  # bad input was generated and rejected
    if mode == "positive":
        assert seen.get(200, 0) > 0, seen  # and good input answered
