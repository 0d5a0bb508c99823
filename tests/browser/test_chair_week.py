"""The chair's week in the browser, by accessible names and axe-clean: the digest lists as consensus checks only
what still asks seats, the agenda brings consensus to sign off and drops what was settled, the dashboard sends a
reminder (once a day) and marks what is new, and the digest preview shows one named person's email and sends a
test of it to the chair."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions import services as decision_services
from members.models import GroupRole, OutboxEmail

from ..factories import (
    ActionFactory,
    DecisionItemFactory,
    GroupRoleFactory,
    LeadershipMeetingFactory,
    MembershipFactory,
    PracticeFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The item's text follows the button's words in a visually hidden span, so the name reads "Send a reminder: …".
REMIND_ROTA = re.compile(r"^Send a reminder\W+Enhanced access rota")


def _chair():
    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    return chair


def _rounds(chair):
    """Two seats; one item still asking both, one whose seats have all agreed (waiting for the chair), one agreed
    and published."""
    seats = []
    for title, email in [("Riverside PCN", "pcn@example.nhs.uk"), ("Testshire LMC", "lmc@example.nhs.uk")]:
        holder = UserFactory(email=email, full_name=f"{title} holder")
        GroupRoleFactory(user=holder, role=GroupRole.Role.MEMBER)
        seats.append(SeatFactory(title=title, holder=holder))
    deadline = timezone.now() + timedelta(days=7)

    def opened(title):
        item = DecisionItemFactory(raised_by=chair, title=title, status="discussion")
        return decision_services.round_open(item=item, by=chair, deadline=deadline)

    asking = opened("Enhanced access rota")
    heard, agreed = opened("Shared phlebotomy"), opened("Winter pressures letter")
    for the_round in (heard, agreed):
        for seat in seats:
            decision_services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")
    decision_services.item_confirm(item=agreed.item, by=chair, statement="We write to the ICB.", publish=True)
    return {"asking": asking, "heard": heard, "agreed": agreed, "seats": seats}


def test_the_digest_lists_as_consensus_checks_only_what_still_asks_seats(page, sign_in, axe_violations, testshire):
    chair = _chair()
    _rounds(chair)
    sign_in("chair@example.nhs.uk")
    page.goto("/digest/")
    page.wait_for_url("**/digest/**")
    text = page.get_by_role("region", name="As plain text").inner_text()
    checks = text.split("IN A CONSENSUS CHECK")[1].split("\n\n")[0] if "IN A CONSENSUS CHECK" in text else ""
    assert "Enhanced access rota" in checks
    assert "Winter pressures letter" not in checks and "Shared phlebotomy" not in checks
    assert "CONSENSUS REACHED, WAITING FOR THE CHAIR TO CONFIRM" in text
    assert axe_violations() == []


def test_the_agenda_brings_consensus_to_sign_off_and_drops_what_was_settled(page, sign_in, axe_violations,
                                                                           testshire):
    from representation import services

    chair = _chair()
    _rounds(chair)
    withdrawn = DecisionItemFactory(raised_by=chair, title="Pharmacy lead", status="consensus_check")
    meeting = LeadershipMeetingFactory(meets_on=timezone.localdate() + timedelta(days=2))
    services.agenda_gather(meeting=meeting)  # this morning's gathering, before the item was withdrawn
    decision_services.item_withdraw(item=withdrawn, by=chair, reason="Overtaken by events")
    sign_in("chair@example.nhs.uk")
    page.goto("/representation/agenda/")
    page.wait_for_url("**/representation/agenda/")
    sign_off = page.get_by_role("region", name="For sign-off")
    expect(sign_off.get_by_role("link", name="Shared phlebotomy")).to_be_visible()
    main = page.get_by_role("main").inner_text()
    assert "Consensus check: Enhanced access rota" in main
    assert "Pharmacy lead" not in main and "Winter pressures letter" not in main
    assert axe_violations() == []


def test_the_chair_sends_a_reminder_once_a_day_and_sees_what_is_new(page, sign_in, axe_violations, testshire):
    chair = _chair()
    _rounds(chair)
    ActionFactory(title="Write to the trust", owner=UserFactory(full_name="Owen Owner"),
                  due_on=timezone.localdate() - timedelta(days=1))
    sign_in("chair@example.nhs.uk")
    page.goto("/dashboard/")
    page.wait_for_url("**/dashboard/")
    seats = page.get_by_role("region", name="Seats not yet heard in open rounds")
    expect(seats.get_by_text("1 new since last week")).to_be_visible()
    expect(seats.get_by_text("New", exact=True)).to_be_visible()
    actions = page.get_by_role("region", name="Overdue actions")
    expect(actions.get_by_role("button", name=re.compile(r"^Chase\W+Write to the trust"))).to_be_visible()
    expect(actions.get_by_role("link", name=re.compile(r"^Open\W+Write to the trust"))).to_be_visible()
    assert axe_violations() == []

    seats.get_by_role("button", name=REMIND_ROTA).click()
    page.wait_for_url("**/dashboard/#remind-round-*")
    expect(page.get_by_text("Reminder sent: 2 emails queued.")).to_be_visible()
    assert OutboxEmail.objects.filter(kind="decisions.round_reminder").count() == 2
    with page.expect_navigation():
        page.get_by_role("region", name="Seats not yet heard in open rounds").get_by_role(
            "button", name=REMIND_ROTA).click()
    expect(page.get_by_text("A reminder already went today, so it is not sent twice.")).to_be_visible()
    assert OutboxEmail.objects.filter(kind="decisions.round_reminder").count() == 2
    assert axe_violations() == []


def test_the_chair_previews_one_persons_digest_and_sends_a_test(page, sign_in, axe_violations, testshire):
    chair = _chair()
    _rounds(chair)
    practice = PracticeFactory(name="Riverside Surgery")
    manager = UserFactory(email="pm@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=manager, organisation=practice, is_voting_contact=True)
    sign_in("chair@example.nhs.uk")
    page.goto("/digest/")
    page.wait_for_url("**/digest/**")
    page.get_by_label("Recipient").select_option(label="Priya Manager (pm@example.nhs.uk)")
    page.get_by_role("button", name="Show their email").click()
    page.wait_for_url(f"**/digest/?recipient={manager.pk}")
    expect(page.get_by_role("heading", name="The email to Priya Manager")).to_be_visible()
    assert "Weekly digest, week of" in page.get_by_role("term").filter(has_text="Subject").locator(
        "xpath=following-sibling::dd").inner_text()
    text = page.get_by_role("region", name="As plain text").inner_text()
    assert "Dear Priya," in text and "Acknowledge for Riverside Surgery" in text
    frame = page.frame_locator('iframe[title="The HTML email to Priya Manager"]')
    expect(frame.get_by_role("link", name="Acknowledge for Riverside Surgery")).to_be_visible()
    assert axe_violations() == []

    page.get_by_role("button", name="Send a test to me").click()
    page.wait_for_url(f"**/digest/?recipient={manager.pk}")
    assert page.get_by_text("A test of Priya Manager's digest is on its way to you at chair@example.nhs.uk.")\
        .is_visible()
    [test] = OutboxEmail.objects.filter(kind="gpleadership.digest_test")
    assert test.params["to"] == chair.pk and test.params["recipient"] == manager.pk
    assert axe_violations() == []
