"""Schemathesis fuzzes every operation of our own OpenAPI schema, in-process.

The schema is generated from the code at collection time, so an endpoint added later is
fuzzed without touching this file. Each operation gets a bounded number of generated
requests, sent through the real WSGI stack (middleware, authentication, throttling, the
exception handler) with the token of an HR user, so HR-only operations are reached too. Every
answer must be no 5xx, of a documented status, of the documented content type and valid
against the documented response schema; operations that need credentials must refuse
requests without them (schemathesis' `ignored_auth`).

Budget: PLAUDIT_FUZZ_EXAMPLES generated requests per operation (default 25: about 1 s an
operation on an idle machine, 25 s for the two dozen operations there are now; lower it if
the operations outgrow the suite's time). PLAUDIT_FUZZ_COVERAGE=1 adds schemathesis'
systematic coverage phase (boundary values, each required field missing, wrong types),
several times slower: use both for a deep run, e.g. before a release.
"""

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import our_schema
from tests.conftest import make_department, make_user

MAX_EXAMPLES = int(os.environ.get("PLAUDIT_FUZZ_EXAMPLES", "25"))
PHASES = ["examples", "fuzzing"] + (
    ["coverage"] if os.environ.get("PLAUDIT_FUZZ_COVERAGE", "") not in ("", "0") else []
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]


APP = WSGIHandler()
schema = schemathesis.openapi.from_dict(our_schema())
schema.app = APP  # every request, and every check's probe, goes through Django in-process
schema.config.phases.update(phases=PHASES)


@pytest.fixture
def wsgi_requests():
    """What Django's test client does too: a request must not close the test's database
    connection behind its back (Django's request signals would)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def hr_person(db):
    """An HR manager with a small team."""
    support = make_department("Support", faces_customers=True)
    person = make_user(full_name="Hana HR", department=support, hr=True)
    for n in range(3):
        make_user(full_name=f"Agent {n}", department=support, manager=person, job_title="Agent")
    return person


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a red build is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, hr_person, wsgi_requests):
    # Each example runs in a savepoint that is rolled back: every request meets the same
    # data (a failure replays exactly), and a database error cannot poison later examples.
    with transaction.atomic():
        try:
            cache.clear()  # throttles would turn later examples into 429s
            _, token = AuthToken.objects.create(user=hr_person)
            credentials = {"Authorization": f"Token {token}"}

            response = case.call(headers=credentials)

            # Naming our headers lets `ignored_auth` resend the request without them.
            case.validate_response(response, checks=CHECKS, headers=credentials)
        finally:
            transaction.set_rollback(True)
