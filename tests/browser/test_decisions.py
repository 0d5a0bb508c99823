"""The consensus journey in a real browser, without shortcuts: the chair opens a consensus check, members respond,
one blocks, the lead revises, round 2 reaches consensus, the chair publishes, and a practice acknowledges.
Every page on the way passes axe-core's WCAG 2.2 A/AA rules."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions.models import Acknowledgement, DecisionItem, Position, Round
from members.models import GroupRole, Organisation

from ..factories import (
    DecisionItemFactory,
    GroupRoleFactory,
    MembershipFactory,
    OrganisationFactory,
    PracticeFactory,
    PrincipleFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journey():
    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    practice = PracticeFactory(name="Riverside Surgery")
    lead = UserFactory(email="cd@example.nhs.uk", full_name="Dr Cara Director")
    GroupRoleFactory(user=lead, role=GroupRole.Role.MEMBER)
    SeatFactory(title="Riverside PCN", organisation=practice.pcn, holder=lead)
    lmc_chair = UserFactory(email="lmc@example.nhs.uk", full_name="Dr Lara Lindqvist")
    GroupRoleFactory(user=lmc_chair, role=GroupRole.Role.MEMBER)
    lmc = OrganisationFactory(kind=Organisation.Kind.LMC, name="Testshire LMC", ods_code=None)
    SeatFactory(title="Testshire LMC", organisation=lmc, holder=lmc_chair)
    pm = UserFactory(email="pm@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=pm, organisation=practice, role_title="Practice Manager")
    PrincipleFactory(title="The independent contractor model")
    return DecisionItemFactory(
        raised_by=chair, lead=lead, title="Shared phlebotomy service",
        question="Should the PCNs run one phlebotomy service?",
        proposed_wording="The PCNs will run one phlebotomy service from April.",
    )


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _respond(page, sign_in, axe_violations, email, seat, stance, **reasons):
    sign_in(email)
    page.get_by_role("link", name="Decisions").first.click()
    page.get_by_role("link", name="Shared phlebotomy service", exact=True).click()
    page.get_by_role("link", name=f"Record the position for {seat}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Position for {seat}")
    assert axe_violations() == []
    page.get_by_label(stance, exact=True).check()
    # With JavaScript only the reason box under the chosen position shows (static/js/conditional-reasons.js).
    assert page.get_by_label("What is the concern at stake?").is_visible() == ("block_reason" in reasons)
    if "block_reason" in reasons:
        page.get_by_label("What is the concern at stake?").fill(reasons["block_reason"])
        page.get_by_label("Principle at stake").select_option(label=reasons["principle"])
        assert axe_violations() == []
    page.get_by_role("button", name="Record the position").click()
    page.wait_for_load_state()
    _sign_out(page)


def test_the_consensus_journey(page, sign_in, axe_violations, fill_date, journey):
    item = journey
    # The chair opens a consensus check.
    sign_in("chair@example.nhs.uk")
    page.get_by_role("link", name="Decisions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision log")
    assert axe_violations() == []
    page.get_by_role("link", name="Shared phlebotomy service", exact=True).click()
    assert axe_violations() == []
    page.get_by_role("link", name="Open a consensus check").click()
    assert axe_violations() == []
    page.get_by_role("button", name="Open the consensus check").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert axe_violations() == []
    deadline = timezone.localdate() + timezone.timedelta(days=7)
    fill_date("Deadline for positions", deadline)
    page.get_by_role("button", name="Open the consensus check").click()
    expect(page.get_by_text("Round 1 is open")).to_be_visible()
    assert axe_violations() == []
    _sign_out(page)

    # The lead's seat supports; the LMC blocks, naming the principle at stake.
    _respond(page, sign_in, axe_violations, "cd@example.nhs.uk", "Riverside PCN", "Support")
    sign_in("lmc@example.nhs.uk")
    page.goto(f"/decisions/{item.pk}/rounds/1/seats/{Round.objects.get().seats.get(title='Testshire LMC').pk}/")
    page.get_by_role("button", name="Record the position").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose your seat's position.")
    assert axe_violations() == []
    _sign_out(page)
    _respond(page, sign_in, axe_violations, "lmc@example.nhs.uk", "Testshire LMC", "Block",
             block_reason="Practices must be free to opt in.", principle="The independent contractor model")
    assert Round.objects.get(number=1).outcome == "blocked"

    # The lead revises the wording; the page shows what changed.
    sign_in("cd@example.nhs.uk")
    page.goto(f"/decisions/{item.pk}/")
    expect(page.get_by_text("Blocked").first).to_be_visible()
    page.get_by_role("link", name="Revise the wording").click()
    assert axe_violations() == []
    page.get_by_label("Proposed wording").fill("Practices may opt in to one phlebotomy service from April.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Changes since round 1")).to_be_visible()
    assert page.locator(".portal-diff ins").first.text_content().startswith("[added: Practices may opt in")
    assert axe_violations() == []
    _sign_out(page)

    # The chair opens round 2; both seats support; the chair confirms and publishes.
    sign_in("chair@example.nhs.uk")
    page.goto(f"/decisions/{item.pk}/")
    page.get_by_role("link", name="Open round 2").click()
    fill_date("Deadline for positions", deadline)
    page.get_by_role("button", name="Open the consensus check").click()
    _sign_out(page)
    _respond(page, sign_in, axe_violations, "cd@example.nhs.uk", "Riverside PCN", "Support")
    _respond(page, sign_in, axe_violations, "lmc@example.nhs.uk", "Testshire LMC", "Can live with it")
    assert Position.objects.filter(round__number=2).count() == 2

    sign_in("chair@example.nhs.uk")
    page.goto(f"/decisions/{item.pk}/")
    expect(page.get_by_text("Every seat has responded and none blocks: consensus is reached.")).to_be_visible()
    expect(page.get_by_role("heading", name="What changed from round 1")).to_be_visible()
    assert axe_violations() == []
    page.get_by_role("link", name="Confirm the decision").click()
    assert axe_violations() == []
    page.get_by_label("Decision statement").fill("Practices may opt in to one phlebotomy service from April.")
    page.get_by_label("The independent contractor model").check()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_text("published to every practice")).to_be_visible()
    assert axe_violations() == []
    _sign_out(page)
    assert DecisionItem.objects.published().get() == item

    # A practice sees it and acknowledges it.
    sign_in("pm@example.nhs.uk")
    page.get_by_role("link", name="Decisions").first.click()
    assert axe_violations() == []
    page.get_by_role("link", name="Published decisions").first.click()
    expect(page.get_by_text("Not yet acknowledged", exact=True)).to_be_visible()
    assert axe_violations() == []
    # What the practice has still to acknowledge, on its own.
    page.get_by_role("link", name="Show only those your practice has not yet acknowledged").click()
    expect(page.get_by_text("1 decision your practice has not yet acknowledged")).to_be_visible()
    assert axe_violations() == []
    page.get_by_role("link", name="Shared phlebotomy service", exact=True).click()
    expect(page.get_by_text("0 of 1 practices")).to_be_visible()
    assert axe_violations() == []
    page.get_by_role("button", name="Our practice has seen this").click()
    expect(page.get_by_text("Riverside Surgery has acknowledged this decision")).to_be_visible()
    expect(page.get_by_text("1 of 1 practices (100%)")).to_be_visible()
    assert axe_violations() == []
    assert Acknowledgement.objects.get().practice.name == "Riverside Surgery"


def test_the_stance_reason_works_without_javascript(new_page, journey):
    from decisions import services

    chair = journey.raised_by
    the_round = services.round_open(item=journey, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
    seat = the_round.seats.get(title="Testshire LMC")
    page = new_page(java_script_enabled=False)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("lmc@example.nhs.uk")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/decisions/{journey.pk}/rounds/1/seats/{seat.pk}/")
    expect(page.get_by_label("Why does your seat stand aside?")).to_be_visible()
    page.get_by_label("Stand aside", exact=True).check()
    page.get_by_label("Why does your seat stand aside?").fill("The LMC may negotiate its terms.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the position").click()
    position = Position.objects.get()
    assert (position.stance, position.reason) == ("stand_aside", "The LMC may negotiate its terms.")
