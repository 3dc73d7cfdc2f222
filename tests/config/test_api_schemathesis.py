"""Schemathesis against the live OpenAPI schema on 127.0.0.1: generated requests to every
operation, valid and invalid, as an admin; none may answer with a server error."""

from __future__ import annotations

from unittest import mock

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from models_registry.models import RegisteredModel
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 6


def test_no_generated_request_makes_the_api_answer_with_a_server_error(live_server, admin_user, make_user):
    build_dataset(make_user)
    # Generated runs must not call a model: the registered ones are inactive and nothing is queued.
    RegisteredModel.objects.update(is_active=False)
    token = Token.objects.create(user=admin_user).key
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json", headers=headers)
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    with mock.patch("models_registry.services.generation_run_enqueue", return_value=0):
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(
                    max_examples=EXAMPLES_PER_OPERATION,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def call(case) -> None:
                    response = case.call(base_url=live_server.url, headers=headers, timeout=30)
                    statuses.append(response.status_code)
                    if response.status_code >= 500:
                        failures.append(
                            f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
                        )

                call()

    assert failures == []
    # The requests reached the views: some succeeded and some were refused as invalid.
    assert {200, 400} <= set(statuses)
