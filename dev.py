#!/usr/bin/env python3
"""Set up and run Neutra from a fresh clone with nothing but Python 3.11+.

    python3 dev.py run     # install (first time), then load and serve the demonstration
                           # (http://127.0.0.1:8000; its log-ins are printed)
    python3 dev.py test    # install with test tools, then run every check and test
                           # (web tests on SQLite, and again on PostgreSQL when
                           # NEUTRA_TEST_POSTGRES_URL names a server)
    python3 dev.py install spark postgres
                           # add optional parts (pyproject extras) to .venv: Spark for
                           # `--engine spark`, the PostgreSQL driver for DATABASE_URL;
                           # later `run`s keep them

It creates `.venv`, installs the pinned installer, and syncs the locked
dependencies of `uv.lock` into it. It must never need anything but the
standard library and the package registries.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
UV_VERSION = "0.13.9"
EXTRAS_FILE = VENV / "neutra-extras"  # the extras `install` added, one per line


def sh(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=ROOT, env=env)
    if code != 0:
        sys.exit(code)


def ensure_env(*, dev: bool) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs under any python3)
        sys.exit(f"Neutra needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"Creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if (
        subprocess.call(
            [str(PY), "-m", "uv", "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        != 0
    ):
        sh(PY, "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    extras = installed_extras()
    lock = (ROOT / "uv.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    stamp = VENV / f".synced-{'dev' if dev else 'run'}"
    digest = hashlib.sha256(lock + " ".join(extras).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    args: list[str | Path] = [PY, "-m", "uv", "sync", "--frozen", "--inexact"]
    if dev:
        args += ["--all-extras"]
    else:
        args += ["--no-dev", *(f"--extra={extra}" for extra in extras)]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV), "UV_PYTHON": str(PY)}
    sh(*args, env=env)
    stamp.write_text(digest)


def installed_extras() -> list[str]:
    if not EXTRAS_FILE.exists():
        return []
    return sorted(line for line in EXTRAS_FILE.read_text().split() if line)


def declared_extras() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return sorted(project.get("optional-dependencies", {}))


def install(argv: list[str]) -> None:
    """Add extras to the run environment; every later `run` keeps them."""
    known = declared_extras()
    unknown = [name for name in argv if name not in known]
    if not argv or unknown:
        wrong = f"unknown extra {', '.join(unknown)}; " if unknown else ""
        sys.exit(f"{wrong}usage: python3 dev.py install EXTRA... (extras: {', '.join(known)})")
    ensure_env(dev=False)  # .venv first, so the list has somewhere to live
    EXTRAS_FILE.write_text("\n".join(sorted({*installed_extras(), *argv})) + "\n")
    ensure_env(dev=False)


def run(argv: list[str]) -> None:
    ensure_env(dev=False)
    sh(BIN / "neutra", *(argv or ["demo"]))


def postgres_run_args(argv: list[str]) -> list[str] | None:
    """The pytest arguments of the PostgreSQL run: the web tests among `argv`.

    Without paths in `argv` that is all of tests/web (with `argv`'s options);
    `tests` or `.` narrow to tests/web; paths outside tests/web have no
    PostgreSQL run (None).
    """
    web = (ROOT / "tests" / "web").resolve()
    paths, options = [], []
    for arg in argv:
        where = (ROOT / arg.split("::")[0]).resolve()
        if not arg.startswith("-") and where.exists():
            paths.append((arg, where))
        else:
            options.append(arg)
    if not paths:
        return [*options, "tests/web"]
    chosen = []
    for arg, where in paths:
        if where == web or web in where.parents:
            chosen.append(arg)
        elif where in web.parents:
            chosen.append("tests/web")
    return [*options, *dict.fromkeys(chosen)] if chosen else None


def test(argv: list[str]) -> None:
    ensure_env(dev=True)
    sh(BIN / "ruff", "check", "src", "tests", "bench", "tools", "dev.py")
    sh(BIN / "ruff", "format", "--check", "src", "tests", "bench", "tools", "dev.py")
    sh(BIN / "mypy")
    sh(BIN / "lint-imports")
    # The whole suite once, web tests on SQLite; then the web tests again on
    # PostgreSQL when there is one (CI), or must be (NEUTRA_REQUIRE_ALL=1: they
    # fail there without a server). Both run even if the first fails.
    print("== tests (web tests on SQLite) ==", flush=True)
    runs = [pytest_run(argv, database="sqlite")]
    postgres_args = postgres_run_args(argv)
    wanted = (
        os.environ.get("NEUTRA_TEST_POSTGRES_URL") or os.environ.get("NEUTRA_REQUIRE_ALL") == "1"
    )
    if postgres_args is not None and wanted:
        print("== web tests on PostgreSQL ==", flush=True)
        runs.append(pytest_run(postgres_args, database="postgres"))
    elif postgres_args is not None:
        print("(no PostgreSQL run: NEUTRA_TEST_POSTGRES_URL is not set)", flush=True)
    failed = [code for code in runs if code != 0]
    if failed:
        sys.exit(failed[0])


def pytest_run(args: list[str], *, database: str) -> int:
    env = {**os.environ, "NEUTRA_TEST_WEB_DATABASE": database}
    print("+", f"NEUTRA_TEST_WEB_DATABASE={database}", PY, "-m pytest", *args, flush=True)
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env)


def main() -> None:
    commands = {"run": run, "test": test, "install": install}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
