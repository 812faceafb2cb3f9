"""Schemathesis over every endpoint of a real `alu serve` process: no input gets a 5xx or a non-OpenAI error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from server_helpers import ADMIN_KEY, start_fake_upstream, start_gateway

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    upstream = start_fake_upstream(tmp)
    server = start_gateway(tmp, "--api-docs", "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
                           "--model", "gpt-test", "--no-embeddings", env={"ALU_ADMIN_KEY": ADMIN_KEY})
    yield server
    server.stop()
    upstream.stop()


def test_no_input_gets_a_server_error(fuzz_server):
    schema = schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        check_operation(operation)


def check_operation(operation) -> None:
    @given(operation.as_strategy())
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case) -> None:
        if operation.label == "POST /v1/chat/completions" and isinstance(case.body, dict):
            case.body["model"] = "gpt-test"  # reach the pipeline, not just the unknown-model error
        response = case.call(headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60)
        assert response.status_code < 500, (operation.label, response.text)
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"message", "type", "param", "code"}, response.text

    check()
