"""Configuration from environment variables only, through helpers that fail loudly.

It must never read a configuration file or guess a value it cannot parse.
"""

from __future__ import annotations

import os
from pathlib import Path

from neutra.core.errors import NeutraError

__all__ = ["ConfigError", "neutra_home"]


class ConfigError(NeutraError, ValueError):
    """An environment variable with a value Neutra cannot use."""


def env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    if value is None:
        return default
    if not value.strip():
        raise ConfigError(f"environment variable {name} is set but empty", variable=name)
    return Path(value).expanduser()


def neutra_home() -> Path:
    """Where Neutra keeps its state on this machine: NEUTRA_HOME, default ~/.neutra."""
    return env_path("NEUTRA_HOME", Path.home() / ".neutra")
