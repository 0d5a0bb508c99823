"""The representation pages' menu is drawn in Python (representation_nav.representation_subnav) for speed; its
template, templates/representation/includes/subnav.html, stays as the reference. Both must give the same HTML for
every reader."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from gpleadership.context_processors import nav_of
from members import places

pytestmark = pytest.mark.django_db


def _draw(template: str, user) -> str:
    return engines["django"].from_string(template).render({"nav": nav_of(user)}, RequestFactory().get("/"))


@pytest.mark.parametrize("who", ["chair", "gatekeeper", "member"])
def test_python_draws_the_menu_as_its_template_does(who, request, testshire):
    user = request.getfixturevalue(who)
    with places.using(testshire):
        drawn = _draw("{% load representation_nav %}{% representation_subnav %}", user)
        reference = _draw('{% include "representation/includes/subnav.html" %}', user)
    assert drawn == reference
    assert ("Requests queue" in drawn) == (who != "member")


@pytest.mark.parametrize("page", ["forums", "actions", "my_actions", "reviews", "agenda", "requests"])
def test_the_pages_draw_the_menu(page, client_for, gatekeeper, testshire):
    response = client_for(gatekeeper).get(reverse(f"representation:{page}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('aria-label="Representation"') == 1 and "Requests queue" in html
