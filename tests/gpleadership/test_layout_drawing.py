"""The layout's header and messages are drawn in Python (gpleadership/templatetags/layout.py) for speed; their
templates stay as the reference. Both must give the same HTML for every kind of visitor and message."""

import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template import engines
from django.test import RequestFactory

from members import places
from members.models import GroupRole

from ..factories import PlaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(user, place, said):
    request = RequestFactory().get("/")
    request.user, request.place, request.session = user, place, SessionStore()
    request._messages = FallbackStorage(request)
    for level, text in said:
        messages.add_message(request, level, text)
    return request


def _draw(template: str, user, place, said) -> str:
    # A request each: messages are used up by the drawing that reads them. The CSRF token is masked afresh each time.
    html = engines["django"].from_string(template).render({}, _request(user, place, said))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', html)


@pytest.mark.parametrize("said", [(), [(messages.SUCCESS, "Saved.")],
                                  [(messages.ERROR, 'Tom & Jerry\'s <b>"error"</b>'), (messages.INFO, "Also this.")]],
                         ids=["no messages", "one", "an error and another"])
@pytest.mark.parametrize("who", ["chair", "member of two places", "visitor in a place", "visitor"])
def test_python_draws_the_header_and_messages_as_their_templates_do(who, said, chair, testshire):
    if who == "member of two places":
        user = UserFactory(full_name='Dr Ann "Two" <Places> & Co')
        GroupRole.objects.create(user=user, role=GroupRole.Role.MEMBER, place=testshire)
        southmere = PlaceFactory(slug="southmere", name="Southmere")
        GroupRole.objects.create(user=user, role=GroupRole.Role.MEMBER, place=southmere)
    else:
        user = chair if who == "chair" else AnonymousUser()
    place = None if who == "visitor" else testshire
    with places.using(place) if place else places.unscoped(script_prefix="/"):
        drawn = [_draw("{% load layout %}{% portal_header %}", user, place, said),
                 _draw("{% load layout %}{% portal_messages %}", user, place, said)]
        reference = [_draw('{% include "includes/header.html" %}', user, place, said),
                     _draw('{% include "includes/messages.html" %}', user, place, said)]
    # The messages' template ends with its file's newline, drawn whether or not there are messages.
    assert [drawn[0], drawn[1].rstrip("\n")] == [reference[0], reference[1].rstrip("\n")]
    assert ("Sign out" in drawn[0]) == user.is_authenticated
    assert ("Switch place" in drawn[0]) == (who == "member of two places")
    assert drawn[1].count("nhsuk-inset-text") == len(said)
