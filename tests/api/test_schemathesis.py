"""
The API keeps its own OpenAPI description: schemathesis generates requests
for every operation (valid and invalid ones) against the app with the demo
data, and every answer must be no 5xx, a declared status, and a body of the
declared schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hromada.core import demo, registry
from hromada.core.models import Resident
from hromada.core.services import issue_api_token

pytestmark = [pytest.mark.slow, pytest.mark.once, pytest.mark.django_db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Bounded and seeded: the same requests on every run, in a minute or two on two cores.
EXAMPLES = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


def load_demo() -> None:
    communities = demo.load()
    for module in registry.modules():
        if module.demo:
            loader = registry.resolve(module.demo)
            for community in communities:
                loader(community)


def test_every_operation_answers_as_its_schema_says():
    from hromada.wsgi import application

    load_demo()
    resident = Resident.objects.get(email="resident@chornomorsk.demo")
    _, key = issue_api_token(resident=resident, name="schemathesis")
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @EXAMPLES
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                # A server always names the client's address; the rate limits read it.
                case.call_and_validate(
                    headers=headers, checks=CHECKS, environ_base={"REMOTE_ADDR": "127.0.0.1"}
                )

            try:
                check()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing to send wrong: no parameters
            except (Exception, BaseExceptionGroup) as error:  # every operation is tried
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
