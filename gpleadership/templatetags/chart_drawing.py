"""A chart (gpleadership.charts.BarChart) drawn in Python: the chair's dashboard and the ICS page draw several, each
of hundreds of SVG attributes, and the template language spends microseconds on each (issue 12: 15 ms of the
dashboard at national scale). `templates/gpleadership/includes/chart.html` stays as the reference:
tests/gpleadership/test_chart_drawing.py requires the same HTML from both for charts of every shape."""

from html import escape as _escape_text

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

register = template.Library()

MARKS = {
    "hatch": '<path class="portal-chart__mark" d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" '
             'stroke-width="1.5"/>',
    "dots": '<circle class="portal-chart__mark" cx="4" cy="4" r="1.6" fill="#ffffff"/>',
}


def escape(value) -> str:
    """Django's conditional_escape without its lazy-string wrapper and SafeString, which cost more than the
    escaping itself over a chart's thousands of values (the same text: both are html.escape)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_text(str(value))


class _Escaped(dict):
    """Each text escaped once per chart: a chart repeats its categories, series and fills on every bar (some 200
    bars and 1,600 escapes on the dashboard), so `escaped[text]` escapes a text the first time only."""

    def __missing__(self, value) -> str:
        self[value] = found = escape(value)
        return found


def _g(value) -> str:
    """As the `stringformat:'g'` filter writes a number."""
    return f"{value:g}"


def _svg(chart, slug: str) -> list[str]:
    width, height, top, bottom = _g(chart.width), _g(chart.height), _g(chart.top), _g(chart.plot_bottom)
    out = [
        '<svg class="portal-chart__svg" xmlns="http://www.w3.org/2000/svg" role="img" focusable="false"\n'
        f'     aria-labelledby="{slug}-title {slug}-desc"\n'
        f'     viewBox="0 0 {width} {height}"\n'
        f'     width="{width}" height="{height}">\n'
        f'  <title id="{slug}-title">{escape(chart.title)}</title>\n'
        f'  <desc id="{slug}-desc">{escape(chart.description)}</desc>\n'
        "  <defs>\n    "
    ]
    for pattern in chart.patterns:
        out.append(
            f'\n    <pattern id="{escape(pattern.id)}" width="8" height="8" patternUnits="userSpaceOnUse">\n'
            f'      <rect class="portal-chart__fill" width="8" height="8" fill="{escape(pattern.colour)}"/>\n'
            f"      {MARKS.get(pattern.kind, '')}\n"
            "    </pattern>\n    ")
    out.append("\n  </defs>\n  ")
    if len(chart.legend) > 1:
        out.append('\n  <g class="portal-chart__legend">\n    ')
        for swatch in chart.legend:
            out.append(
                f'\n    <rect x="{_g(swatch.x)}" y="4" width="16" height="16" fill="{escape(swatch.fill)}" '
                'stroke="#212b32" stroke-width="1"/>\n'
                f'    <text x="{_g(swatch.text_x)}" y="17" font-size="14" fill="#212b32">{escape(swatch.label)}'
                "</text>\n    ")
        out.append("\n  </g>\n  ")
    out.append('\n  <g class="portal-chart__grid">\n    ')
    label_y = _g(chart.tick_label_y)
    for tick in chart.ticks:
        x = _g(tick.x)
        out.append(
            f'\n    <line x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" stroke="#d8dde0" stroke-width="1"/>\n'
            f'    <text x="{x}" y="{label_y}" font-size="13" fill="#4c6272" text-anchor="middle">'
            f"{escape(tick.label)}</text>\n    ")
    left = _g(chart.left)
    out.append(
        f'\n    <line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#4c6272" stroke-width="1.5"/>\n'
        "  </g>\n"
        '  <g class="portal-chart__categories">\n    ')
    label_x = _g(chart.label_x)
    for label in chart.labels:
        out.append(
            f'\n    <text x="{label_x}" y="{_g(label["y"])}" font-size="14" fill="#212b32" text-anchor="end">'
            f'{escape(label["text"])}</text>\n    ')
    out.append('\n  </g>\n  <g class="portal-chart__bars">\n    ')
    escaped, numbers = _Escaped(), {}
    for bar in chart.bars:
        category, series, figure = escaped[bar.category], escaped[bar.series], bar.figure
        x, height = bar.x, bar.height
        if (x, height) not in numbers:  # the same for every bar of a chart
            numbers[x, height] = (_g(x), _g(height))
        x, height = numbers[x, height]
        out.append(
            f'\n    <rect class="portal-chart__bar" x="{x}" y="{_g(bar.y)}" width="{_g(bar.width)}" '
            f'height="{height}" fill="{escaped[bar.fill]}" data-category="{category}" '
            f'data-series="{series}" data-value="{escaped[figure.value]}"/>\n'
            f'    <text class="portal-chart__value" x="{_g(bar.label_x)}" y="{_g(bar.label_y)}" font-size="13" '
            f'font-weight="bold" fill="#212b32" data-category="{category}" data-series="{series}">'
            f"{escaped[figure.label]}</text>\n    ")
    out.append("\n  </g>\n</svg>\n")
    return out


def _table(chart) -> list[str]:
    heading = escape(capfirst(chart.category_heading))
    out = [
        '<table class="nhsuk-table portal-chart__table">\n'
        f'  <caption class="nhsuk-table__caption nhsuk-table__caption--s">{escape(chart.caption)}</caption>\n'
        '  <thead class="nhsuk-table__head">\n'
        '    <tr class="nhsuk-table__row">\n'
        f'      <th scope="col" class="nhsuk-table__header">{heading}</th>\n      '
    ]
    out.extend(f'<th scope="col" class="nhsuk-table__header">{escape(series.label)}</th>' for series in chart.series)
    out.append("\n    </tr>\n  </thead>\n  <tbody class=\"nhsuk-table__body\">\n  ")
    for category, figures in chart.rows:
        out.append(
            '\n    <tr class="nhsuk-table__row">\n'
            f'      <th scope="row" class="nhsuk-table__header">{escape(category)}</th>\n      '
            + "".join(f'<td class="nhsuk-table__cell">{escape(figure.text)}</td>' for figure in figures)
            + "\n    </tr>\n  ")
    out.append("\n  </tbody>\n</table>\n")
    return out


@register.simple_tag
def draw_chart(chart):
    """The chart's section: its heading, then its SVG and its table, or the words saying there is nothing."""
    slug = escape(chart.slug)
    out = [
        f'<section class="portal-chart" id="{slug}" aria-labelledby="{slug}-heading">\n'
        f'<h3 id="{slug}-heading">{escape(chart.title)}</h3>\n'
    ]
    if chart.is_empty:
        out.append(f'\n<p class="portal-chart__empty">{escape(chart.empty_text)}</p>\n')
    else:
        out.append("\n")
        out += _svg(chart, slug)
        out += _table(chart)
    out.append("\n</section>\n")
    return mark_safe("".join(out))
