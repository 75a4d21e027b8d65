"""REST endpoints of the dashboards app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["dashboards"])
