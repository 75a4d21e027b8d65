"""Charts: one specification, drawn as SVG for the page (with links) and for PDF (without).

A chart is a frozen `BarChart` value: categories along one axis, one or more
`Series` of figures, grouped side by side or stacked, upright or lying down.
`render_svg` draws it as a standalone, accessible SVG document (role="img",
<title> and <desc>, a legend, an axis with round ticks); `interactive=True`
wraps every bar in a link to its drill-down page, `interactive=False` gives
the same drawing without links (for PDF reports, where WeasyPrint renders
inline SVG). `spec_json` gives the same specification as JSON for the API.

It must never emit script, inline style attributes or <style> elements (the
pages' Content-Security-Policy forbids them: everything is drawn with SVG
presentation attributes), never put unescaped user text into the document
(entity names come from users), never produce NaN coordinates, and never
depend on anything but the spec: the same spec gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from neutra.core.errors import NeutraError
from neutra.core.rounding import format_tonnes

__all__ = [
    "PALETTE",
    "BarChart",
    "ChartSpecError",
    "Series",
    "format_compact",
    "render_svg",
    "spec_json",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every
# common colour-vision deficiency. Yellow comes late: it is faint on white.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
)

INK = "#1d2a2f"  # the stylesheet's --ink
MUTED = "#5b6b70"  # the stylesheet's --muted
GRID = "#d5dde0"  # the stylesheet's --line
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"

WIDTH = 640  # px; the page scales the drawing to its column, the PDF to its frame
TITLE_HEIGHT = 30  # px above the legend
LEGEND_ROW = 22  # px per legend row
VERTICAL_PLOT_HEIGHT = 240  # px of the value axis of an upright chart
VERTICAL_LEFT = 72  # px for the value axis' tick labels
VERTICAL_BOTTOM = 40  # px for the category labels
HORIZONTAL_LEFT = 210  # px for the category labels of a lying chart
# ... widened up to this for long labels (the GHG Protocol's scope 3 names are up to
# 46 characters), so they are read whole; longer ones are cut, whole in their title.
HORIZONTAL_LEFT_MAX = 320
HORIZONTAL_BAND = 28  # px per category of a lying chart
HORIZONTAL_BOTTOM = 30  # px for the value axis' tick labels
RIGHT = 56  # px for value labels past the longest bar
TICKS = 5  # about this many intervals on the value axis
CHAR_WIDTH = 6.6  # px, an average glyph at 12 px: how much text fits a space
VALUE_CHAR_WIDTH = 6.2  # px, a digit or separator of a bar's figure at 11 px
MAX_DESC_FIGURES = 60  # figures spelt out in <desc>; the page's table has all of them

# Characters XML 1.0 forbids, even escaped: they become U+FFFD.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SAFE_LINK = re.compile(r"^(/(?!/)|\?|#|https?://)")


class ChartSpecError(NeutraError, ValueError):
    """A chart specification that cannot be drawn (lengths disagree, a figure is not finite)."""


@dataclass(frozen=True, slots=True)
class Series:
    """One row of figures of a chart, one figure per category."""

    name: str  # shown in the legend and the tooltips, e.g. "Location-based"
    # one finite figure per category, in the chart's unit; None: no figure (no bar is drawn,
    # never a bar of 0 that would claim one)
    values: tuple[float | None, ...]
    # the drill-down page of each figure (same length as values; None: no link)
    links: tuple[str | None, ...] | None = None


@dataclass(frozen=True, slots=True)
class BarChart:
    """A bar chart: categories, series of figures, grouped or stacked, upright or lying."""

    title: str  # what it shows, e.g. "Emissions by scope"
    unit: str  # the unit of every figure, e.g. "t CO2e"
    categories: tuple[str, ...]  # the bars' labels, in the order they are drawn
    series: tuple[Series, ...]  # one or more series; several are grouped or stacked
    stacked: bool = False  # stack the series' figures of a category into one bar
    horizontal: bool = False  # categories down the side (long labels, many categories)
    description: str = ""  # a sentence for <desc>; empty: the figures spelt out

    def __post_init__(self) -> None:
        self.check_invariants()

    def check_invariants(self) -> None:
        """Raise `ChartSpecError` unless every series fits the categories with finite figures."""
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ChartSpecError(
                    f"series {series.name!r} has {len(series.values)} figures for "
                    f"{len(self.categories)} categories",
                    series=series.name,
                )
            for value in series.values:
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ChartSpecError(
                        f"series {series.name!r}: {value!r} is not a number", series=series.name
                    )
                try:
                    finite = math.isfinite(value)
                except OverflowError:  # an integer beyond any float
                    finite = False
                if not finite:
                    raise ChartSpecError(
                        f"series {series.name!r}: {value!r} is not a finite figure",
                        series=series.name,
                    )
            if series.links is not None:
                if len(series.links) != len(self.categories):
                    raise ChartSpecError(
                        f"series {series.name!r} has {len(series.links)} links for "
                        f"{len(self.categories)} categories",
                        series=series.name,
                    )
                for link in series.links:
                    # A link is ours (a path) or a web page: never javascript: or data:.
                    if link is not None and not _SAFE_LINK.match(link):
                        raise ChartSpecError(
                            f"series {series.name!r}: link {link!r} is not a page address",
                            series=series.name,
                        )

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to draw: no category or no series."""
        return not self.categories or not self.series


def spec_json(spec: BarChart) -> dict[str, Any]:
    """The specification as a JSON-ready dictionary (what the API serves)."""
    return {
        "type": "bar",
        "title": spec.title,
        "unit": spec.unit,
        "categories": list(spec.categories),
        "series": [
            {
                "name": s.name,
                "values": [None if v is None else float(v) for v in s.values],
                "links": None if s.links is None else list(s.links),
            }
            for s in spec.series
        ],
        "stacked": spec.stacked,
        "horizontal": spec.horizontal,
        "description": spec.description,
    }


def format_compact(value: float | Decimal) -> str:
    """A value axis' tick: three significant digits, thousands separated.

    Ticks are round marks of the scale, not figures. Every figure (a bar's
    label, a tooltip, a table) is `neutra.core.rounding.format_tonnes`' text.
    """
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not number.is_finite():
        return str(value)
    if number.is_zero():
        return "0"
    size = abs(number)
    if size >= Decimal("1e12") or size < Decimal("0.001"):
        mantissa, _, power = format(number, ".3g").partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{power}" if power else mantissa
    elif size >= Decimal("1e9"):
        text = _significant(number / Decimal("1e9")) + " bn"
    elif size >= Decimal("1e6"):
        text = _significant(number / Decimal("1e6")) + " M"
    elif size >= 1000:
        text = format(number, ",.0f")
    else:
        text = _significant(number)
    return text


def _significant(number: Decimal) -> str:
    """Three significant digits, without trailing zeros or exponent."""
    rounded = Decimal(format(number, ".3g"))
    text = format(rounded, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def render_svg(spec: BarChart, *, interactive: bool) -> str:
    """The chart as a standalone SVG document.

    `interactive`: every bar is a link to its drill-down page (where the
    spec gives one); otherwise the same drawing without any link.
    """
    ident = (
        "chart-"
        + hashlib.sha256(json.dumps(spec_json(spec), sort_keys=True).encode()).hexdigest()[:10]
    )
    if spec.is_empty:
        return _empty(spec, ident)
    drawing = _Drawing(spec, interactive=interactive)
    return drawing.svg(ident)


# --- drawing -----------------------------------------------------------------------


def _figure(value: float | None, unit: str) -> str:
    """A figure with its unit for a tooltip or the description; "no figure" for a gap."""
    return "no figure" if value is None else f"{format_tonnes(value)} {unit}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _esc(text: str) -> str:
    """Text content: every markup character escaped, so a name is always just text."""
    return _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    """An attribute value (for double quotes)."""
    return (
        _esc(text)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
        .replace("\r", "&#13;")
    )


def _n(number: float) -> str:
    """A coordinate: two decimals, never "-0.00"."""
    text = f"{number:.2f}"
    return "0.00" if text == "-0.00" else text


def _truncate(text: str, chars: int) -> str:
    chars = max(chars, 2)
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _header(spec: BarChart, ident: str, height: float, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="neutra-chart" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="{WIDTH}" height="{_n(height)}" font-family="{_attr(FONT)}" font-size="12" '
        f'fill="{INK}">',
        f'<title id="{ident}-title">{_esc(f"{spec.title} ({spec.unit})")}</title>',
        f'<desc id="{ident}-desc">{_esc(desc)}</desc>',
        f'<text class="chart-title" x="8" y="20" font-size="14" font-weight="600">'
        f"{_esc(_truncate(f'{spec.title} ({spec.unit})', int((WIDTH - 16) / 7.5)))}</text>",
    ]


def _empty(spec: BarChart, ident: str) -> str:
    height = 120.0
    desc = spec.description or f"{spec.title}: no emissions to show."
    parts = _header(spec, ident, height, desc)
    parts.append(
        f'<text class="empty" x="{WIDTH / 2:.2f}" y="75.00" text-anchor="middle" '
        f'fill="{MUTED}">No emissions</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _scaled(values: list[float | None]) -> tuple[list[float], int]:
    """The figures divided by 10**exponent so the largest is below 10, and that exponent.

    Drawing in scaled units keeps sums and ranges finite for any finite
    figures (1e308 + 1e308 would overflow); the tick labels are computed in
    decimal from the same exponent, so they stay exact and round.
    """
    figures = [0.0 if v is None else float(v) for v in values]
    largest = max((abs(v) for v in figures), default=0.0)
    if largest == 0.0:
        return [0.0 for _ in figures], 0
    exponent = Decimal(repr(largest)).adjusted()
    return [float(Decimal(repr(v)).scaleb(-exponent)) for v in figures], exponent


@dataclass(frozen=True, slots=True)
class _Axis:
    """The value axis: its round ticks, in scaled units, and the labels of their values."""

    low: float  # first tick (scaled units)
    high: float  # last tick (scaled units)
    ticks: tuple[tuple[float, str], ...]  # (position in scaled units, label)

    @classmethod
    def of(cls, low: float, high: float, exponent: int) -> _Axis:
        if high <= low:  # nothing but zeros: an axis from 0 to 1
            low, high, exponent = 0.0, 1.0, 0
        raw = (high - low) / TICKS
        power = math.floor(math.log10(raw))
        magnitude = 10.0**power
        mantissa = next(m for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw * (1 - 1e-12))
        step = mantissa * magnitude
        first = math.floor(low / step + 1e-9)
        last = math.ceil(high / step - 1e-9)
        decimal_step = Decimal(repr(mantissa)).scaleb(power + exponent)
        ticks = tuple((i * step, format_compact(decimal_step * i)) for i in range(first, last + 1))
        return cls(first * step, last * step, ticks)


class _Drawing:
    """The geometry of one non-empty chart."""

    def __init__(self, spec: BarChart, *, interactive: bool) -> None:
        self.spec = spec
        self.interactive = interactive
        flat = [v for s in spec.series for v in s.values]
        scaled, exponent = _scaled(flat)
        n = len(spec.categories)
        self.values = [scaled[i * n : (i + 1) * n] for i in range(len(spec.series))]
        if spec.stacked:
            tops = [sum(max(s[c], 0.0) for s in self.values) for c in range(n)]
            bottoms = [sum(min(s[c], 0.0) for s in self.values) for c in range(n)]
        else:
            tops = [max(max(s[c] for s in self.values), 0.0) for c in range(n)]
            bottoms = [min(min(s[c] for s in self.values), 0.0) for c in range(n)]
        self.axis = _Axis.of(min([*bottoms, 0.0]), max([*tops, 0.0]), exponent)
        self.all_zero = all(not v for v in flat)
        # A negative bar's figure hangs below its end: the category labels move down.
        self.label_drop = 32.0 if any(v is not None and v < 0 for v in flat) else 18.0
        self.legend = self._legend_rows()
        top = TITLE_HEIGHT + LEGEND_ROW * len(self.legend) + 8
        # A bar's figure is written as the tables write it (the one rounding policy), so
        # the drawing never shows 0.000915 beside a table's 0.001: room for the longest.
        self.label_width = VALUE_CHAR_WIDTH * max(
            (len(format_tonnes(v)) for v in flat if v is not None), default=1
        )
        if spec.horizontal:
            longest = max((len(c) for c in spec.categories), default=0)
            self.left = min(max(HORIZONTAL_LEFT, longest * CHAR_WIDTH + 12), HORIZONTAL_LEFT_MAX)
            self.plot_x, self.plot_y = float(self.left), float(top)
            self.plot_w = float(WIDTH - self.left - max(RIGHT, self.label_width + 10))
            self.plot_h = float(HORIZONTAL_BAND * n)
            self.height = top + self.plot_h + HORIZONTAL_BOTTOM
        else:
            self.plot_x, self.plot_y = float(VERTICAL_LEFT), float(top + 8)
            self.plot_w = float(WIDTH - VERTICAL_LEFT - 16)
            self.plot_h = float(VERTICAL_PLOT_HEIGHT)
            self.height = self.plot_y + self.plot_h + VERTICAL_BOTTOM + self.label_drop - 18

    # value (scaled units) -> pixel along the value axis
    def _pos(self, value: float) -> float:
        span = self.axis.high - self.axis.low
        fraction = (value - self.axis.low) / span
        if self.spec.horizontal:
            return self.plot_x + fraction * self.plot_w
        return self.plot_y + self.plot_h - fraction * self.plot_h

    def _legend_rows(self) -> list[list[tuple[int, str]]]:
        rows: list[list[tuple[int, str]]] = [[]]
        used = 8.0
        for index, series in enumerate(self.spec.series):
            label = _truncate(series.name, 40)
            width = 24 + CHAR_WIDTH * len(label) + 16
            if rows[-1] and used + width > WIDTH - 8:
                rows.append([])
                used = 8.0
            rows[-1].append((index, label))
            used += width
        return rows if rows[0] else []

    def svg(self, ident: str) -> str:
        parts = _header(self.spec, ident, self.height, self._description())
        parts += self._legend_svg()
        parts += self._axis_svg()
        parts += self._bars_svg()
        parts += self._category_labels_svg()
        if self.all_zero:
            x = self.plot_x + self.plot_w / 2
            y = self.plot_y + self.plot_h / 2
            parts.append(
                f'<text class="empty" x="{_n(x)}" y="{_n(y)}" text-anchor="middle" '
                f'fill="{MUTED}">No emissions</text>'
            )
        parts.append("</svg>")
        return "\n".join(parts) + "\n"

    def _description(self) -> str:
        if self.spec.description:
            return self.spec.description
        figures = [
            f"{category}, {series.name}: {_figure(series.values[c], self.spec.unit)}"
            for c, category in enumerate(self.spec.categories)
            for series in self.spec.series
        ]
        more = len(figures) - MAX_DESC_FIGURES
        text = "; ".join(figures[:MAX_DESC_FIGURES])
        if more > 0:
            text += f"; and {more} more figures in the table"
        kind = "stacked bar chart" if self.spec.stacked else "bar chart"
        return f"{self.spec.title}, {kind}. {text}."

    def _legend_svg(self) -> list[str]:
        parts = ['<g class="legend">']
        for r, row in enumerate(self.legend):
            x = 8.0
            y = TITLE_HEIGHT + LEGEND_ROW * r + 4
            for index, label in row:
                colour = PALETTE[index % len(PALETTE)]
                name = self.spec.series[index].name
                parts.append(
                    f'<g class="legend-item"><title>{_esc(name)}</title>'
                    f'<rect x="{_n(x)}" y="{_n(y)}" width="14" height="14" fill="{colour}"/>'
                    f'<text x="{_n(x + 20)}" y="{_n(y + 12)}">{_esc(label)}</text></g>'
                )
                x += 24 + CHAR_WIDTH * len(label) + 16
        parts.append("</g>")
        return parts

    def _axis_svg(self) -> list[str]:
        parts = ['<g class="axis">']
        for value, label in self.axis.ticks:
            at = self._pos(value)
            strong = value == 0.0
            colour = MUTED if strong else GRID
            if self.spec.horizontal:
                y1, y2 = self.plot_y, self.plot_y + self.plot_h
                parts.append(
                    f'<g class="tick" data-value="{_attr(label)}">'
                    f'<line x1="{_n(at)}" y1="{_n(y1)}" x2="{_n(at)}" y2="{_n(y2)}" '
                    f'stroke="{colour}" stroke-width="1"/>'
                    f'<text x="{_n(at)}" y="{_n(y2 + 16)}" text-anchor="middle" '
                    f'fill="{MUTED}" font-size="11">{_esc(label)}</text></g>'
                )
            else:
                x1, x2 = self.plot_x, self.plot_x + self.plot_w
                parts.append(
                    f'<g class="tick" data-value="{_attr(label)}">'
                    f'<line x1="{_n(x1)}" y1="{_n(at)}" x2="{_n(x2)}" y2="{_n(at)}" '
                    f'stroke="{colour}" stroke-width="1"/>'
                    f'<text x="{_n(x1 - 6)}" y="{_n(at + 4)}" text-anchor="end" '
                    f'fill="{MUTED}" font-size="11">{_esc(label)}</text></g>'
                )
        parts.append("</g>")
        return parts

    def _band(self) -> float:
        n = len(self.spec.categories)
        return (self.plot_h if self.spec.horizontal else self.plot_w) / n

    def _bars_svg(self) -> list[str]:
        spec = self.spec
        band = self._band()
        groups = 1 if spec.stacked else len(spec.series)
        thickness = band * 0.72 / groups
        zero = self._pos(0.0)
        # Upright figures are centred on their bars: the next bar's centre must be far enough.
        spacing = band if groups == 1 else thickness
        label_room = thickness >= 16 if spec.horizontal else spacing >= self.label_width + 4
        parts = ['<g class="bars">']
        for c, category in enumerate(spec.categories):
            start = (self.plot_y if spec.horizontal else self.plot_x) + c * band + band * 0.14
            up, down = 0.0, 0.0  # running stack, scaled units
            for s, series in enumerate(spec.series):
                if series.values[c] is None:
                    continue  # no figure: no bar
                value = self.values[s][c]
                if spec.stacked:
                    base = up if value >= 0 else down
                    end = base + value
                    if value >= 0:
                        up = end
                    else:
                        down = end
                    across = start
                else:
                    base, end = 0.0, value
                    across = start + s * thickness
                a, b = self._pos(base), self._pos(end)
                low, length = min(a, b), abs(b - a)
                if spec.horizontal:
                    x, y, w, h = low, across, length, thickness
                else:
                    x, y, w, h = across, low, thickness, length
                colour = PALETTE[s % len(PALETTE)]
                exact = _figure(series.values[c], spec.unit)
                tooltip = f"{category} · {series.name}: {exact}"
                rect = (
                    f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" '
                    f'height="{_n(h)}" fill="{colour}" data-series="{s}" data-category="{c}">'
                    f"<title>{_esc(tooltip)}</title></rect>"
                )
                link = series.links[c] if series.links is not None else None
                if self.interactive and link is not None:
                    rect = f'<a href="{_attr(link)}" aria-label="{_attr(tooltip)}">{rect}</a>'
                parts.append(rect)
                if not spec.stacked and label_room:
                    parts.append(
                        self._value_label(series.values[c] or 0.0, value, x, y, w, h, zero)
                    )
        parts.append("</g>")
        return parts

    def _value_label(
        self, real: float, value: float, x: float, y: float, w: float, h: float, zero: float
    ) -> str:
        text = _esc(format_tonnes(real))
        if self.spec.horizontal:
            # Past the bar's end; a negative bar's figure sits right of the zero line.
            tx = (x + w + 4) if value >= 0 else zero + 4
            return (
                f'<text class="value" x="{_n(tx)}" y="{_n(y + h / 2 + 4)}" '
                f'font-size="11">{text}</text>'
            )
        ty = (y - 4) if value >= 0 else (y + h + 13)
        return (
            f'<text class="value" x="{_n(x + w / 2)}" y="{_n(ty)}" text-anchor="middle" '
            f'font-size="11">{text}</text>'
        )

    def _category_labels_svg(self) -> list[str]:
        spec = self.spec
        band = self._band()
        parts = ['<g class="categories">']
        for c, category in enumerate(spec.categories):
            if spec.horizontal:
                chars = int((self.left - 12) / CHAR_WIDTH)
                x = self.plot_x - 8
                y = self.plot_y + c * band + band / 2 + 4
                anchor = "end"
            else:
                chars = int(band / CHAR_WIDTH)
                x = self.plot_x + c * band + band / 2
                y = self.plot_y + self.plot_h + self.label_drop
                anchor = "middle"
            shown = _truncate(category, chars)
            parts.append(
                f'<g class="category"><title>{_esc(category)}</title>'
                f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">{_esc(shown)}</text></g>'
            )
        parts.append("</g>")
        return parts
