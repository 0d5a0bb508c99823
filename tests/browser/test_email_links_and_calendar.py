"""A practice manager follows "acknowledge for <practice>" from the digest, signs in, and acknowledges with one
button; a person makes their calendar link on their account page and resets it. axe-clean, CSP-clean."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions import emails
from decisions.models import Acknowledgement
from members.models import CalendarFeed

from ..factories import DecisionItemFactory, MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_practice_acknowledges_from_the_email_link(page, live_server, axe_violations, testshire):
    practice = PracticeFactory(name="Riverside Surgery")
    manager = UserFactory(email="pm@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=manager, organisation=practice)
    item = DecisionItemFactory(title="Unfunded work", status="agreed", statement="Practices will not take it on.",
                               decided_on=timezone.localdate(), published_at=timezone.now())
    link = emails.acknowledge_link(item_id=item.pk, practice_id=practice.pk)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    # Not signed in: the sign-in page first, then back to the link.
    page.get_by_label("Email").fill("pm@example.nhs.uk")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acknowledge for Riverside Surgery")
    assert axe_violations() == []
    page.get_by_role("button", name="Acknowledge for Riverside Surgery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Surgery has seen this decision")
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_be_visible()
    # Focus moves to the message that says what happened (issue 14, point 6).
    assert page.evaluate("document.activeElement.textContent").strip().endswith("has seen this decision.")
    assert axe_violations() == []
    assert Acknowledgement.objects.filter(item=item, practice=practice, acknowledged_by=manager).exists()


def test_a_person_makes_and_resets_their_calendar_link(page, sign_in, axe_violations, testshire):
    user = UserFactory(email="pm@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=user, organisation=PracticeFactory(name="Riverside Surgery"))
    sign_in("pm@example.nhs.uk")
    page.get_by_role("link", name=re.compile(r"^Priya Manager\s*\(your account\)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    # Looking makes no link; the person asks for one.
    assert not CalendarFeed.objects.filter(user=user).exists()
    assert axe_violations() == []
    page.get_by_role("button", name="Create my calendar link").click()
    page.wait_for_url("**/account/#calendar")
    first = page.get_by_label("Your private calendar link").input_value()
    assert "/calendar/" in first and first.endswith(".ics")
    assert axe_violations() == []
    page.get_by_role("button", name="Reset link").click()
    second = page.get_by_label("Your private calendar link").input_value()
    assert second != first and "/calendar/" in second
    expect(page.get_by_role("status").filter(has_text="The old link no longer works")).to_be_visible()
    assert "The old link no longer works" in page.evaluate("document.activeElement.textContent")
    assert axe_violations() == []
    assert CalendarFeed.objects.filter(user=user).count() == 2


def test_a_person_chooses_to_hear_of_decisions_only_in_the_digest(page, sign_in, axe_violations, testshire):
    from members.models import NotificationPreference

    user = UserFactory(email="pm@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=user, organisation=PracticeFactory(name="Riverside Surgery"))
    sign_in("pm@example.nhs.uk")
    page.goto("/account/")
    decisions = page.get_by_role("group", name="A decision is published")
    assert decisions.get_by_label("Email me at once").is_checked()
    decisions.get_by_label("Only in the weekly digest").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status").filter(has_text="Your choices are saved.")).to_be_visible()
    decisions = page.get_by_role("group", name="A decision is published")
    assert decisions.get_by_label("Only in the weekly digest").is_checked()
    assert axe_violations() == []
    assert not NotificationPreference.objects.get(user=user, kind="decisions.published").immediate
