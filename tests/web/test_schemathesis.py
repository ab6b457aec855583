"""Schemathesis against /openapi.json, in process (ASGI), on the two-year store with markup in its data.

Every operation in the schema (the API, the downloads, the packs and the pages) gets generated
requests, schema-valid and schema-breaking; none may answer 5xx, and each answer must match the
documented status codes, content types and, for JSON, the schema. Examples are bounded so the
whole run stays well under a minute.

Schemathesis' own pytest integration does not run under this pytest, so each operation is driven
through its Hypothesis strategy (``APIOperation.as_strategy``) and ``Case.call_and_validate``.

One check is left out: "schema-valid data is accepted". Some rules span parameters or the data
and cannot be written in OpenAPI (``from`` must not be after ``to``; a force must have outcomes
in the store), so a schema-valid request can rightly get 400 or 404. Every other check runs,
including that schema-breaking data is rejected with a 4xx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from crime_outcomes.web.api import openapi_schema  # noqa: E402

pytestmark = pytest.mark.slow  # the inner loop (-m "not slow") leaves these to the full run

MAX_EXAMPLES = 15
PATHS = sorted(openapi_schema(["2016/17", "2017/18"])["paths"])


@pytest.fixture(scope="module")
def web_app(two_year_store: Path) -> Any:
    from crime_outcomes.web import create_app

    return create_app(two_year_store)


@pytest.fixture(scope="module")
def api_schema(web_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


def test_schema_served_is_the_one_tested(api_schema: Any) -> None:
    served = sorted(result.ok().path for result in api_schema.get_all_operations())
    assert served == PATHS and "/api/story" in served and "/offence/{code}" in served


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("path", PATHS)
def test_no_server_errors_and_answers_match_the_schema(api_schema: Any, web_app: Any, path: str, mode: GenerationMode) -> None:
    operation = api_schema[path]["GET"]
    if mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
        pytest.skip("no parameters to break")
    seen: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        seen.append(response.status_code)
        assert response.status_code < 500
        nosniff = response.headers["x-content-type-options"]
        assert (nosniff if isinstance(nosniff, str) else nosniff[0]) == "nosniff"

    run()
    assert seen, "no request was made"
    assert web_app.state.server_errors == 0
