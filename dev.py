#!/usr/bin/env python3
"""Set up and run Neutra from a fresh clone with nothing but Python 3.11+.

    python3 dev.py run     # install (first time), then print the example footprint
    python3 dev.py test    # install with test tools, then run every check and test

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
    lock = (ROOT / "uv.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    stamp = VENV / f".synced-{'dev' if dev else 'run'}"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    args: list[str | Path] = [PY, "-m", "uv", "sync", "--frozen", "--inexact"]
    args += ["--all-extras"] if dev else ["--no-dev"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV), "UV_PYTHON": str(PY)}
    sh(*args, env=env)
    stamp.write_text(digest)


def run(argv: list[str]) -> None:
    ensure_env(dev=False)
    sh(BIN / "neutra", *(argv or ["example"]))


def test(argv: list[str]) -> None:
    ensure_env(dev=True)
    sh(BIN / "ruff", "check", "src", "tests", "bench", "tools", "dev.py")
    sh(BIN / "ruff", "format", "--check", "src", "tests", "bench", "tools", "dev.py")
    sh(BIN / "mypy")
    sh(BIN / "lint-imports")
    sh(PY, "-m", "pytest", *argv)


def main() -> None:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
