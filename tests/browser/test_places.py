"""A person of two places chooses one, switches, and reads the ICS leaders' page; a partner routes a request to two
places. Every page passes axe-core's WCAG 2.2 A/AA rules and the Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from members import places
from members.models import ICS, GroupRole, Place

from ..factories import GroupRoleFactory, PlaceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_places(testshire):
    ics = ICS.objects.create(name="Test Shires ICS", slug="test-shires", ods_code="QTS")
    Place.objects.filter(pk=testshire.pk).update(ics=ics)
    otherton = PlaceFactory(slug="otherton", name="Otherton", ics=ics)
    leader = UserFactory(email="lena@example.nhs.uk", full_name="Lena Leader")
    GroupRoleFactory(user=leader, role=GroupRole.Role.CHAIR)
    with places.using(otherton):
        GroupRoleFactory(user=leader, role=GroupRole.Role.MEMBER)
    return ics, otherton


def test_a_person_of_two_places_chooses_switches_and_reads_the_ics_page(page, sign_in, axe_violations, two_places):
    sign_in("lena@example.nhs.uk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which place are you working in?")
    assert axe_violations() == []
    page.get_by_role("link", name="Otherton").click()
    expect(page).to_have_url(re.compile(r"/otherton/$"))
    expect(page.locator("header")).to_contain_text("Otherton")
    assert axe_violations() == []
    page.get_by_role("link", name="Switch place").click()
    page.get_by_role("link", name="Testshire").click()
    expect(page).to_have_url(re.compile(r"/testshire/$"))
    page.goto("/ics/test-shires/")
    assert "Test Shires ICS" in page.get_by_role("heading", level=1).inner_text()
    assert axe_violations() == []


def test_a_partner_routes_a_request_to_two_places(page, axe_violations, two_places):
    page.goto("/ics/test-shires/request/")
    assert axe_violations() == []
    page.get_by_role("button").last.click()  # sent empty: every question says what it needs
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert axe_violations() == []
