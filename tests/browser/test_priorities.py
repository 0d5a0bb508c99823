"""The priorities journey end to end: the chair opens an exercise, two practices vote (one ranks, one changes its
vote), the chair closes and publishes, and an agreed priority gets a plan. Every page passes axe-core."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from members.models import GroupRole
from priorities.models import AgreedPriority, Ballot, Exercise, PlanItem

from ..factories import (
    CandidateFactory,
    ExerciseFactory,
    GroupRoleFactory,
    MembershipFactory,
    PCNFactory,
    PracticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():
    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    pcn = PCNFactory(name="Riverside PCN")
    for email, name in [("pm1@example.nhs.uk", "Riverside Surgery"), ("pm2@example.nhs.uk", "Quayside Practice")]:
        MembershipFactory(user=UserFactory(email=email), organisation=PracticeFactory(name=name, pcn=pcn),
                          is_voting_contact=True)
    return chair


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_chair_runs_an_exercise_practices_vote_and_a_priority_gets_a_plan(
    page, sign_in, axe_violations, fill_date, people
):
    sign_in("chair@example.nhs.uk")
    page.get_by_role("link", name="Priorities", exact=True).first.click()
    page.wait_for_url("**/priorities/")  # the next lines read the page itself, which does not wait by itself
    expect(page.get_by_role("heading", level=1)).to_have_text("Priorities")
    assert axe_violations() == []

    # The chair starts the exercise; a mistake in the dates is shown in the error summary.
    page.get_by_role("link", name="Start a priority-setting exercise").click()
    assert axe_violations() == []
    page.get_by_label("Title").fill("Priorities 2027")
    page.get_by_label("Purpose").fill("What the group asks the ICB for.")
    page.get_by_label("How many priorities to choose").fill("1")
    page.get_by_label("Ranked").check()
    now = timezone.now()
    page.get_by_label("Voting opens").fill(_local(now - timedelta(hours=1)))
    page.get_by_label("Voting closes").fill(_local(now - timedelta(hours=2)))
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Voting must close after it opens.")
    assert page.get_by_label("Title").input_value() == "Priorities 2027"
    assert axe_violations() == []
    page.get_by_label("Voting closes").fill(_local(now + timedelta(days=2)))
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Priorities 2027")
    for title in ["Same-day access", "Estates", "Workforce"]:
        page.get_by_label("Candidate priority").fill(title)
        page.get_by_role("button", name="Add the candidate").click()
    assert axe_violations() == []
    page.get_by_role("button", name="Open voting to practices").click()
    expect(page.locator("body")).to_contain_text("0 of 2 practices have voted")
    assert Exercise.objects.get().status == "open"
    assert axe_violations() == []
    _sign_out(page)

    # The first practice ranks two candidates, by keyboard-operable selects.
    sign_in("pm1@example.nhs.uk")
    page.get_by_role("link", name="Priorities", exact=True).first.click()
    page.wait_for_url("**/priorities/")  # the next lines read the page itself, which does not wait by itself
    assert "What's open for my practice" in page.content()
    assert axe_violations() == []
    page.get_by_role("link", name="Vote for Riverside Surgery on Priorities 2027").click()
    page.wait_for_url("**/vote/**")  # axe must check the ballot, not the page the click leaves
    assert axe_violations() == []
    page.get_by_label("Workforce").select_option(label="1st")
    page.get_by_label("Estates").select_option(label="1st")
    page.get_by_role("button", name="Cast the practice's ballot").click()
    expect(page.get_by_role("alert")).to_contain_text("You gave 1st to both")
    assert axe_violations() == []
    page.get_by_label("Estates").select_option(label="2nd")
    page.get_by_role("button", name="Cast the practice's ballot").click()
    expect(page.locator("body")).to_contain_text("1st: Workforce")
    expect(page.locator("body")).to_contain_text(Ballot.objects.get().receipt_code)
    assert axe_violations() == []
    _sign_out(page)

    # The second practice votes, then changes its mind.
    sign_in("pm2@example.nhs.uk")
    page.goto(f"/priorities/{Exercise.objects.get().pk}/")
    page.get_by_role("link", name="Vote for Quayside Practice").click()
    page.get_by_label("Same-day access").select_option(label="1st")
    page.get_by_role("button", name="Cast the practice's ballot").click()
    page.get_by_role("link", name="Change the ballot for Quayside Practice").click()
    expect(page.get_by_label("Same-day access")).to_have_value("1")
    page.get_by_label("Same-day access").select_option(label="Not ranked")
    page.get_by_label("Workforce").select_option(label="1st")
    page.get_by_role("button", name="Change the practice's ballot").click()
    expect(page.locator("body")).to_contain_text("1st: Workforce")
    assert Ballot.objects.count() == 2
    _sign_out(page)

    # The chair closes, checks and publishes; then confirms the agreed priority and starts its plan.
    sign_in("chair@example.nhs.uk")
    page.goto(f"/priorities/{Exercise.objects.get().pk}/")
    page.get_by_role("link", name="Close voting and count now, before the closing time").click()
    # What cannot be undone is confirmed on a page that says what it means (issue 14, point 3).
    expect(page.get_by_role("heading", level=1)).to_have_text("Close voting now?")
    expect(page.get_by_text("Turnout so far: 2 of")).to_be_visible()
    assert axe_violations() == []
    assert Exercise.objects.get().status == "open"
    page.get_by_role("button", name="Close voting and count").click()
    expect(page.locator("body")).to_contain_text("Stage by stage")
    assert axe_violations() == []
    page.get_by_role("link", name="Publish the result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish the result?")
    assert axe_violations() == []
    page.get_by_role("button", name="Publish the result").click()
    page.get_by_role("link", name="Confirm the agreed priorities").click()
    assert Exercise.objects.get().status == "published"
    expect(page.get_by_label("Workforce")).to_be_checked()
    assert axe_violations() == []
    page.get_by_role("button", name="Confirm the agreed priorities").click()
    page.get_by_role("link", name="Workforce").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workforce")
    assert axe_violations() == []
    page.get_by_role("link", name="Add an objective").click()
    page.get_by_label("Title").fill("Keep experienced GPs in Northbrook")
    page.get_by_label("Lead", exact=True).fill("Dr Lee, LMC")
    fill_date("Due date", date(2027, 3, 31))
    page.get_by_label("Funding").fill("ICB retention fund")
    page.get_by_role("button", name="Add to the plan").click()
    page.get_by_role("link", name="Update Keep experienced GPs in Northbrook").click()
    assert axe_violations() == []
    page.get_by_label("Amber – at risk").check()
    page.get_by_label("Progress note").fill("Two partners retiring in spring.")
    page.get_by_role("button", name="Save the update").click()
    expect(page.locator("body")).to_contain_text("Two partners retiring in spring.")
    assert axe_violations() == []
    assert AgreedPriority.objects.get().title == "Workforce"
    assert PlanItem.objects.get().rag_status == "amber"


def test_a_points_ballot_adds_up_the_points_as_they_are_typed(page, sign_in, axe_violations, people):
    exercise = ExerciseFactory(title="Priorities 2028", method="points", points_per_ballot=10, created_by=people)
    for title in ["Estates", "Workforce"]:
        CandidateFactory(exercise=exercise, title=title)
    sign_in("pm1@example.nhs.uk")
    page.goto(f"/priorities/{exercise.pk}/")
    page.get_by_role("link", name="Vote for Riverside Surgery").click()
    page.wait_for_load_state()  # the deferred script has attached its listeners
    page.get_by_label("Estates").fill("3")
    page.get_by_label("Workforce").fill("7")
    # static/js/points-total.js keeps the total up to date without sending the form.
    page.wait_for_function("document.getElementById('points-total').textContent === '10'", timeout=5000)
    assert axe_violations() == []
