"""Reflow at 320 CSS pixels (WCAG 2.2, 1.4.10): every main page, opened by the role that uses it on the demo's
data, fits a 320 × 640 viewport without scrolling sideways. Data tables may scroll inside their own region (1.4.10
allows it); the page itself may not."""

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from members import places

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.every_place]

PASSWORD = "reflow-passphrase-1"

# What sticks out past the right edge, for the failure message: the widest elements first.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
                 && !e.closest('.portal-scroll-x, .nhsuk-skip-link, .nhsuk-u-visually-hidden'))
    .slice(0, 8)
    .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} `
              + `right=${Math.round(e.getBoundingClientRect().right)}`)"""


def _demo_pages():
    """{page: (who signs in, or None; address)} on the demo's Northbrook."""
    from decisions.models import DecisionItem, Round
    from gpleadership import demo
    from members.models import Membership
    from priorities.models import AgreedPriority, Exercise
    from representation.models import Forum, Meeting

    people = demo.load(password_hash=make_password(PASSWORD))
    chair, member, manager = people.chair, people.clinical_directors[0], people.practice_managers[0]
    with places.using(people.place):
        item = DecisionItem.objects.exclude(status=DecisionItem.Status.DRAFT).order_by("-pk").first()
        counted = Exercise.objects.filter(status=Exercise.Status.PUBLISHED, method=Exercise.Method.RANKED).first()
        still_open = Exercise.objects.filter(status=Exercise.Status.OPEN).first()
        plan = AgreedPriority.objects.current().filter(plan_items__isnull=False).first()
        forum = Forum.objects.filter(place=people.place).first()
        meeting = Meeting.objects.filter(forum=forum).order_by("-held_on").first()
        practice = people.practices[0]
        open_round = Round.objects.filter(closed_at__isnull=True).select_related("item").order_by("pk").first()
        asked = open_round.seats.exclude(holder=None).select_related("holder").order_by("pk").first()
        voting_for = Membership.objects.voting_contacts().filter(user=manager).first().organisation
        return {
            "home": (chair, reverse("home")),
            "directory": (member, reverse("members:directory")),
            "organisation": (manager, reverse("members:organisation", args=[practice.pk])),
            "group": (chair, reverse("members:group")),
            "decision log": (chair, reverse("decisions:log")),
            "item": (chair, reverse("decisions:item", args=[item.pk])),
            "priorities": (chair, reverse("priorities:list")),
            "exercise": (manager, reverse("priorities:exercise", args=[still_open.pk])),
            "results": (chair, reverse("priorities:exercise", args=[counted.pk])),
            "plan": (chair, reverse("priorities:priority", args=[plan.pk])),
            "forums": (member, reverse("representation:forums")),
            "forum": (chair, reverse("representation:forum", args=[forum.pk])),
            "meeting": (chair, reverse("representation:meeting", args=[meeting.pk])),
            "actions": (chair, reverse("representation:actions")),
            "requests": (chair, reverse("representation:requests")),
            "agenda": (chair, reverse("representation:agenda")),
            "reviews": (chair, reverse("representation:reviews")),
            "dashboard": (chair, reverse("dashboard")),
            "digest preview": (chair, reverse("digest_preview")),
            "about": (None, reverse("about")),
            "account": (manager, reverse("me:account")),
            # The forms people fill in, and the pages around them.
            "raise an item": (chair, reverse("decisions:item_create")),
            "position": (asked.holder, reverse("decisions:respond",
                                               args=[open_round.item_id, open_round.number, asked.pk])),
            "published decisions": (manager, reverse("decisions:published")),
            "principles": (member, reverse("decisions:principles")),
            "new vote": (chair, reverse("priorities:exercise_create")),
            "ballot": (manager, reverse("priorities:vote", args=[still_open.pk, voting_for.pk])),
            "interests": (member, reverse("members:declarations")),
            "invitations": (chair, reverse("members:invitations")),
            "group manage": (chair, reverse("members:group_manage")),
            "my actions": (member, reverse("representation:my_actions")),
            "new action": (chair, reverse("representation:action_new")),
            "new forum": (chair, reverse("representation:forum_new")),
            "request form": (None, reverse("representation:request_new")),
            "sign in": (None, "/accounts/login/"),
        }


PAGES = [
    "home", "directory", "organisation", "group", "decision log", "item", "priorities", "exercise", "results", "plan",
    "forums", "forum", "meeting", "actions", "requests", "agenda", "reviews", "dashboard", "digest preview", "about",
    "account", "raise an item", "position", "published decisions", "principles", "new vote", "ballot", "interests",
    "invitations", "group manage", "my actions", "new action", "new forum", "request form", "sign in",
]


# page → (address, HTTP status, document width, what overflows). The demo takes long to load, so the first test
# loads it once and measures every page, one browser context per person; each test then asserts its own page.
_MEASURED: dict[str, tuple[str, int, int, list[str]]] = {}


def _measure_every_page(new_page) -> dict:
    measured, signed_in = {}, {}
    for name, (who, address) in _demo_pages().items():
        key = who.email if who else ""
        if key not in signed_in:
            page = signed_in[key] = new_page(viewport={"width": 320, "height": 640})
            if who is not None:
                page.goto("/accounts/login/")
                page.get_by_label("Email").fill(who.email)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
        page = signed_in[key]
        response = page.goto(address)
        width = page.evaluate("document.documentElement.scrollWidth")
        measured[name] = (address, response.status, width, page.evaluate(OVERFLOWING) if width > 320 else [])
    return measured


@pytest.mark.parametrize("name", PAGES)
def test_the_page_reflows_at_320_pixels_without_scrolling_sideways(new_page, name):
    if not _MEASURED:
        _MEASURED.update(_measure_every_page(new_page))
    address, status, width, overflowing = _MEASURED[name]
    assert status == 200, f"{name}: {address} answered {status}"
    assert width <= 320, f"{name} ({address}) is {width}px wide: {overflowing}"
