"""REST endpoints of the calculations app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["calculations"])
