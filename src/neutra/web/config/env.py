"""Typed readers of environment variables that fail loudly on a bad value.

Settings read configuration only through these. They must never guess: a
value they cannot parse raises `ImproperlyConfigured` naming the variable and
the value, so a typo stops the server at start-up instead of silently turning
a protection off. A variable that is set but empty is an error too.
"""

from __future__ import annotations

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured

__all__ = ["IPNetwork", "env_bool", "env_int", "env_list", "env_networks", "env_str"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is not None and not value.strip():
        raise ImproperlyConfigured(
            f"environment variable {name} is set but empty: unset it or give it a value"
        )
    return value


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's text, stripped; `default` when it is not set."""
    value = _raw(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    """1/true/yes/on or 0/false/no/off (any case); `default` when it is not set."""
    value = _raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"environment variable {name}={value!r} is not a boolean: "
        "use 1/0, true/false, yes/no or on/off"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number (at least `minimum` if given); `default` when it is not set."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"environment variable {name}={value!r} is not a whole number"
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(
            f"environment variable {name}={value!r} is too small: the minimum is {minimum}"
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated items, each stripped; `default` when it is not set.

    An empty item (`a,,b` or a trailing comma) is an error: it is nearly always
    a typo, and an empty host name would match nothing anyway.
    """
    value = _raw(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"environment variable {name}={value!r} has an empty item: "
            "separate items by single commas"
        )
    return items


def env_networks(name: str) -> tuple[IPNetwork, ...]:
    """Comma-separated IP addresses or CIDR networks (`10.0.0.1, 172.16.0.0/12, ::1`).

    Empty when the variable is not set. An item that is not an address or a
    network, or a network written with host bits set (`10.0.0.1/8`: did you
    mean 10.0.0.0/8 or 10.0.0.1?), stops the start: a mistyped proxy address
    would silently make every client look like the proxy, or the reverse.
    """
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=True))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"environment variable {name} has {item!r}, which is not an IP address "
                f"or a CIDR network such as 10.0.0.0/8: {error}"
            ) from None
    return tuple(networks)
