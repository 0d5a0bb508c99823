"""The digest is drawn in Python (gpleadership.emails) for speed; its templates stay as the reference. Both must
give the same text and the same HTML, for sections of every shape and for text that must be escaped."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from gpleadership import emails
from members.models import User

SITE = "https://portal.example.nhs.uk"
NASTY = 'Tom & Jerry\'s <b>"quoted"</b>'
SECTIONS = [
    {"heading": "Decisions published", "lead": "What the group agreed this week.", "items": [
        {"text": "Same-day access hubs", "url": "/testshire/decisions/1/", "tag": "Agreed"},
        {"text": NASTY, "url": "/testshire/decisions/2/?a=1&b=2"},
    ]},
    {"heading": "Still to do for your practice", "lead": "", "items": [
        {"text": "Winter plan – voting closes 6 December 2026", "url": "/testshire/priorities/2/",
         "links": [{"text": "Open the ballot for Riverside Surgery", "url": f"{SITE}/email/ballot/abc:1/"},
                   {"text": NASTY, "url": f"{SITE}/email/ack/x&y/"}]},
        {"text": "No link at all", "tag": NASTY},
        {"text": "", "links": []},
    ]},
    {"heading": NASTY, "lead": NASTY, "items": []},
]


def _reference(kind: str, context: dict) -> str:
    rendered = [render_to_string(f"gpleadership/email/digest_section.{kind}", {"section": section,
                                                                             "site_url": context["site_url"]})
                for section in context["sections"]]
    return render_to_string(f"gpleadership/email/digest.{kind}", {**context,
                                                                 "rendered_sections": [mark_safe(s) for s in rendered]})


@pytest.mark.parametrize("sections", [SECTIONS, SECTIONS[:1], []], ids=["all shapes", "one", "nothing new"])
@pytest.mark.parametrize("name", ["Dr Ann Example", NASTY, ""])
def test_python_draws_the_digest_as_its_templates_do(sections, name):
    context = {"recipient": User(full_name=name, email="ann&co@example.nhs.uk"),
               "week_starting": date(2026, 11, 30), "sections": sections, "site_url": SITE, "is_group": True}
    drawn: dict = {}
    assert emails.digest_text(context, emails._drawn(context, "txt", drawn)) == _reference("txt", context)
    assert emails.digest_html(context, emails._drawn(context, "html", drawn)) == _reference("html", context)
