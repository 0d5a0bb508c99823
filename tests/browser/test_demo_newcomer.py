"""Issue 14: the demo's printed sign-ins let a newcomer reach consensus, confirm and publish without reading code.
The test reads only what `manage.py load_demo` (`make run`) prints, and uses the portal as a person would."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.every_place]

PASSWORD = "demo-newcomer-pass-1"


def _printed(settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("load_demo", password=PASSWORD, stdout=out, stderr=StringIO())
    return out.getvalue()


def _chair_and_seats(output: str):
    chair = re.search(r"^  Chair\s+(\S+@\S+)$", output, re.M).group(1)
    block = output.split("Every seat on the Northbrook group")[1].split("\n\n")[0]
    holders = re.findall(r"^  (.+?) \(holder\)\s+(\S+@\S+)$", block, re.M)
    return chair, holders


def test_a_newcomer_takes_an_item_to_publication_with_the_printed_sign_ins(page, sign_in, axe_violations, fill_date,
                                                                            settings):
    chair, holders = _chair_and_seats(_printed(settings))
    assert len(holders) >= 3

    def sign_out():
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()

    # The chair raises an item and opens a consensus check.
    sign_in(chair, PASSWORD)
    page.get_by_role("link", name="Decisions").first.click()
    page.get_by_role("link", name="Raise an item").click()
    page.get_by_label("Title").fill("Newcomer's test item")
    page.get_by_label("The question for the group").fill("Should every practice publish its opening hours?")
    page.get_by_label("Proposed wording").fill("Every practice publishes its opening hours on its website.")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state()
    assert axe_violations() == []
    page.get_by_role("link", name="Open a consensus check").click()
    fill_date("Deadline for positions", timezone.localdate() + timezone.timedelta(days=7))
    page.get_by_role("button", name="Open the consensus check").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Round 1 is open")).to_be_visible()
    item_url = page.url
    sign_out()

    # Every seat's holder, from the printed list, supports.
    for seat, email in holders:
        sign_in(email, PASSWORD)
        page.goto(item_url)
        page.get_by_role("link", name=f"Record the position for {seat}").click()
        page.get_by_label("Support", exact=True).check()
        page.get_by_role("button", name="Record the position").click()
        page.wait_for_load_state()
        assert axe_violations() == []
        sign_out()

    # The chair confirms the decision and publishes it.
    sign_in(chair, PASSWORD)
    page.goto(item_url)
    expect(page.get_by_text("Every seat has responded and none blocks: consensus is reached.")).to_be_visible()
    page.get_by_role("link", name="Confirm the decision").click()
    page.get_by_label("Decision statement").fill("Every practice publishes its opening hours on its website.")
    page.get_by_role("button", name="Confirm the decision").click()
    page.wait_for_load_state()
    expect(page.get_by_text("published to every practice")).to_be_visible()
    assert axe_violations() == []
