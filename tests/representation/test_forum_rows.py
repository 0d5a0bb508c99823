"""The forums page's rows are drawn in Python (representation_rows.forum_rows) for speed. They must say what the
page's template said, kept here as the reference, for every kind of forum: ICS-wide or by invitation, with nobody,
one or two people appointed, with a next meeting or none, late with feedback or up to date."""

from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from members import places
from representation import selectors
from representation.models import Representative

from ..factories import ForumFactory, MeetingFactory, RepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db

# The page's template before the rows were written in Python.
REFERENCE = """{% for forum in forums %}
  <tr class="nhsuk-table__row">
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Forum </span><a href="{% url 'representation:forum' forum.pk %}">{{ forum.name }}</a>{% if forum.ics_id %} <strong class="nhsuk-tag nhsuk-tag--purple">ICS-wide</strong>{% endif %}{% if not forum.is_formal_seat %}<br><span class="nhsuk-body-s">By invitation, not a formal seat</span>{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Host and cadence </span>{{ forum.host.name }}<br>{{ forum.cadence }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Representative and deputy </span>{% for r in forum.current_representatives %}{{ r.user.get_full_name }} ({{ r.get_role_display|lower }}, until {{ r.term_ends_on|date:"j M Y" }}){% if not forloop.last %}<br>{% endif %}{% empty %}<strong class="nhsuk-tag nhsuk-tag--orange">Nobody appointed</strong>{% endfor %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Next meeting </span>{{ forum.next_meeting_on|date:"j M Y"|default:"None added" }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Feedback </span>{% if forum.late_meetings %}<strong class="nhsuk-tag nhsuk-tag--red">{{ forum.late_meetings }} late</strong>{% else %}<strong class="nhsuk-tag nhsuk-tag--green">Up to date</strong>{% endif %}</td>
  </tr>
  {% empty %}<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="5">No forums yet.</td></tr>{% endfor %}"""  # noqa: E501


def _both(forums) -> tuple[str, str]:
    context = {"forums": forums}
    return (engines["django"].from_string("{% load representation_rows %}{% forum_rows forums %}").render(context),
            engines["django"].from_string(REFERENCE).render(context))


def test_python_draws_the_forums_as_the_template_did(testshire):
    today = timezone.localdate()
    with places.using(testshire):
        board = ForumFactory(name="Board <of> Health & Care", cadence='Monthly, "second" Tuesday')
        RepresentativeFactory(forum=board, user=UserFactory(full_name="Dr Ann <Lee>"))
        RepresentativeFactory(forum=board, role=Representative.Role.DEPUTY)
        MeetingFactory(forum=board, held_on=today + timedelta(days=9))
        MeetingFactory(forum=board, held_on=today - timedelta(days=30))  # its feedback is late
        ForumFactory(name="Estates group", is_formal_seat=False)
        listed = selectors.forum_list(today=today)
        forums = listed["forums"]
        forums[1].ics_id = testshire.ics_id or 1  # as an ICS-wide forum is listed
        drawn, reference = _both(forums)
    assert drawn == reference
    assert "&lt;of&gt;" in drawn and "<Lee>" not in drawn and "Nobody appointed" in drawn and "1 late" in drawn
    assert drawn.count("<br>Dr ") + drawn.count("(deputy") >= 1 and "By invitation" in drawn and "ICS-wide" in drawn


def test_no_forums_says_so(testshire):
    with places.using(testshire):
        drawn, reference = _both([])
    assert drawn == reference and "No forums yet." in drawn
