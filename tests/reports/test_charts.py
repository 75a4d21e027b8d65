"""Charts: one specification drawn as SVG, with links for the page and without for PDF.

Geometry is checked against scales worked out by hand from the layout: an
upright chart's value axis is 240 px high, a lying chart's is 374 px wide
(640 - 210 for the labels - 56 for the figures past the bars).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neutra.reports import (
    PALETTE,
    BarChart,
    ChartSpecError,
    Series,
    format_compact,
    render_svg,
    spec_json,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def box(rect: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(rect.get(k, "nan")) for k in ("x", "y", "width", "height"))


def ticks(root: ET.Element) -> dict[str, ET.Element]:
    """Tick label -> its line."""
    return {
        g.get("data-value", ""): g.find(f"{SVG}line")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "tick"
    }


def by_scope(**extra: object) -> BarChart:
    return BarChart(
        title="Emissions by scope",
        unit="t CO2e",
        categories=("Scope 1", "Scope 2", "Scope 3"),
        series=(
            Series(
                "Location-based",
                (10.0, 20.0, 40.0),
                ("/lines/?scope=1", "/lines/?scope=2", None),
            ),
        ),
        **extra,
    )


def test_upright_bars_are_as_tall_as_their_figures_on_a_round_axis() -> None:
    root = parse(render_svg(by_scope(), interactive=False))
    axis = ticks(root)
    # 0..40 t in steps of 10 t (40 / 5 intervals = 8, rounded up to 10).
    assert list(axis) == ["0", "10", "20", "30", "40"]
    zero_y = float(axis["0"].get("y1", "nan"))
    top_y = float(axis["40"].get("y1", "nan"))
    assert zero_y - top_y == 240.0  # the plot height: 6 px per tonne
    heights = [box(r)[3] for r in bars(root)]
    assert heights == [60.0, 120.0, 240.0]
    for rect in bars(root):
        _x, y, width, height = box(rect)
        assert y + height == zero_y  # every bar stands on the zero line
        assert width == pytest.approx((640 - 72 - 16) / 3 * 0.72, abs=0.01)


def test_lying_bars_are_as_long_as_their_figures_and_negative_ones_point_left() -> None:
    spec = BarChart(
        title="By entity",
        unit="t CO2e",
        categories=("Plant", "Office"),
        series=(Series("Emissions", (3.0, -1.5)),),
        horizontal=True,
    )
    root = parse(render_svg(spec, interactive=False))
    axis = ticks(root)
    # -1.5..3 t: 4.5 / 5 = 0.9, rounded up to steps of 1 t, from -2 to 3.
    assert list(axis) == ["-2", "-1", "0", "1", "2", "3"]
    zero_x = float(axis["0"].get("x1", "nan"))
    per_tonne = 374 / 5
    assert float(axis["3"].get("x1", "nan")) - zero_x == pytest.approx(3 * per_tonne, abs=0.01)
    plant, office = (box(r) for r in bars(root))
    assert plant[0] == zero_x
    assert plant[2] == pytest.approx(3 * per_tonne, abs=0.01)
    assert office[2] == pytest.approx(1.5 * per_tonne, abs=0.01)
    assert office[0] + office[2] == pytest.approx(zero_x, abs=0.01)  # ends at zero, to the left


def test_stacked_series_pile_up_and_a_negative_part_hangs_below_zero() -> None:
    spec = BarChart(
        title="Stacked",
        unit="t CO2e",
        categories=("A", "B"),
        series=(Series("one", (1.0, 2.0)), Series("two", (3.0, -1.0))),
        stacked=True,
    )
    root = parse(render_svg(spec, interactive=False))
    axis = ticks(root)
    assert list(axis) == ["-1", "0", "1", "2", "3", "4"]  # -1..4: 48 px per tonne
    zero_y = float(axis["0"].get("y1", "nan"))
    a1, a2, b1, b2 = (
        box(r)
        for r in sorted(bars(root), key=lambda r: (r.get("data-category"), r.get("data-series")))
    )
    assert (a1[3], b1[3]) == (48.0, 96.0)  # the first series, from zero up
    assert a1[1] + a1[3] == zero_y
    assert a2[3] == 144.0
    assert a2[1] + a2[3] == a1[1]
    assert b2[3] == 48.0
    assert b2[1] == zero_y
    assert a1[0] == a2[0]
    assert a1[2] == a2[2]


def test_interactive_bars_link_to_their_drill_down_and_static_ones_do_not() -> None:
    interactive = parse(render_svg(by_scope(), interactive=True))
    links = [a.get("href") for a in interactive.iter(f"{SVG}a")]
    assert links == ["/lines/?scope=1", "/lines/?scope=2"]  # scope 3 has no link
    static_svg = render_svg(by_scope(), interactive=False)
    assert not list(parse(static_svg).iter(f"{SVG}a"))
    assert "href" not in static_svg
    # The drawing itself is the same.
    assert [box(r) for r in bars(interactive)] == [box(r) for r in bars(parse(static_svg))]


def test_every_bar_carries_its_exact_figure_as_a_tooltip() -> None:
    spec = BarChart("T", "t CO2e", ("Plant",), (Series("Location", (1234.56789,)),))
    (rect,) = bars(parse(render_svg(spec, interactive=True)))
    title = rect.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Plant · Location: 1,234.568 t CO2e"


def test_user_text_is_escaped_everywhere() -> None:
    evil = "<script>alert(1)</script>"
    spec = BarChart(
        title=f"Title {evil}",
        unit="t & co",
        categories=(evil, 'quote " and amp &'),
        series=(Series(evil, (1.0, 2.0), ('/x?a="1"&b=<2>', None)),),
    )
    svg = render_svg(spec, interactive=True)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}title")]
    assert evil in texts  # the category's full name, as text
    assert f"Title {evil} (t & co)" in texts
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ['/x?a="1"&b=<2>']


def test_no_script_no_style_and_an_accessible_name() -> None:
    svg = render_svg(by_scope(), interactive=True)
    assert "<script" not in svg
    assert "style" not in svg  # neither a <style> element nor a style attribute
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert ids[title_id].tag == f"{SVG}title"
    assert ids[title_id].text == "Emissions by scope (t CO2e)"
    assert ids[desc_id].tag == f"{SVG}desc"
    assert "Scope 2, Location-based: 20.000 t CO2e" in (ids[desc_id].text or "")


def test_long_labels_are_cut_with_the_full_text_kept_as_a_title() -> None:
    name = "Upstream transportation and distribution of everything we ever bought"
    spec = BarChart("T", "t CO2e", (name,), (Series("s", (1.0,)),), horizontal=True)
    root = parse(render_svg(spec, interactive=False))
    (group,) = (g for g in root.iter(f"{SVG}g") if g.get("class") == "category")
    shown = group.find(f"{SVG}text")
    title = group.find(f"{SVG}title")
    assert shown is not None
    assert title is not None
    assert shown.text is not None
    assert shown.text.endswith("…")
    assert len(shown.text) < len(name)
    assert name.startswith(shown.text[:-1])
    assert title.text == name


def test_a_chart_without_categories_says_there_are_no_emissions() -> None:
    spec = BarChart("By entity", "t CO2e", (), (Series("s", ()),))
    root = parse(render_svg(spec, interactive=True))
    assert not bars(root)
    assert any(t.text == "No emissions" for t in root.iter(f"{SVG}text"))


def test_a_chart_of_zeros_draws_flat_bars_and_says_there_are_no_emissions() -> None:
    spec = BarChart("Z", "t CO2e", ("a", "b"), (Series("s", (0.0, 0.0)),))
    root = parse(render_svg(spec, interactive=False))
    assert [box(r)[3] for r in bars(root)] == [0.0, 0.0]
    assert any(t.text == "No emissions" for t in root.iter(f"{SVG}text"))


def test_the_same_spec_gives_the_same_bytes() -> None:
    assert render_svg(by_scope(), interactive=True) == render_svg(by_scope(), interactive=True)
    assert render_svg(by_scope(), interactive=False) == render_svg(by_scope(), interactive=False)


def test_each_series_has_its_own_colour_blind_safe_colour_and_a_legend_entry() -> None:
    spec = BarChart(
        "T",
        "t CO2e",
        ("a",),
        tuple(Series(f"series {i}", (float(i + 1),)) for i in range(3)),
    )
    root = parse(render_svg(spec, interactive=False))
    colours = [r.get("fill") for r in bars(root)]
    assert colours == list(PALETTE[:3])
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend-item"]
    assert [g.findtext(f"{SVG}text") for g in legend] == ["series 0", "series 1", "series 2"]
    assert [g.find(f"{SVG}rect").get("fill") for g in legend] == list(PALETTE[:3])


def test_the_spec_as_json_is_what_the_api_serves() -> None:
    document = spec_json(by_scope(horizontal=True))
    assert json.loads(json.dumps(document)) == {
        "type": "bar",
        "title": "Emissions by scope",
        "unit": "t CO2e",
        "categories": ["Scope 1", "Scope 2", "Scope 3"],
        "series": [
            {
                "name": "Location-based",
                "values": [10.0, 20.0, 40.0],
                "links": ["/lines/?scope=1", "/lines/?scope=2", None],
            }
        ],
        "stacked": False,
        "horizontal": True,
        "description": "",
    }


@pytest.mark.parametrize(
    "series",
    [
        Series("short", (1.0,)),
        Series("nan", (1.0, math.nan)),
        Series("inf", (1.0, math.inf)),
        Series("links", (1.0, 2.0), ("/a",)),
        Series("script", (1.0, 2.0), ("javascript:alert(1)", None)),
        Series("protocol-relative", (1.0, 2.0), ("//evil.example/", None)),
    ],
)
def test_a_spec_that_cannot_be_drawn_is_refused(series: Series) -> None:
    with pytest.raises(ChartSpecError):
        BarChart("T", "t CO2e", ("a", "b"), (series,))


def value_labels(root: ET.Element) -> list[ET.Element]:
    return [t for t in root.iter(f"{SVG}text") if t.get("class") == "value"]


@pytest.mark.parametrize("horizontal", [False, True])
def test_a_bars_figure_is_written_as_the_tables_write_it(horizontal: bool) -> None:
    # 0.000915 t is "0.001" in every table (format_tonnes); the chart says the same.
    chart = BarChart(
        "Scope 3 by category",
        "t CO2e",
        ("1. Purchased goods and services", "4. Upstream transportation"),
        (Series("Location-based", (0.000915, 12_345.6789)),),
        horizontal=horizontal,
    )
    root = parse(render_svg(chart, interactive=False))
    labels = value_labels(root)
    assert [t.text for t in labels] == ["0.001", "12,345.679"]
    if horizontal:
        # The longest figure fits inside the drawing, past its bar's end.
        longest = labels[1]
        assert float(longest.get("x", "nan")) + 6.2 * len("12,345.679") <= 640


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-40.0, "-40"),
        (2.5, "2.5"),
        (0.0123456, "0.0123"),
        (1234.567, "1,235"),
        (2_500_000.0, "2.5 M"),
        (1_500_000_000.0, "1.5 bn"),
        (3.2e13, "3.2e+13"),
    ],
)
def test_compact_figures_for_axis_ticks(value: float, text: str) -> None:
    assert format_compact(value) == text


_NUMERIC = ("x", "y", "width", "height", "x1", "x2", "y1", "y2")


@settings(max_examples=150, deadline=None)
@given(
    categories=st.lists(st.text(max_size=60), min_size=1, max_size=8),
    series_count=st.integers(min_value=1, max_value=4),
    data=st.data(),
    stacked=st.booleans(),
    horizontal=st.booleans(),
    interactive=st.booleans(),
)
def test_any_finite_figures_give_well_formed_svg_with_one_bar_each(
    categories: list[str],
    series_count: int,
    data: st.DataObject,
    stacked: bool,
    horizontal: bool,
    interactive: bool,
) -> None:
    finite = st.floats(allow_nan=False, allow_infinity=False)
    series = tuple(
        Series(
            data.draw(st.text(max_size=30)),
            tuple(data.draw(st.lists(finite, min_size=len(categories), max_size=len(categories)))),
            tuple(f"/lines/?n={i}" for i in range(len(categories))),
        )
        for _ in range(series_count)
    )
    spec = BarChart("T", "t CO2e", tuple(categories), series, stacked, horizontal)
    svg = render_svg(spec, interactive=interactive)
    root = parse(svg)  # well-formed XML, whatever the names hold
    drawn = bars(root)
    assert len(drawn) == len(categories) * series_count
    for element in root.iter():
        for name in _NUMERIC:
            if element.get(name) is not None:
                number = float(element.get(name, ""))
                assert math.isfinite(number), (name, element.get(name))
    for rect in drawn:
        assert box(rect)[2] >= 0
        assert box(rect)[3] >= 0


def test_the_ghg_protocols_scope_3_names_are_shown_whole() -> None:
    from neutra.reports import SCOPE3_CATEGORY_NAMES

    names = tuple(f"{c}. {SCOPE3_CATEGORY_NAMES[c]}" for c in range(1, 16))
    spec = BarChart("Scope 3", "t CO2e", names, (Series("s", (1.0,) * 15),), horizontal=True)
    root = parse(render_svg(spec, interactive=False))
    shown = [
        g.find(f"{SVG}text").text  # type: ignore[union-attr]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "category"
    ]
    assert shown == list(names)


def test_a_missing_figure_is_a_gap_never_a_bar_of_zero() -> None:
    spec = BarChart(
        title="Trajectory",
        unit="t CO2e",
        categories=("2024", "2025", "2026"),
        series=(Series("Actual", (100.0, 90.0, None)), Series("Target path", (100.0, 95.0, 90.0))),
    )
    svg = render_svg(spec, interactive=False)
    assert svg.count('data-series="0"') == 2  # 2024 and 2025 only
    assert svg.count('data-series="1"') == 3
    assert "2026, Actual: no figure" in svg
    assert "2026 · Actual" not in svg  # no tooltip of a bar that is not there
    assert spec_json(spec)["series"][0]["values"] == [100.0, 90.0, None]
