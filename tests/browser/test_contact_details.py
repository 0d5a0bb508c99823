"""A practice manager adds a phone number and chooses to share it and her email address with the group; the
directory then shows both beside her name as links, and still fits a 320px screen. axe-clean, CSP-clean."""

import re

import pytest
from playwright.sync_api import expect

from members.models import User

from ..factories import MembershipFactory, PracticeFactory, UserFactory
from .test_reflow import OVERFLOWING

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_chooses_to_share_their_details_and_the_directory_shows_them(
    page, sign_in, axe_violations, testshire
):
    user = UserFactory(email="priya.manager.of.riverside.surgery@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=user, organisation=PracticeFactory(name="Riverside Surgery"), is_voting_contact=True)
    sign_in(user.email)
    page.goto("/account/")
    contact = page.locator("form").filter(has=page.get_by_role("button", name="Save my contact details"))
    share = contact.get_by_role("group", name="What the people of your groups may see beside your name")
    assert not share.get_by_label("My email address").is_checked()
    assert not share.get_by_label("My phone number").is_checked()
    assert axe_violations() == []

    # Sharing a number she has not given is refused, naming the field.
    share.get_by_label("My phone number").check()
    contact.get_by_role("button", name="Save my contact details").click()
    summary = page.get_by_role("alert")
    assert "Phone number: Enter your phone number to share it" in summary.inner_text()
    assert axe_violations() == []

    contact = page.locator("form").filter(has=page.get_by_role("button", name="Save my contact details"))
    contact.get_by_role("textbox", name="Phone number (optional)").fill("0151 555 0123")
    contact.get_by_label("My email address").check()
    contact.get_by_role("button", name="Save my contact details").click()
    page.wait_for_url("**/account/#contact")
    expect(page.get_by_role("status").filter(has_text="Your contact details are saved.")).to_be_visible()
    assert page.get_by_label("My phone number").is_checked() and page.get_by_label("My email address").is_checked()
    assert axe_violations() == []
    user.refresh_from_db()
    assert (user.phone, user.shares_email, user.shares_phone) == ("0151 555 0123", True, True)

    page.goto("/directory/")
    email = page.get_by_role("link", name=user.email)
    assert email.get_attribute("href") == f"mailto:{user.email}"
    assert page.get_by_role("link", name="0151 555 0123").get_attribute("href") == "tel:01515550123"
    assert axe_violations() == []
    # A phone opens the directory at 320px: load it at that width rather than shrink a page laid out for a desktop
    # (the header's menu settles on resize after a moment, and a busy CI machine measured before it had).
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    expect(page.get_by_role("link", name=user.email)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the directory is {width}px wide: {page.evaluate(OVERFLOWING)}"

    # She stops sharing her number: the directory no longer shows it.
    page.goto("/account/")
    page.get_by_label("My phone number").uncheck()
    page.get_by_role("button", name="Save my contact details").click()
    page.wait_for_url("**/account/#contact")
    page.goto("/directory/")
    assert page.get_by_role("link", name=re.compile("0151")).count() == 0
    assert "0151 555 0123" not in page.content()
    assert not User.objects.get(pk=user.pk).shares_phone
