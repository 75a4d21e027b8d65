"""REST endpoints of the activities app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["activities"])
