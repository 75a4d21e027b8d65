"""The web platform from the command line: set up Django, serve, run the task worker.

`neutra serve` and `neutra demo` start the app the way a user runs it on one
machine: migrate, collect static files, start a background worker process
for long work (uploads, calculations) unless tasks run in-process, then serve
through waitress (a production WSGI server) until Ctrl-C, stopping the worker
with it. It must never import Django at module level: `neutra --help` and the
footprint commands stay fast.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True, highlight=False)


class StartError(Exception):
    """The web platform cannot start (bad configuration); the message says why."""


def django_setup() -> None:
    """Configure Django from the environment and make sure NEUTRA_HOME exists."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neutra.web.config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    from neutra.settings import ConfigError, neutra_home

    try:
        neutra_home().mkdir(parents=True, exist_ok=True)  # the SQLite file lives here
        django.setup()
    except (ImproperlyConfigured, ConfigError) as error:
        raise StartError(str(error)) from None


def django_setup_or_exit() -> None:
    """`django_setup`, or the reason it cannot start on stderr and exit code 2."""
    try:
        django_setup()
    except StartError as error:
        err.print(f"[red]Cannot start:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None


def prepare_database(*, verbosity: int = 1) -> None:
    """Bring the database up to date: migrations, the shared cache table, static files."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("createcachetable", verbosity=0)  # a no-op unless the cache is the database
    call_command("collectstatic", interactive=False, verbosity=0)


def tasks_in_process() -> bool:
    from django.conf import settings

    backend: str = settings.TASKS["default"]["BACKEND"]
    return backend.endswith("ImmediateBackend")


@contextmanager
def worker_process() -> Iterator[subprocess.Popen[bytes] | None]:
    """A `neutra worker` child process for the app's background tasks, stopped on exit."""
    if tasks_in_process():
        yield None
        return
    child = subprocess.Popen([sys.executable, "-m", "neutra", "worker"])  # same environment
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


def _as_a_service() -> None:
    """Python's own garbage collection thresholds for a process that runs for days.

    `neutra.cli.main.main` raises them for a command's short life; a server or worker
    that makes and drops objects on every request goes back to collecting as usual.
    """
    gc.set_threshold(700, 10, 10)


def serve_forever(host: str, port: int, threads: int) -> None:
    """Serve the app through waitress with its worker process, until interrupted."""
    from waitress import serve as waitress_serve

    _as_a_service()

    from neutra.web.config.wsgi import application

    # SIGTERM (a service manager's stop, a test's terminate) ends the server like
    # Ctrl-C, so the worker process below is stopped with it instead of left orphaned.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with worker_process() as worker:
        where = f"http://{host}:{port}/"
        extra = "" if worker is None else f", background worker pid {worker.pid}"
        err.print(f"Serving on {where} ({threads} threads{extra}). Ctrl-C stops.")
        with suppress(KeyboardInterrupt):
            waitress_serve(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="neutra",
                # Proxy headers reach the app, which believes them only from the
                # addresses of NEUTRA_TRUSTED_PROXIES (UntrustedProxyHeadersMiddleware):
                # waitress would drop them, and trusts at most one proxy address.
                clear_untrusted_proxy_headers=False,
            )


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_worker() -> None:
    """Run queued background tasks until interrupted (django-tasks' database worker)."""
    from django.core.management import call_command

    from neutra.web.activities.services import upload_folders_prune

    _as_a_service()
    pruned = upload_folders_prune()
    if pruned:
        err.print(f"Removed {pruned} uploaded file(s) whose task never ran (older than a week).")
    err.print("Worker waiting for tasks (uploads, calculations). Ctrl-C stops.")
    with suppress(KeyboardInterrupt):
        call_command("db_worker", interval=0.5, reload=False)


def run_queued_tasks() -> None:
    """Work through every queued background task in this process, then return."""
    if tasks_in_process():
        return  # they ran when they were queued
    from django.core.management import call_command

    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def demo_secret_key() -> str:
    """The demonstration's SECRET_KEY: made once, kept (owner-only) in its NEUTRA_HOME."""
    import secrets

    from neutra.settings import neutra_home

    path = neutra_home() / "demo-secret-key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key


def print_logins(logins: list[Any], url: str | None) -> None:
    """The demonstration's log-ins, as a table on standard output (`url`: where to log in)."""
    from rich.table import Table

    title = "Demonstration log-ins" if url is None else f"Log in at {url}"
    table = Table(title=title, title_justify="left")
    for column in ("user name", "password", "role", "organisation"):
        table.add_column(column, no_wrap=True)  # copied by hand or by scripts: never folded
    for login in logins:
        table.add_row(login.username, login.password, login.role, login.organisation)
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=200)
    out.print(table)
