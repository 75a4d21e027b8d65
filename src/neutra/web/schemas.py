"""The base of every API input schema: an unknown field is refused, never ignored.

A request that says `parent_id` where the schema has `parent` must not
create four top-level entities counted at 100 %: pydantic's
`extra="forbid"` makes it a 422 naming the field (config/api.py words it).
Every `...In` schema of the API derives from `InputSchema`; a test checks
the OpenAPI document for it.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict

__all__ = ["InputSchema"]


class InputSchema(Schema):
    """An API request body: the fields it declares, and nothing else."""

    model_config = ConfigDict(extra="forbid")
