"""The dashboard's sections are written in Python (gpleadership/templatetags/dashboard_drawing.py) for speed; their
template (gpleadership/includes/dashboard_sections.html) stays as the reference. Both must give the same HTML for
sections of every shape and for text that must be escaped."""

import re

import pytest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory

from gpleadership import reminders, sections

NASTY = 'Tom & Jerry\'s <b>"PCN"</b>'


def _section(items, **kwargs):
    section = sections._dashboard_section(NASTY, NASTY, items, **kwargs)
    for item in section["items"]:
        item["reminded"] = item["remind"] is not None and item["text"].startswith("Reminded")
    return section


SECTIONS = [
    _section([
        sections._item(NASTY, url="/n/decisions/1/?a=1&b=2", tag=NASTY, new=True),
        sections._item("Reminded seats", url="/n/decisions/2/", tag="Unheard", remind=(reminders.ROUND, 7)),
        sections._item("Not reminded", remind=(reminders.ACTION, 8), chase=True),
        sections._item("Plain"),
    ]),
    _section([sections._item("First", url="/n/actions/1/", new=True)], count=25, new=3, more_url="/n/actions/?x=<1>"),
    _section([]),
]


def _unmasked(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', html)


def test_python_writes_the_sections_as_their_template_does(chair):
    request = RequestFactory().get("/")
    request.user = chair
    get_token(request)
    drawn = engines["django"].from_string("{% load dashboard_drawing %}{% draw_sections sections %}").render(
        {"sections": SECTIONS}, request)
    reference = render_to_string("gpleadership/includes/dashboard_sections.html", {"sections": SECTIONS}, request)
    # The template opens with its comment's line and ends with its file's newline; each form's token is masked
    # afresh.
    assert _unmasked(drawn) == _unmasked(reference.removeprefix("\n").removesuffix("\n"))
    assert 'name="csrfmiddlewaretoken"' in drawn and "<b>" not in drawn
    assert drawn.count("A reminder went today") == 1 and drawn.count("<li") == 5


def test_without_a_csrf_token_no_form_carries_one():
    drawn = engines["django"].from_string("{% load dashboard_drawing %}{% draw_sections sections %}").render(
        {"sections": SECTIONS})
    reference = render_to_string("gpleadership/includes/dashboard_sections.html", {"sections": SECTIONS})
    assert drawn == reference.removeprefix("\n").removesuffix("\n")
    assert "csrfmiddlewaretoken" not in drawn


@pytest.mark.parametrize("total", [0, 1, 31])
@pytest.mark.parametrize("quiet", [[], SECTIONS[2:], SECTIONS])
def test_python_writes_the_contents_and_the_fold_as_their_templates_do(total, quiet):
    """The count and list of sections above them (one thing, several, none), and the fold of sections with nothing
    in them below (none, one, several), with headings that must be escaped."""
    context = {"sections": SECTIONS[:2], "total": total, "quiet": quiet}
    for tag, reference in (("{% draw_contents sections total %}", "gpleadership/includes/dashboard_contents.html"),
                           ("{% draw_quiet quiet %}", "gpleadership/includes/dashboard_quiet.html")):
        drawn = engines["django"].from_string("{% load dashboard_drawing %}" + tag).render(context)
        # The template opens with its comment's line and ends with its file's newline.
        assert drawn == render_to_string(reference, context).removeprefix("\n").removesuffix("\n")
        assert "<b>" not in drawn
    contents = engines["django"].from_string("{% load dashboard_drawing %}{% draw_contents sections total %}").render(
        context)
    assert ("Tom &amp; Jerry" in contents) is bool(total) and ("3 new" in contents) is bool(total)
