"""Reading a JSON request body that may be hostile: one reader for the middleware and the API.

Refuses, naming where and why: bytes that are not UTF-8, text that is not
JSON, numbers JSON does not have (NaN, Infinity, or too large to be finite),
whole numbers of more digits than Python converts,
nesting deeper than MAX_DEPTH (deeper input exhausts recursion in parsers
and validators: a server error), a NUL character (PostgreSQL cannot store or
even compare one) and a lone UTF-16 surrogate (JSON may escape one, but no
database or encoder accepts it) in any text or key. It must never recurse
over the input: deep input is what breaks recursion.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

__all__ = ["MAX_DEPTH", "UnreadableBodyError", "read_json"]

MAX_DEPTH = 32  # no request body of the API nests deeper than a few levels


class UnreadableBodyError(ValueError):
    """A request body refused before any endpoint sees it."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where  # "body", "body.name", "body.entities[2]"
        self.reason = reason


def read_json(raw: bytes) -> Any:
    """The JSON document of `raw`, or `UnreadableBodyError` saying where and why it is refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableBodyError("body", f"byte {error.start} is not UTF-8 text") from None
    try:
        document = json.loads(
            text, parse_constant=_no_constant, parse_float=_finite, parse_int=_whole
        )
    except RecursionError:
        raise UnreadableBodyError("body", f"it nests deeper than {MAX_DEPTH} levels") from None
    except UnreadableBodyError:
        raise
    except ValueError as error:
        raise UnreadableBodyError("body", f"it is not JSON ({error})") from None
    _check_tree(document)
    return document


def _no_constant(name: str) -> float:
    raise UnreadableBodyError("body", f"{name} is not a number JSON has")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnreadableBodyError("body", f"the number {text[:40]} is too large")
    return value


def _whole(text: str) -> int:
    # int() refuses more digits than Python's limit with advice for programmers
    # ("use sys.set_int_max_str_digits()"): say it in the client's terms instead.
    digits = len(text.lstrip("-"))
    limit = sys.get_int_max_str_digits()
    if limit and digits > limit:
        raise UnreadableBodyError(
            "body", f"the number {text[:40]}... has {digits} digits: too large"
        )
    return int(text)


def _check_tree(document: object) -> None:
    stack: list[tuple[object, int, str]] = [(document, 1, "body")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise UnreadableBodyError("body", f"it nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, dict):
            for key, item in value.items():
                place = f"{where}.{_shown(key)}"[:200]
                _check_text(key, place)
                stack.append((item, depth + 1, place))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{where}[{i}]"[:200]) for i, item in enumerate(value))


def _shown(key: str) -> str:
    # A key named in a message must itself be printable and encodable.
    return key.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise UnreadableBodyError(where, "contains a NUL character (0x00), which no field accepts")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        raise UnreadableBodyError(
            where, f"holds a lone UTF-16 surrogate (U+{code:04X}), which is not a character"
        ) from None
