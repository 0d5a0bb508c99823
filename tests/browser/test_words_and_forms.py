"""Issue 14, points 5 and 6 in the browser: the count explained in words before the rule text, radio buttons that
show the option chosen, and the NHS.UK date input. Every page passes axe-core."""

from datetime import date

import pytest
from playwright.sync_api import expect

from members.models import GroupRole
from priorities import services
from priorities.models import PlanItem

from ..factories import (
    AgreedPriorityFactory,
    CandidateFactory,
    ExerciseFactory,
    GroupRoleFactory,
    MembershipFactory,
    PracticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chair():
    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    return chair


def test_the_result_says_in_words_how_it_was_decided_before_the_count(page, sign_in, axe_violations, chair):
    exercise = ExerciseFactory(title="Priorities 2027", method="ranked", places=1, created_by=chair)
    estates, workforce, access = (CandidateFactory(exercise=exercise, title=t) for t in
                                  ("Estates", "Workforce", "Same-day access"))
    # Quota 4 of 6: Workforce has 3 first preferences; Same-day access is excluded and its vote passes to Workforce.
    ballots = [[workforce], [workforce, estates], [workforce], [estates, workforce], [estates], [access, workforce]]
    for n, ranking in enumerate(ballots):
        voter = UserFactory()
        practice = PracticeFactory(name=f"Practice {n}")
        MembershipFactory(user=voter, organisation=practice, is_voting_contact=True)
        services.ballot_cast(exercise=exercise, practice=practice, user=voter, choices=[c.pk for c in ranking])
    services.exercise_publish(exercise=services.exercise_close(exercise=exercise), published_by=chair)

    sign_in("chair@example.nhs.uk")
    page.goto(f"/priorities/{exercise.pk}/")
    page.wait_for_url(f"**/priorities/{exercise.pk}/")
    decided = page.get_by_text("6 practices’ votes decided it")
    agreed = page.get_by_text("Workforce reached the quota at stage 2, with votes passed on from Same-day access")
    expect(page.get_by_role("heading", name="How it was decided")).to_be_visible()
    expect(decided.is_visible() and agreed).to_be_visible()
    audit = page.get_by_role("heading", name="Audit of the count")
    stages = page.get_by_role("heading", name="Stage by stage")
    # Words first, the rule text and the stage table after.
    assert decided.bounding_box()["y"] < agreed.bounding_box()["y"] < audit.bounding_box()["y"]
    assert audit.bounding_box()["y"] < stages.bounding_box()["y"]
    assert axe_violations() == []


def _dot_shown(radio) -> bool:
    """Whether the NHS.UK radio's dot (its label's ::after) is drawn: what a sighted person sees as selected."""
    return radio.evaluate(
        "input => getComputedStyle(document.querySelector(`label[for='${input.id}']`), '::after').opacity === '1'"
    )


def test_the_chosen_method_and_weighting_stay_visibly_selected_after_a_failed_submit(
    page, sign_in, axe_violations, chair
):
    def radio(name):
        return page.get_by_role("radio", name=name)

    sign_in("chair@example.nhs.uk")
    page.goto("/priorities/new/")
    radio("Points – share a fixed number of points").check()
    radio("Weighted by registered list size").check()
    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    chosen = [radio("Points – share a fixed number of points"), radio("Weighted by registered list size")]
    others = [radio("Ranked – number the candidates in order (single transferable vote)"),
              radio("One practice, one vote")]
    assert all(r.is_checked() and _dot_shown(r) for r in chosen)
    assert not any(r.is_checked() or _dot_shown(r) for r in others)
    assert axe_violations() == []


def test_a_date_is_typed_as_day_month_and_year_and_a_mistake_is_shown_and_kept(
    page, sign_in, axe_violations, fill_date, chair
):
    priority = AgreedPriorityFactory(title="Workforce", candidate=CandidateFactory(title="Workforce"))
    sign_in("chair@example.nhs.uk")
    page.goto(f"/priorities/agreed/{priority.pk}/plan/new/")
    page.get_by_label("Title").fill("Keep experienced GPs")
    page.get_by_label("Lead", exact=True).fill("Dr Lee, LMC")
    due = page.get_by_role("group", name="Due date")
    due.get_by_label("Day").fill("31")
    due.get_by_label("Month").fill("2")
    due.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Due date must be a real date" in summary.inner_text()
    assert axe_violations() == []
    # What was typed stays in its boxes, and the summary's link takes the person to the first of them.
    assert [due.get_by_label(part).input_value() for part in ("Day", "Month", "Year")] == ["31", "2", "2027"]
    summary.get_by_role("link", name="Due date must be a real date").click()
    assert page.evaluate("document.activeElement.name") == "due_date_day"
    fill_date("Due date", date(2027, 2, 28))
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_url(f"**/priorities/agreed/{priority.pk}/")
    assert PlanItem.objects.get().due_date == date(2027, 2, 28)
    expect(page.get_by_text("28 Feb 2027")).to_be_visible()
