"""The chair's dashboard's sections (gpleadership.sections.for_dashboard) written in Python: a section's items carry
a link, a reminder's form and several tags each, and the template language spends microseconds on every one (issue
12: 5 ms of the dashboard at national scale); so are the count and list of sections above them and the fold of empty
sections below (0.25 ms more). `templates/gpleadership/includes/dashboard_sections.html`, `dashboard_contents.html` and
`dashboard_quiet.html` stay as the reference: tests/gpleadership/test_dashboard_drawing.py requires the same HTML from
both."""

from django import template
from django.utils.safestring import mark_safe

from members.rows import address_of

from .chart_drawing import escape

register = template.Library()

REMINDED = (' <span class="nhsuk-body-s">A reminder went today; pressing again sends nothing more until tomorrow.'
            "</span>")


def _csrf_input(context) -> str:
    """What {% csrf_token %} writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def _item(item: dict, csrf_input: str, remind_urls: dict) -> str:
    text = escape(item["text"])
    remind = item["remind"]
    out = [f'<li id="remind-{escape(remind["target"])}-{escape(remind["pk"])}">' if remind else "<li>", text]
    if item["tag"]:
        out.append(f' <strong class="nhsuk-tag nhsuk-tag--grey">{escape(item["tag"])}</strong>')
    if item["new"]:
        out.append(' <strong class="nhsuk-tag nhsuk-tag--blue">New</strong>')
    out.append("\n    ")
    if item["url"] or remind:
        out.append('<div class="portal-actions">\n      ')
        if item["url"]:
            out.append(f'<a href="{escape(item["url"])}">Open<span class="nhsuk-u-visually-hidden">: {text}</span></a>')
        out.append("\n      ")
        if remind:
            target = remind["target"]
            if target not in remind_urls:  # the reminder's address reversed once for each kind of item
                remind_urls[target] = address_of("dashboard_remind", target)
            action = escape(remind_urls[target](remind["pk"]))
            out.append(
                f'<form method="post" action="{action}" class="portal-inline-form">{csrf_input}<button class="'
                'nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0" type="submit">'
                f'{"Chase" if item["chase"] else "Send a reminder"}<span class="nhsuk-u-visually-hidden">: {text}'
                "</span></button></form>" + (REMINDED if item["reminded"] else ""))
        out.append("\n    </div>")
    out.append("\n  </li>")
    return "".join(out)


@register.simple_tag(takes_context=True)
def draw_sections(context, sections):
    """Each section: its heading with how many, its lead, how many are new, then its items (with the link to the
    rest, when it lists only the first few), or "None."."""
    csrf_input = _csrf_input(context)
    remind_urls: dict = {}
    out = []
    for n, section in enumerate(sections, start=1):
        heading, count = escape(section["heading"]), escape(section["count"])
        items = section["items"]
        out.append(
            f'\n<section aria-labelledby="section-{n}">\n'
            f'<h2 id="section-{n}">{heading} <span class="nhsuk-u-visually-hidden">:</span><strong class="nhsuk-tag '
            f'{"nhsuk-tag--orange" if items else "nhsuk-tag--green"}">{count}</strong></h2>\n'
            f'<p class="nhsuk-body-s">{escape(section["lead"])}</p>\n'
            f'<p class="nhsuk-body-s"><strong>{escape(section["new"])} new since last week</strong></p>\n')
        if items:
            out.append('\n<ul class="nhsuk-list nhsuk-list--bullet">\n  ')
            out.extend(_item(item, csrf_input, remind_urls) for item in items)
            out.append("\n</ul>\n")
            if section["more_url"]:
                out.append(
                    f'<p>The first {len(items)} of {count}. <a href="{escape(section["more_url"])}">See them all'
                    f'<span class="nhsuk-u-visually-hidden">: {heading}</span></a></p>')
            out.append("\n")
        else:
            out.append("<p>None.</p>")
        out.append("\n</section>\n")
    return mark_safe("".join(out))


NOTHING = '\n<div class="nhsuk-inset-text"><p>Nothing is stuck, overdue or unheard this week.</p></div>\n'


def _plural(n: int) -> str:
    """What the `pluralize` filter adds to a word for `n`."""
    return "" if n == 1 else "s"


def _new_ones(section: dict) -> str:
    return f", {escape(section['new'])} new" if section["new"] else ""


@register.simple_tag
def draw_contents(sections, total):
    """How many things need attention and the list of the sections that hold them, each linking to its section;
    or, with nothing to act on, a line that says so."""
    if not total:
        return mark_safe(NOTHING)
    items = "".join(
        f'<li class="nhsuk-contents-list__item"><a class="nhsuk-contents-list__link" href="#section-{n}">'
        f'{escape(section["heading"])} ({escape(section["count"])}{_new_ones(section)})</a></li>'
        for n, section in enumerate(sections, start=1))
    return mark_safe(
        f'\n<p class="nhsuk-lede-text">{escape(total)} thing{_plural(total)} {"needs" if total == 1 else "need"} '
        'attention.</p>\n<nav class="nhsuk-contents-list" aria-label="Sections of the dashboard">\n'
        f'  <ol class="nhsuk-contents-list__list">{items}</ol>\n</nav>\n')


@register.simple_tag
def draw_quiet(quiet):
    """The sections with nothing in them, folded away at the end."""
    if not quiet:
        return ""
    items = "".join(f"<li>{escape(section['heading'])}: none</li>" for section in quiet)
    return mark_safe(
        '\n<details class="nhsuk-details">\n  <summary class="nhsuk-details__summary"><span class="nhsuk-details__'
        f'summary-text">Nothing to act on in {len(quiet)} other section{_plural(len(quiet))}</span></summary>\n'
        '  <div class="nhsuk-details__text">\n'
        f'    <ul class="nhsuk-list nhsuk-list--bullet">{items}</ul>\n  </div>\n</details>\n')
