"""Errors of the web layer, in the one hierarchy of `neutra.core.errors`.

The API maps every `NeutraError` to `{"message", "extra"}` with the status of
`http_status`. It must never leak whether a row of another tenant exists: a
record the user may not see is `NotFoundError`, exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from neutra.core.errors import InvalidInputError, NeutraError, Problem

__all__ = [
    "NotAllowedError",
    "NotAuthenticatedError",
    "NotFoundError",
    "error_text",
    "http_status",
    "invalid",
    "jsonable_extra",
]


_SHOWN_IN_A_SENTENCE = 10  # a sentence longer than this is a table, not a message


class NotFoundError(NeutraError, LookupError):
    """No such record, or none the user may see (HTTP 404)."""


class NotAllowedError(NeutraError, PermissionError):
    """The user sees the record but their role does not allow the action (HTTP 403)."""


class NotAuthenticatedError(NeutraError, PermissionError):
    """The request's credentials are missing, unknown, expired or revoked (HTTP 401)."""


def invalid(subject: str, field: str, value: object, reason: str) -> InvalidInputError:
    """An `InvalidInputError` for one bad field of a form-like input."""
    shown = None if value is None else str(value)[:200]
    return InvalidInputError(
        [Problem(subject, None, field, shown, reason)], message=f"{field}: {reason}"
    )


def http_status(error: NeutraError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, NotAllowedError):
        return 403
    if isinstance(error, NotAuthenticatedError):
        return 401
    return 400  # every other NeutraError is about the request's input


def jsonable_extra(error: NeutraError) -> dict[str, Any]:
    """The error's structured fields, with problems as plain dictionaries."""
    extra = dict(error.extra)
    if isinstance(error, InvalidInputError):
        extra["problems"] = [problem.as_dict() for problem in error.problems]
    return {key: value if _is_json(value) else str(value) for key, value in extra.items()}


def _is_json(value: object) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def error_text(error: NeutraError) -> str:
    """One readable sentence for a page: the message, or each problem's place and reason.

    A caller's own message (`headline`) says it best; the generic "N problems
    in the input" is replaced by the problems themselves (the first ten).
    """
    if not isinstance(error, InvalidInputError) or not error.problems or error.headline:
        return error.message
    shown = error.problems[:_SHOWN_IN_A_SENTENCE]
    details = []
    for problem in shown:
        place = problem.column or problem.file
        details.append(f"{place}: {problem.reason}" if place else problem.reason)
    more = error.count - len(shown)
    return "; ".join(details) + (f"; and {more} more" if more > 0 else "")
