"""One way to turn a report model into HTML (Jinja2) and PDF (WeasyPrint).

Templates live in `neutra/reports/templates`; they are autoescaped, so a
client's or a project's name is always text. PDF comes from the same HTML.

It must never fetch anything over the network while rendering: every image
(charts, QR codes) is inline, and WeasyPrint's fetcher refuses other URLs.
"""

from __future__ import annotations

import base64
from typing import Any

import jinja2

from neutra.core.rounding import format_tonnes

__all__ = ["data_uri_svg", "render_html", "render_pdf"]


def _units(value: int) -> str:
    return f"{value:,}"


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("neutra.reports", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tonnes"] = format_tonnes
    env.filters["units"] = _units
    env.filters["percent"] = _percent
    return env


_ENV = _environment()


def render_html(template: str, **context: Any) -> str:
    """The named template rendered with `context`."""
    return _ENV.get_template(template).render(**context)


def data_uri_svg(svg: str) -> str:
    """An SVG drawing as a data: URI, for <img> in pages and PDFs alike."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_pdf(html: str) -> bytes:
    """The HTML as PDF (WeasyPrint), with only inline images."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=".")
    return bytes(document.write_pdf())
