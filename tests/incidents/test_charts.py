"""The SVG charts, drawn from plain numbers: no database, no request."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from incidents.charts import (
    Period,
    Range,
    RangeGroup,
    empty_chart,
    interval_text,
    nice_ceiling,
    range_chart,
    timeline_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def _bars(root: ET.Element) -> dict[str, ET.Element]:
    """Each bar's rect, keyed by the text of its <title>."""
    return {
        group.find(f"{SVG}title").text: group.find(f"{SVG}rect")
        for group in root.iter(f"{SVG}g")
        if group.get("class", "").startswith("bar")
    }


def _width(rect: ET.Element) -> float:
    return float(rect.get("width"))


SECURITY = RangeGroup(
    label="Security forces",
    best=10,
    ranges=[
        Range("official", "Official", 10, 10),
        Range("perpetrator", "Perpetrator", 11, None),
    ],
)
MILITANTS = RangeGroup(
    label="Militants", best=108, ranges=[Range("official", "Official", 108, None)]
)


def test_the_range_chart_is_valid_svg_with_a_title_and_a_description():
    root = _parse(range_chart([SECURITY], title="Killed", chart_id="c"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Killed"
    desc = root.find(f"{SVG}desc").text
    assert "Security forces: best 10, Official 10, Perpetrator 11–open" in desc


def test_every_bar_names_its_group_side_and_figures():
    bars = _bars(_parse(range_chart([SECURITY], title="Killed", chart_id="c")))
    assert set(bars) == {
        "Security forces, Best: 10",
        "Security forces, Official: 10",
        "Security forces, Perpetrator: 11–open",
    }


def test_best_bars_are_proportional_to_the_figures():
    groups = [RangeGroup("A", 20, []), RangeGroup("B", 40, []), RangeGroup("C", 80, [])]
    bars = _bars(_parse(range_chart(groups, title="t", chart_id="c")))
    a, b, c = (_width(bars[f"{g.label}, Best: {g.best}"]) for g in groups)
    assert b == pytest.approx(2 * a)
    assert c == pytest.approx(4 * a)


def test_a_range_starts_at_its_low_and_spans_to_its_high():
    group = RangeGroup("A", 50, [Range("official", "Official", 20, 60)])
    bars = _bars(_parse(range_chart([group], title="t", chart_id="c")))
    best, official = bars["A, Best: 50"], bars["A, Official: 20–60"]
    zero = float(best.get("x"))
    per_unit = _width(best) / 50
    assert float(official.get("x")) == pytest.approx(zero + 20 * per_unit, abs=0.1)
    assert _width(official) == pytest.approx(40 * per_unit, abs=0.1)


def test_an_open_range_runs_to_the_edge_faded():
    chart = _parse(range_chart([MILITANTS], title="t", chart_id="c"))
    bars = _bars(chart)
    best, claim = bars["Militants, Best: 108"], bars["Militants, Official: 108–open"]
    edge = float(best.get("x")) + _width(best)
    assert float(claim.get("x")) + _width(claim) > edge
    assert claim.get("fill-opacity") == "0.45"
    assert best.get("fill-opacity") == "1"


def test_a_single_figure_is_still_visible():
    bars = _bars(_parse(range_chart([SECURITY], title="t", chart_id="c")))
    assert _width(bars["Security forces, Official: 10"]) >= 2


def test_sides_get_their_own_colours():
    bars = _bars(_parse(range_chart([SECURITY], title="t", chart_id="c")))
    official = bars["Security forces, Official: 10"].get("fill")
    perpetrator = bars["Security forces, Perpetrator: 11–open"].get("fill")
    assert official != perpetrator


def test_text_is_escaped():
    group = RangeGroup('<script>"x"&', 1, [])
    markup = range_chart([group], title="<b>t</b>", chart_id='c"><x')
    root = _parse(markup)
    assert "<script>" not in markup
    assert root.find(f"{SVG}title").text == "<b>t</b>"
    assert '<script>"x"&, Best: 1' in _bars(root)


@pytest.mark.parametrize(
    "chart",
    [
        lambda: range_chart([], title="Killed", chart_id="c"),
        lambda: timeline_chart([], title="Killed", chart_id="c"),
        lambda: empty_chart(title="Killed", chart_id="c"),
    ],
)
def test_no_data_gives_a_friendly_empty_chart(chart):
    root = _parse(chart())
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts == ["No figures for this selection."]
    assert root.find(f"{SVG}title").text == "Killed"


def _periods(*values):
    start = datetime.date(2026, 1, 1)
    return [
        Period(
            start=start + datetime.timedelta(days=i),
            label=(start + datetime.timedelta(days=i)).isoformat(),
            incidents=incidents,
            killed=killed,
        )
        for i, (incidents, killed) in enumerate(values)
    ]


def test_the_timeline_is_valid_svg_with_a_bar_per_non_empty_value():
    root = _parse(
        timeline_chart(_periods((1, 10), (0, 0), (2, 5)), title="t", chart_id="c")
    )
    bars = _bars(root)
    assert root.get("role") == "img"
    # Two panels: incidents and killed, nothing drawn for an empty period.
    assert len([g for g in root.iter(f"{SVG}g")]) == 4
    assert "2026-01-01: 1 incident, 10 killed" in bars
    assert "2026-01-03: 2 incidents, 5 killed" in bars


def test_timeline_bars_are_proportional_within_a_panel():
    root = _parse(timeline_chart(_periods((1, 20), (2, 40)), title="t", chart_id="c"))
    rects = [group.find(f"{SVG}rect") for group in root.iter(f"{SVG}g")]
    heights = [float(rect.get("height")) for rect in rects]
    incidents_first, incidents_second, killed_first, killed_second = heights
    assert incidents_second == pytest.approx(2 * incidents_first, abs=0.2)
    assert killed_second == pytest.approx(2 * killed_first, abs=0.2)


def test_a_timeline_of_zeros_is_the_empty_chart():
    root = _parse(timeline_chart(_periods((0, 0)), title="t", chart_id="c"))
    assert [t.text for t in root.iter(f"{SVG}text")] == [
        "No figures for this selection."
    ]


def test_a_long_timeline_labels_only_a_few_periods():
    periods = _periods(*[(1, 1)] * 100)
    root = _parse(timeline_chart(periods, title="t", chart_id="c"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text.startswith("2026")]
    assert labels[0] == "2026-01-01"
    assert labels[-1] == periods[-1].label
    assert len(labels) <= 6


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (1, 1), (3, 5), (10, 10), (11, 20), (129, 200), (4000, 5000)],
)
def test_axes_end_on_a_round_number(value, ceiling):
    assert nice_ceiling(value) == ceiling


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [(10, 10, "10"), (11, None, "11–open"), (3, 5, "3–5"), (1200, 1200, "1,200")],
)
def test_intervals_read_as_people_write_them(low, high, text):
    assert interval_text(low, high) == text
