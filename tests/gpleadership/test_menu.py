"""The header's menu: each person sees the parts of the portal they may use, and the page they are on is marked."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EVERYONE = ["Home", "Directory", "The group"]
GROUP = ["Interests", "Decisions", "Priorities", "Representation", "Actions"]


def _menu(client, url):
    html = client.get(url).content.decode()
    menu = html.split('aria-label="Menu"')[1].split("</ul>")[0]
    link = r'class="nhsuk-header__navigation-link" href="[^"]+"(?: aria-current="page")?>([^<]+)</a>'
    labels = re.findall(link, menu)
    current = re.findall(r'aria-current="page">([^<]+)</a>', menu)
    return labels, current


@pytest.mark.parametrize("persona, expected", [
    ("chair", ["Home", "Dashboard", "Directory", "The group", "Interests", "Invitations", "Decisions", "Priorities",
               "Representation", "Actions", "Requests"]),
    ("gatekeeper", ["Home", "Dashboard", "Directory", "The group", "Interests", "Invitations", "Decisions",
                    "Priorities", "Representation", "Actions", "Requests"]),
    ("member", ["Home", "Directory", "The group", *GROUP]),
    ("observer", ["Home", "Directory", "The group", *GROUP]),
    ("practice_user", [*EVERYONE, "Decisions", "Priorities"]),
    ("outsider", EVERYONE),
])
def test_each_person_sees_the_parts_they_may_use(client_for, request, persona, expected):
    labels, current = _menu(client_for(request.getfixturevalue(persona)), reverse("home"))
    assert labels == expected
    assert current == ["Home"]


def test_the_page_being_read_is_marked_and_links_name_the_place(client_for, member, testshire):
    labels, current = _menu(client_for(member), reverse("decisions:log"))
    assert current == ["Decisions"]
    html = client_for(member).get(reverse("decisions:log")).content.decode()
    assert f'href="/{testshire.slug}/decisions/"' in html
