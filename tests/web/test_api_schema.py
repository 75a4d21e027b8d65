"""Schemathesis against the API's own OpenAPI schema: no request makes a server error.

In-process, through the project's WSGI application, so it runs on whichever
database the web tests run on. Every operation of the schema gets generated
requests of three kinds: valid ones (positive), invalid ones (negative: wrong
types, missing fields, strings where numbers go) and valid ones aimed at
client B1's real rows (its inventory, upload, calculation, line and jobs), all
with the bearer token (read and write) of alice, a consultant who sees B1.
A bounded number of examples per operation keeps the run to a minute or two;
failures of every operation are collected and reported together.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from neutra.web.accounts.services import api_token_create
from neutra.web.config.wsgi import application
from tests.web.client_data import client_b1

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# Examples per operation and kind of request: about 20 operations x 3 kinds x
# this many requests.
EXAMPLES = 15


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    """Cheap password hashes: nobody logs in with a password here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def in_the_test_transaction() -> Iterator[None]:
    """Keep the WSGI application on the test's database connection and transaction.

    A real WSGI request closes "old" database connections when it starts and
    ends, and a connection inside a transaction counts as one to close: the
    test's data would vanish (on PostgreSQL; SQLite's in-memory test database
    ignores the close). Django's test client unhooks the same two signals.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_no_generated_request_makes_a_server_error(
    world: dict[str, Any], in_the_test_transaction: None
) -> None:
    b1 = client_b1(world)
    _, secret = api_token_create(
        user=world["alice"],
        name="schemathesis",
        scopes=["read", "write"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    real_ids = {
        name: int(values[0]) for name, values in b1.url_values.items() if name.endswith("_id")
    }
    failures: list[str] = []
    calls = 0
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation)
        aimed = {
            name: real_ids[name]
            for name in (p.name for p in operation.path_parameters)
            if name in real_ids
        }
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if aimed:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=aimed))
        for strategy in strategies:

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,  # no example database in the checkout
                derandomize=True,  # the same requests on every run and both databases
                phases=[Phase.explicit, Phase.generate],  # report the first failure, unshrunk
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            # Schemathesis raises its failures as a BaseExceptionGroup; each says
            # which check failed and how to reproduce the request (curl).
            except (Exception, BaseExceptionGroup) as error:  # report every operation's
                failures.append(f"{operation.label}: {error}")
    assert len(operations) >= 18
    assert not failures, f"{len(failures)} failing operations in {calls} requests:\n" + "\n\n".join(
        failures
    )
