"""A fuzz run of the JSON API from its own OpenAPI document (schemathesis): every operation, with
generated paths, queries and bodies, authenticated with a bearer token, never answers 5xx.

Bounded: a few dozen examples per operation by default, ten times more with FINSAM_STRESS=1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from webui import create_app
from workflows import Finsam
from workflows.demo import load_demo
from workflows.users import new_token

from .corpus_world import prepare_world
from .server import SECRET, STRESS

EXAMPLES = 300 if STRESS else 30


@pytest.fixture
def fuzzed(reliability_url: str) -> Iterator[tuple[Any, dict[str, str]]]:
    finsam = Finsam(reliability_url)
    finsam.init()
    load_demo(finsam.db)
    prepare_world(finsam, SECRET)  # tasks, instances and a second förbund to stumble on
    app = create_app({"DATABASE_URL": reliability_url, "SYSTEM": finsam, "TESTING": False,
                      "SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False})
    tokens = {user: new_token(finsam.db, user) for user in ("kansli", "designer")}
    yield app, tokens
    finsam.close()


def _near(case: Any, small: int, existing: bool) -> Any:
    """Half of the time, ids that exist (the world has a dozen tasks and instances)."""
    if existing and case.path_parameters:
        case.path_parameters = {name: small for name in case.path_parameters}
    return case


def fuzz(operation: Any, token: str, answered: Counter[tuple[str, int]]) -> None:
    """Call one operation with generated valid and invalid requests; fail on any 5xx."""
    cases = st.tuples(st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                                operation.as_strategy(GenerationMode.NEGATIVE)),
                      st.integers(1, 14), st.booleans()).map(lambda t: _near(*t))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not STRESS,
              suppress_health_check=list(HealthCheck), database=None)
    @given(case=cases)
    def call(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        answered[(operation.label, response.status_code)] += 1
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}\n"
            f"{case.as_curl_command()}\n{response.text[:500]}")

    call()


def test_no_operation_answers_5xx(fuzzed: tuple[Any, dict[str, str]]) -> None:
    app, tokens = fuzzed
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    answered: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        fuzz(operation, tokens["designer" if operation.path == "/api/specs" else "kansli"],
             answered)
    operations = {label for label, _ in answered}
    assert len(operations) >= 12, answered  # every operation of the document was called
    assert any(status == 200 for _, status in answered)
    assert not any(status >= 500 for _, status in answered)
