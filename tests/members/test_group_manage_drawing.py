"""The chair's seats and roles are drawn in Python (members.templatetags.group_manage) for speed; their templates,
templates/members/includes/seat_rows.html and role_rows.html, stay as the reference. Both must write the same HTML
for every kind of seat and role, character for character (the CSRF token aside, which is new for every request)."""

import re
from datetime import date

import pytest
from django.template import engines
from django.test import RequestFactory

from members import selectors
from members.models import GroupRole, Seat

from ..factories import GroupRoleFactory, PCNFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db


def _draw(template: str, context: dict) -> str:
    html = engines["django"].from_string(template).render(context, RequestFactory().get("/"))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', html)


def test_python_draws_the_seats_as_their_template_does(testshire):
    quoted = UserFactory(full_name='Dr O\'Brien & "Co" <b>')
    SeatFactory(organisation=PCNFactory(name="Riverside <PCN> & Co"))  # titled after its organisation
    SeatFactory(organisation=PCNFactory(name="Lakeside PCN"), title="Lakeside's seat", holder=None, deputy=quoted)
    SeatFactory(organisation=None, kind=Seat.Kind.INDEPENDENT, title="Independent & <chair>", holder=quoted)
    SeatFactory(organisation=None, kind=Seat.Kind.COOPTED, title="Retired & <gone>", is_active=False)
    every, _ = selectors.group_manage_rows()
    seats = [seat for seat in every if seat.is_active]
    assert [seat.title for seat in every] == [
        "Independent & <chair>", "Lakeside's seat", "Riverside <PCN> & Co", "Retired & <gone>"]
    for shown in (seats, []):
        drawn = _draw("{% load group_manage %}{% seat_rows seats %}", {"seats": shown})
        assert drawn == _draw('{% include "members/includes/seat_rows.html" %}', {"active_seats": shown})
    drawn = _draw("{% load group_manage %}{% seat_rows seats %}", {"seats": seats})
    assert drawn.count("<tr ") == 3 and "Riverside &lt;PCN&gt; &amp; Co" in drawn and "Vacant" in drawn
    assert "Lakeside&#x27;s seat<br>Lakeside PCN" in drawn and 'value="…"' in drawn


def test_python_draws_the_roles_as_their_template_does(testshire):
    GroupRoleFactory(user=UserFactory(full_name='Dr O\'Brien & "Co" <b>'), role=GroupRole.Role.CHAIR,
                     started_on=date(2026, 3, 9))
    GroupRoleFactory(user=UserFactory(full_name="", email="no.name@example.nhs.uk"), role=GroupRole.Role.OBSERVER)
    GroupRoleFactory(user=UserFactory(full_name="Ended"), role=GroupRole.Role.MEMBER, ended_on=date(2026, 3, 9))
    _, roles = selectors.group_manage_rows()
    assert [(role.person, role.role_label) for role in roles] == [
        ('Dr O\'Brien & "Co" <b>', "Chair"), ("no.name@example.nhs.uk", "Observer")]
    for shown in (roles, []):
        drawn = _draw("{% load group_manage %}{% role_rows roles %}", {"roles": shown})
        assert drawn == _draw('{% include "members/includes/role_rows.html" %}', {"roles": shown})
    drawn = _draw("{% load group_manage %}{% role_rows roles %}", {"roles": roles})
    assert drawn.count("<tr ") == 2 and "9 Mar 2026" in drawn and "no.name@example.nhs.uk&#x27;s" not in drawn
    assert "Dr O&#x27;Brien &amp; &quot;Co&quot; &lt;b&gt;'s role as chair" in drawn
