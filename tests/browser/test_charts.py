"""The charts in a real browser: the chair's dashboard and the ICS leaders' page pass axe-core's WCAG 2.2 A/AA rules
and the Content-Security-Policy with every chart drawn, and printing keeps each chart and its table."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions.models import Acknowledgement
from members.models import ICS, GroupRole, Place
from priorities.models import Ballot

from ..factories import (
    ActionFactory,
    CandidateFactory,
    DecisionItemFactory,
    ExerciseFactory,
    GroupRoleFactory,
    PCNFactory,
    PracticeFactory,
    RequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
CHARTS = ["chart-acknowledgement", "chart-turnout", "chart-actions", "chart-requests"]


@pytest.fixture
def charted(testshire):
    """A chair of Testshire, in an ICS, with something for each of the four charts to draw."""
    chair = UserFactory(email="clare@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    Place.objects.filter(pk=testshire.pk).update(ics=ICS.objects.create(name="Test Shires ICS", slug="test-shires",
                                                                         ods_code="QTS"))
    north = PCNFactory(name="North Quarter PCN")
    practices = [PracticeFactory(name=f"Surgery {n}", pcn=north if n < 3 else None) for n in range(4)]
    item = DecisionItemFactory(status="agreed", statement="Agreed.", published_at=timezone.now() - timedelta(days=9))
    for practice in practices[:2]:
        Acknowledgement.objects.create(item=item, practice=practice, acknowledged_by=chair)
    exercise = ExerciseFactory(title="Winter priorities")
    candidate = CandidateFactory(exercise=exercise)
    Ballot.objects.create(exercise=exercise, practice=practices[0], cast_by=chair, choices=[candidate.pk],
                          receipt_code="R-1")
    ActionFactory(created_at=timezone.now() - timedelta(days=20), due_on=timezone.localdate() - timedelta(days=3))
    ActionFactory(created_at=timezone.now() - timedelta(days=10), due_on=timezone.localdate() + timedelta(days=3))
    RequestFactory(received_at=timezone.now() - timedelta(days=15))
    RequestFactory()
    return chair


def _charts_print(page):
    """Every chart and its table is shown on screen and in print, each on one page."""
    for media in ("screen", "print"):
        page.emulate_media(media=media)
        for slug in CHARTS:
            chart = page.locator(f"#{slug}")
            assert chart.locator("svg").is_visible(), (media, slug)
            assert chart.locator("table").is_visible(), (media, slug)
    assert page.locator("#chart-actions").evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    assert page.locator("#chart-actions svg text").first.evaluate("e => getComputedStyle(e).fill") == "rgb(0, 0, 0)"
    assert page.locator(".nhsuk-header").is_hidden()
    page.emulate_media(media="screen")


def test_the_dashboards_charts_pass_axe_and_print(page, sign_in, axe_violations, charted):
    sign_in("clare@example.nhs.uk")
    page.goto("/testshire/dashboard/")
    expect(page.get_by_role("heading", name="The last 12 weeks in charts")).to_be_visible()
    expect(page.get_by_role("img", name="Acknowledgement of decisions by PCN")).to_be_visible()
    expect(page.get_by_role("table", name="Practices that voted of each PCN's open practices")).to_be_visible()
    assert axe_violations() == []
    _charts_print(page)


def test_the_ics_pages_charts_pass_axe_and_print(page, sign_in, axe_violations, charted):
    sign_in("clare@example.nhs.uk")
    page.goto("/ics/test-shires/")
    expect(page.get_by_role("heading", name="The places in charts")).to_be_visible()
    expect(page.get_by_role("img", name="Requests triaged within target, by place")).to_be_visible()
    assert axe_violations() == []
    _charts_print(page)
