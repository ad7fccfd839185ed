"""Schemathesis against the live OpenAPI document: every operation, a few generated requests
each, with the tokens of a focal point, the secretariat and a provider of technical assistance.
No answer may be a server error, and every documented answer must match its schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tracking.api.authentication import token_create

# Bounded: about 30 operations × 2 users × this many requests stays well under two minutes.
EXAMPLES = 5


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, keeping the test's database connection open between
    requests (as Django's own test client does): the test's rows live in its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def cast(records_to_find, tjk_focal, secretariat, provider, settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    return {
        "focal point": token_create(user=tjk_focal, name="schemathesis")[1],
        "secretariat": token_create(user=secretariat, name="schemathesis")[1],
        "provider": token_create(user=provider, name="schemathesis")[1],
    }


@pytest.fixture
def records_to_find(tjk_action, tjk_focal):
    """Path parameters that name real records, so that answers are not all 404."""
    return {"id": tjk_action.pk, "slug": "dushanbe", "code": "TJK"}


def _run(operation, token: str, path_parameters: dict) -> None:
    known = {name: value for name, value in path_parameters.items() if name in operation.path}
    strategy = operation.as_strategy(path_parameters=known or None)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=strategy)
    def check(case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    check()


@pytest.mark.parametrize("who", ["focal point", "secretariat", "provider"])
def test_every_operation_survives_generated_requests(wsgi_app, cast, records_to_find, who):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40

    for operation in operations:
        _run(operation, cast[who], records_to_find)
