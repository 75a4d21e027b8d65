"""Django for the web tests: settings from the environment, like production.

The Django settings are loaded here rather than from pytest's ini file, so
that the core, formats and CLI tests never need a SECRET_KEY or Django.

Which database the web tests run on is said explicitly, by
NEUTRA_TEST_WEB_DATABASE:

- `sqlite` (the default): a throw-away SQLite database;
- `postgres`: the PostgreSQL server of NEUTRA_TEST_POSTGRES_URL, through
  DATABASE_URL exactly as a deployment is configured. Without that URL every
  web test skips with the reason, and fails under NEUTRA_REQUIRE_ALL=1.

`python3 dev.py test` runs the web tests once on each (CI has both). The
report header and the closing summary name the database that ran. Tests
marked `postgres` need PostgreSQL as the app database: the SQLite run skips
them (the PostgreSQL run has them). pytest-django creates and drops the test
database; Django's test-database creation also makes the cache table
(`createcachetable`), so the log-in throttle counts in the database as in
production.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need

WEB_TESTS = Path(__file__).resolve().parent

# The tests' own NEUTRA_HOME (database file, static files), never the user's ~/.neutra.
if "NEUTRA_HOME" not in os.environ:
    os.environ["NEUTRA_HOME"] = tempfile.mkdtemp(prefix="neutra-web-tests-")
    os.makedirs(os.path.join(os.environ["NEUTRA_HOME"], "static"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neutra.web.config.settings")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
# Background tasks run inside the request that enqueues them (django-tasks'
# immediate backend), so a test sees a job end; the browser tests run the real worker.
os.environ.setdefault("NEUTRA_TASKS", "immediate")

WEB_DATABASE = os.environ.get("NEUTRA_TEST_WEB_DATABASE", "sqlite").strip().lower()
if WEB_DATABASE not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"NEUTRA_TEST_WEB_DATABASE={WEB_DATABASE!r}: use sqlite or postgres")
POSTGRES_URL = os.environ.get("NEUTRA_TEST_POSTGRES_URL", "").strip()
# Only the variable above decides: a DATABASE_URL left in a developer's shell
# must not turn a SQLite run into a run on their own database.
os.environ.pop("DATABASE_URL", None)
if WEB_DATABASE == "postgres" and POSTGRES_URL:
    os.environ["DATABASE_URL"] = POSTGRES_URL

import django  # noqa: E402 (the environment above must be set before Django loads)

django.setup()

_WHERE = (
    "PostgreSQL (NEUTRA_TEST_POSTGRES_URL)"
    if WEB_DATABASE == "postgres"
    else "SQLite (set NEUTRA_TEST_WEB_DATABASE=postgres for PostgreSQL)"
)


def pytest_report_header(config: pytest.Config) -> str:
    # Shown when pytest starts in tests/web (or a file of it); the summary below always.
    return f"web tests database: {_WHERE}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"web tests ran on {_WHERE}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if WEB_DATABASE == "postgres":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL as the app database: runs with NEUTRA_TEST_WEB_DATABASE=postgres"
    )
    for item in items:
        if item.get_closest_marker("postgres") and WEB_TESTS in Path(str(item.path)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _the_database_asked_for() -> None:
    """A PostgreSQL run without a server skips (fails in CI) instead of using SQLite."""
    if WEB_DATABASE == "postgres":
        need(
            bool(POSTGRES_URL),
            "NEUTRA_TEST_WEB_DATABASE=postgres but NEUTRA_TEST_POSTGRES_URL is not set",
        )


# Flags that start Debian's chromium headless here and in CI (checked with
# playwright 1.65 and chromium 150 on Debian 12): no sandbox, since CI runs as
# root, where chromium refuses its sandbox; /tmp instead of a small /dev/shm
# in containers.
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium for the browser tests (NEUTRA_CHROMIUM; .ci/run installs it).

    Playwright's own browser downloads are never used: launch with
    `p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)`, or
    `p.chromium.launch(**chromium_launch_options)`.
    """
    path = os.environ.get("NEUTRA_CHROMIUM") or shutil.which("chromium") or ""
    need(
        bool(path) and os.access(path, os.X_OK),
        "no Chromium for the browser tests (set NEUTRA_CHROMIUM or install Debian's chromium)",
    )
    return path


@pytest.fixture(scope="session")
def chromium_launch_options(chromium_path: str) -> dict[str, Any]:
    """Keyword arguments of playwright's `chromium.launch` for Debian's chromium, headless."""
    return {"executable_path": chromium_path, "args": list(CHROMIUM_ARGS)}


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


def free_port() -> int:
    """A TCP port free on loopback now (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def database_url() -> Iterator[str | None]:
    """The database of a server process a test starts (`neutra serve`).

    None for SQLite (the server makes its own file under its NEUTRA_HOME); in
    the PostgreSQL run, a fresh database on that server, dropped after.
    """
    if WEB_DATABASE != "postgres":
        yield None
        return
    import psycopg

    name = f"neutra_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
