"""The settings django-stubs' mypy plugin reads (`[tool.django-stubs]` in pyproject.toml).

They are the real settings; the plugin imports them to learn the installed apps
and their models, and never serves, so a missing SECRET_KEY is given a value
that only this type-checking process sees. It must never be used to run the site.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "type-checking-only-never-serve-with-it")

from neutra.web.config.settings import *  # noqa: F403
