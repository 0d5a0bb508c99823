"""Charts are drawn in Python (gpleadership/templatetags/chart_drawing.py) for speed; their template
(gpleadership/includes/chart.html) stays as the reference. Both must give the same HTML for charts of every shape
and for text that must be escaped."""

import pytest
from django.template import engines
from django.template.loader import render_to_string

from gpleadership import charts

NASTY = 'Tom & Jerry\'s <b>"PCN"</b>'


def _chart(**kwargs):
    defaults = {"slug": "chart-t", "title": "Title", "caption": "Caption", "category_heading": "week ending",
                "series": [charts.Series("On time", charts.BLUE)], "rows": [], "empty_text": "Nothing to draw."}
    return charts.BarChart(**{**defaults, **kwargs})


SHAPES = {
    "empty": _chart(empty_text=NASTY),
    "one series in percent": _chart(is_percent=True, category_heading="PCN", rows=[
        ("A very long primary care network name indeed", [charts.Figure.share(7, 9)]),
        (NASTY, [charts.Figure.share(0, 0, nothing="No open practices")])]),
    "two series of counts": _chart(series=[charts.Series("On time", charts.BLUE), charts.Series(NASTY, charts.RED)],
                                   rows=[("1 Dec", [charts.Figure.count(7), charts.Figure.count(0)]),
                                         ("8 Dec", [charts.Figure.count(1234), charts.Figure.count(3)])]),
    "three series, nasty words": _chart(
        slug="chart-<x>", title=NASTY, caption=NASTY, category_heading=NASTY,
        series=[charts.Series("A", charts.GREEN), charts.Series("B", charts.RED), charts.Series("C", charts.GREY)],
        rows=[(f"Week {n}", [charts.Figure.count(n), charts.Figure.missing(NASTY), charts.Figure.count(2 * n)])
              for n in range(12)]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_python_draws_a_chart_as_its_template_does(shape):
    chart = SHAPES[shape]
    drawn = engines["django"].from_string("{% load chart_drawing %}{% draw_chart chart %}").render({"chart": chart})
    reference = render_to_string("gpleadership/includes/chart.html", {"chart": chart})
    # The template opens with its comment's line and ends with its file's newline.
    assert drawn.strip("\n") == reference.strip("\n")
    assert drawn.count('class="portal-chart__bar"') == len(chart.bars) == sum(len(f) for _, f in chart.rows)
    assert "<b>" not in drawn
