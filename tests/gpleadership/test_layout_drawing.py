"""The layout's header and messages are drawn in Python (gpleadership/templatetags/layout.py) for speed; their
templates stay as the reference. Both must give the same HTML for every kind of visitor and message."""

import functools
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.paginator import Paginator
from django.template import TemplateSyntaxError, engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from gpleadership.context_processors import MENU, menu_html, nav_of
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


PAGE = ('{% extends base %}{% block title %}A page{% endblock %}{% block head %}<meta name="x">{% endblock %}'
        '{% block breadcrumbs %}<nav>Back</nav>{% endblock %}{% block content %}<h1>Hello</h1>{% endblock %}'
        '{% block footer_links %}<li>More</li>{% endblock %}{% block scripts %}<script></script>{% endblock %}')


def _layout(reference: bool):
    """base.html itself, or its reference: the same template with Django's `{% static %}` for `{% asset %}`."""
    source = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    if reference:
        source = source.replace("{% asset ", "{% static ").replace("{% load layout %}", "{% load static layout %}")
    return engines["django"].from_string(source).template


@pytest.mark.parametrize("who", ["chair", "visitor in a place", "visitor"])
def test_the_layout_draws_static_addresses_as_the_static_tag_does(who, chair, testshire):
    user = chair if who == "chair" else AnonymousUser()
    place = None if who == "visitor" else testshire
    with places.using(place) if place else places.unscoped(script_prefix="/"):
        drawn = engines["django"].from_string(PAGE).render({"base": _layout(False)}, _request(user, place, ()))
        reference = engines["django"].from_string(PAGE).render({"base": _layout(True)}, _request(user, place, ()))
    mask = functools.partial(re.sub, r'name="csrfmiddlewaretoken" value="[^"]+"', "")
    assert mask(drawn) == mask(reference)
    assert drawn.count("{% asset") == 0 and drawn.count('/static/') == 5


def test_a_static_address_is_looked_up_afresh_when_the_storage_changes(settings):
    page = engines["django"].from_string("{% load layout %}{% asset 'portal.css' %} {% asset 'a b&c.css' %}")
    assert page.render({}) == "/static/portal.css /static/a%20b%26c.css"
    settings.STATIC_URL = "/assets/"
    assert page.render({}) == "/assets/portal.css /assets/a%20b%26c.css"


def test_asset_takes_one_quoted_path():
    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string("{% load layout %}{% asset portal.css %}")


@pytest.mark.parametrize("who", ["chair", "gatekeeper", "member", "observer", "practice_user", "outsider"])
def test_the_menu_lists_what_each_person_may_open_and_marks_the_current_page(who, request, testshire):
    user = request.getfixturevalue(who)
    with places.using(testshire):
        nav = nav_of(user)
        for path in [reverse("home"), reverse("decisions:log"), "/elsewhere/"]:
            # The reference: each item as format_html writes it, its address reversed afresh.
            item = ('<li class="nhsuk-header__navigation-item"><a class="nhsuk-header__navigation-link" '
                    'href="{}"{}>{}</a></li>')
            current = mark_safe(' aria-current="page"')
            reference = format_html_join("", item, ((reverse(name), current if reverse(name) == path else "", label)
                                                    for label, name, shown in MENU if shown(nav)))
            assert menu_html(nav, path) == reference
    assert ('aria-current' in menu_html(nav, "/elsewhere/")) is False


@pytest.mark.parametrize("number", [1, 2, 7])
@pytest.mark.parametrize("count", [0, 10, 25 * 7])
@pytest.mark.parametrize("query", ["", "show=all", "meeting=3&show=all", "q=<Tom & Jerry's>"])
def test_python_draws_the_pagination_as_its_template_does(number, count, query):
    page = Paginator(range(count), 25).get_page(number)
    context = {"page": page, "query": query}
    drawn = engines["django"].from_string("{% load layout %}{% portal_pagination page query %}").render(context)
    reference = engines["django"].from_string('{% include "includes/pagination.html" %}').render(context)
    assert drawn == reference
    assert ("Next" in drawn) == page.has_next()


@pytest.mark.parametrize("in_place", [True, False])
def test_address_writes_what_the_url_tag_writes(in_place, testshire):
    """`{% address %}` with no argument, an id, or more; written out or kept `as` a variable."""
    engine = engines["django"]
    tags = ["'decisions:log'", "'decisions:item' 41", "'decisions:item_end' 41 'park'", "'about'",
            "'representation:meeting_paper_add' pk"]

    def draw(tag: str) -> str:
        source = "{% load layout %}" + "".join(
            f"[{{% {tag} {args} %}}]{{% {tag} {args} as kept %}}({{{{ kept }}}})" for args in tags)
        return engine.from_string(source).render({"pk": 7})

    with places.using(testshire) if in_place else places.nowhere(script_prefix="/"):
        written, reference = draw("address"), draw("url")
    assert written == reference
    assert ("/testshire/decisions/41/" in written) == in_place
