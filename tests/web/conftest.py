"""Django for the web tests: settings from the environment, like production.

The Django settings are loaded here rather than from pytest's ini file, so
that the core, formats and CLI tests never need a SECRET_KEY or Django. With
NEUTRA_TEST_POSTGRES_URL set (CI sets it) the tests run on that PostgreSQL
server through DATABASE_URL, exactly as a deployment is configured; without
it they run on SQLite. pytest-django creates and drops the test database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

# The tests' own NEUTRA_HOME (database file, static files), never the user's ~/.neutra.
if "NEUTRA_HOME" not in os.environ:
    os.environ["NEUTRA_HOME"] = tempfile.mkdtemp(prefix="neutra-web-tests-")
    os.makedirs(os.path.join(os.environ["NEUTRA_HOME"], "static"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neutra.web.config.settings")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
# Background tasks run inside the request that enqueues them (django-tasks'
# immediate backend), so a test sees a job end; the browser tests run the real worker.
os.environ.setdefault("NEUTRA_TASKS", "immediate")
if os.environ.get("NEUTRA_TEST_POSTGRES_URL"):
    os.environ["DATABASE_URL"] = os.environ["NEUTRA_TEST_POSTGRES_URL"]

import django

django.setup()


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    from django.contrib.auth import get_user_model

    def make(username: str, **extra: Any) -> Any:
        return get_user_model().objects.create_user(
            username=username,
            email=f"{username}@example.com",
            password="a long passphrase 42",
            **extra,
        )

    return make


@pytest.fixture
def world(make_user: Callable[..., Any]) -> dict[str, Any]:
    """Two consultancies and the personas of every tenancy test.

    alice: consultant at consultancy A (sees all of A's clients)
    bob: client admin of B1, a client of A
    charlie: contributor of C1, a client of consultancy C
    dora: auditor of B2 (a client of A) until `dora_until`
    """
    from django.utils import timezone

    from neutra.web.tenancy.models import Role
    from neutra.web.tenancy.services import (
        consultancy_create,
        consultancy_membership_grant,
        membership_grant,
        organisation_create,
    )

    alice, bob, charlie, dora = (make_user(n) for n in ("alice", "bob", "charlie", "dora"))
    a = consultancy_create(name="Consultancy A", by=None)
    c = consultancy_create(name="Consultancy C", by=None)
    consultancy_membership_grant(consultancy=a, user=alice, role=Role.CONSULTANT, by=None)
    b1 = organisation_create(consultancy=a, name="B1 Manufacturing", country="GB", by=alice)
    b2 = organisation_create(consultancy=a, name="B2 Logistics", country="DE", by=alice)
    c1 = organisation_create(consultancy=c, name="C1 Foods", country="FR", by=None)
    membership_grant(organisation=b1, user=bob, role=Role.CLIENT_ADMIN, by=alice)
    membership_grant(organisation=c1, user=charlie, role=Role.CONTRIBUTOR, by=None)
    ends = timezone.now() + timedelta(days=30)
    membership_grant(organisation=b2, user=dora, role=Role.AUDITOR, expires_at=ends, by=alice)
    return {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "dora": dora,
        "dora_until": ends,
        "A": a,
        "C": c,
        "B1": b1,
        "B2": b2,
        "C1": c1,
    }
