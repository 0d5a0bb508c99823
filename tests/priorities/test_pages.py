"""Priorities pages: who may see and do what (the permission matrix), bad input, stored effects, secrecy, and
constant query counts on list pages."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from priorities import services
from priorities.models import AgreedPriority, Ballot, Candidate, Exercise, PlanItem

from ..factories import (
    AgreedPriorityFactory,
    CandidateFactory,
    ExerciseFactory,
    MembershipFactory,
    PlanItemFactory,
    PracticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EVERYONE = ["chair", "gatekeeper", "member", "observer", "practice_user"]
MANAGERS = ["chair", "gatekeeper"]
NOT_MANAGERS = ["member", "observer", "practice_user", "outsider"]


@pytest.fixture
def exercise(practice):
    exercise = ExerciseFactory(method="ranked", places=1)
    for n, name in enumerate(["Same-day access hub", "Estates", "Workforce"]):
        CandidateFactory(exercise=exercise, title=name, position=n)
    return exercise


@pytest.fixture
def agreed(exercise):
    item = PlanItemFactory(priority=AgreedPriorityFactory(candidate=exercise.candidates.first()))
    return item.priority


def _pages(exercise, agreed):
    item = agreed.plan_items.first()
    return {
        "list": reverse("priorities:list"),
        "exercise": reverse("priorities:exercise", args=[exercise.pk]),
        "priority": reverse("priorities:priority", args=[agreed.pk]),
        "create": reverse("priorities:exercise_create"),
        "plan_add": reverse("priorities:plan_item_add", args=[agreed.pk]),
        "plan_edit": reverse("priorities:plan_item_edit", args=[item.pk]),
    }


READ_PAGES = ["list", "exercise", "priority"]
MANAGER_PAGES = ["create", "plan_add", "plan_edit"]


@pytest.mark.parametrize("page", READ_PAGES + MANAGER_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, exercise, agreed, page):
    response = client.get(_pages(exercise, agreed)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize("persona", EVERYONE)
def test_participants_see_the_read_pages(client_for, request, exercise, agreed, page, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(_pages(exercise, agreed)[page]).status_code == 200


@pytest.mark.parametrize("page", READ_PAGES + MANAGER_PAGES)
def test_outsiders_see_nothing(client_for, outsider, exercise, agreed, page):
    # Pages about one exercise or priority are not found, as a missing one would be; the others are refused.
    expected = 403 if page in ("list", "create") else 404
    assert client_for(outsider).get(_pages(exercise, agreed)[page]).status_code == expected


@pytest.mark.parametrize("page", MANAGER_PAGES)
@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_reach_the_management_pages(client_for, request, exercise, agreed, page, persona):
    assert client_for(request.getfixturevalue(persona)).get(_pages(exercise, agreed)[page]).status_code == 200


@pytest.mark.parametrize("page", MANAGER_PAGES)
@pytest.mark.parametrize("persona", ["member", "observer", "practice_user"])
def test_others_are_refused_the_management_pages(client_for, request, exercise, agreed, page, persona):
    assert client_for(request.getfixturevalue(persona)).get(_pages(exercise, agreed)[page]).status_code == 403


@pytest.mark.parametrize("action", ["exercise_open", "exercise_close", "exercise_publish", "exercise_edit", "confirm"])
@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_only_managers_change_an_exercise(client_for, request, exercise, action, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(reverse(f"priorities:{action}", args=[exercise.pk]))
    assert response.status_code == (404 if persona == "outsider" else 403)
    exercise.refresh_from_db()
    assert exercise.status == "open"


def test_state_changes_need_post(client_for, chair, exercise):
    assert client_for(chair).get(reverse("priorities:exercise_open", args=[exercise.pk])).status_code == 405
    # Closing and publishing cannot be undone: GET shows what they mean and changes nothing.
    for action in ["exercise_close", "exercise_publish"]:
        client_for(chair).get(reverse(f"priorities:{action}", args=[exercise.pk]))
        exercise.refresh_from_db()
        assert exercise.status == "open"


def test_closing_early_shows_the_turnout_and_who_will_not_vote_then_one_button_closes(client_for, chair, exercise,
                                                                                    practice, practice_user):
    from ..factories import PracticeFactory

    for _ in range(19):
        PracticeFactory()
    services.ballot_cast(exercise=exercise, practice=practice, user=practice_user,
                         choices=[exercise.candidates.first().pk] if exercise.method != "points" else
                         {str(exercise.candidates.first().pk): exercise.points_per_ballot})
    url = reverse("priorities:exercise_close", args=[exercise.pk])
    page = client_for(chair).get(url).content.decode()
    assert "Close voting now?" in page
    assert "Turnout so far: 1 of 20 practices, 5%." in page
    assert "The 19 practices that have not voted will not be able to." in page
    assert page.count('<button class="nhsuk-button') == 1
    exercise.refresh_from_db()
    assert exercise.status == "open"
    assert client_for(chair).post(url).status_code == 302
    exercise.refresh_from_db()
    assert exercise.status == "closed"
    # Once closed there is nothing to confirm.
    response = client_for(chair).get(url)
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["member", "practice_user"])
def test_only_those_who_run_the_vote_see_the_close_page(client_for, request, persona, exercise):
    response = client_for(request.getfixturevalue(persona)).get(
        reverse("priorities:exercise_close", args=[exercise.pk]))
    assert response.status_code in (403, 404)


def test_publishing_a_result_decided_by_lot_says_so_first(client_for, chair, exercise):
    exercise.status = "closed"
    exercise.closed_at = timezone.now()
    exercise.result = {"winners": ["A", "B"], "tie_broken_by_lot": True, "seed": "1234", "method": "approval"}
    exercise.save(update_fields=["status", "closed_at", "result"])
    url = reverse("priorities:exercise_publish", args=[exercise.pk])
    page = client_for(chair).get(url).content.decode()
    assert "Publish the result?" in page and "A tie was broken by lot (seed 1234" in page
    assert "Chosen, in order: A, B." in page
    exercise.refresh_from_db()
    assert exercise.status == "closed"
    client_for(chair).post(url)
    exercise.refresh_from_db()
    assert exercise.status == "published"


def test_drafts_are_hidden_from_all_but_managers(client_for, chair, member, practice_user):
    draft = ExerciseFactory(status="draft")
    url = reverse("priorities:exercise", args=[draft.pk])
    assert client_for(chair).get(url).status_code == 200
    assert client_for(member).get(url).status_code == 404
    assert client_for(practice_user).get(url).status_code == 404
    assert draft.title not in client_for(member).get(reverse("priorities:list")).content.decode()


# --- creating and running an exercise ----------------------------------------------------------------------


def _exercise_post(**overrides):
    data = {
        "title": "Priorities 2027", "purpose": "What we push for.", "places": "2", "method": "approval",
        "points_per_ballot": "10", "weighting": "equal", "opens_at": "2027-01-04T09:00",
        "closes_at": "2027-01-18T17:00",
    }
    data.update(overrides)
    return data


def test_the_chair_creates_a_draft_exercise(client_for, chair):
    response = client_for(chair).post(reverse("priorities:exercise_create"), _exercise_post())
    exercise = Exercise.objects.get()
    assert response.status_code == 302 and response.url == reverse("priorities:exercise", args=[exercise.pk])
    assert (exercise.status, exercise.method, exercise.places, exercise.created_by) == ("draft", "approval", 2, chair)
    assert timezone.localtime(exercise.closes_at).hour == 17  # UK time as typed


def test_bad_exercise_input_shows_the_error_summary_and_keeps_what_was_typed(client_for, chair):
    response = client_for(chair).post(
        reverse("priorities:exercise_create"), _exercise_post(closes_at="2027-01-01T09:00", title="Keep me")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "Voting must close after it opens." in html
    assert 'value="Keep me"' in html
    assert not Exercise.objects.exists()


def _checked_radios(html: str) -> dict[str, str]:
    """{name: value} of every radio rendered checked, each asserted to be drawn as an NHS.UK radio."""
    checked = {}
    for item in re.findall(r'<div class="nhsuk-radios__item">(.*?)</div>', html, re.S):
        radio = re.search(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*>', item)
        assert radio and 'class="nhsuk-label nhsuk-radios__label"' in item
        if re.search(r"\schecked\b", radio.group(0)):
            checked[radio.group(1)] = radio.group(2)
    return checked


def test_the_chosen_method_and_weighting_stay_selected_after_a_failed_submit_and_on_edit(client_for, chair):
    response = client_for(chair).post(
        reverse("priorities:exercise_create"), _exercise_post(title="", method="points", weighting="list_size")
    )
    assert response.status_code == 400
    assert _checked_radios(response.content.decode()) == {"method": "points", "weighting": "list_size"}
    draft = ExerciseFactory(status="draft", method="ranked", weighting="list_size")
    html = client_for(chair).get(reverse("priorities:exercise_edit", args=[draft.pk])).content.decode()
    assert _checked_radios(html) == {"method": "ranked", "weighting": "list_size"}


def test_the_chair_adds_candidates_to_a_draft_and_opens_it(client_for, chair):
    draft = ExerciseFactory(status="draft", places=1)
    client = client_for(chair)
    for title in ["Estates", "Workforce"]:
        response = client.post(reverse("priorities:candidate_add", args=[draft.pk]), {"title": title})
        assert response.status_code == 302
    response = client.post(reverse("priorities:candidate_add", args=[draft.pk]), {"title": "estates"})
    assert response.status_code == 400
    assert "There is already a candidate with this title." in response.content.decode()
    assert Candidate.objects.filter(exercise=draft).count() == 2
    client.post(reverse("priorities:exercise_open", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "open"


def test_the_chair_closes_publishes_and_confirms(client_for, chair, exercise, practice, practice_user):
    first = exercise.candidates.first()
    services.ballot_cast(exercise=exercise, practice=practice, user=practice_user, choices=[first.pk])
    client = client_for(chair)
    client.post(reverse("priorities:exercise_close", args=[exercise.pk]))
    client.post(reverse("priorities:exercise_publish", args=[exercise.pk]))
    exercise.refresh_from_db()
    assert exercise.status == "published" and exercise.published_by == chair
    response = client.get(reverse("priorities:confirm", args=[exercise.pk]))
    assert f'value="{first.pk}"' in response.content.decode()
    bad = client.post(reverse("priorities:confirm", args=[exercise.pk]), {})
    assert bad.status_code == 400 and "Choose at least one priority to agree." in bad.content.decode()
    client.post(reverse("priorities:confirm", args=[exercise.pk]), {"candidates": [first.pk]})
    assert list(AgreedPriority.objects.values_list("title", flat=True)) == [first.title]


# --- voting -----------------------------------------------------------------------------------------------


def _vote_url(exercise, practice):
    return reverse("priorities:vote", args=[exercise.pk, practice.pk])


def _ranks(exercise, **ranks):
    return {f"c{c.pk}": ranks.get(c.title.split()[0], "0") for c in exercise.candidates.all()}


def test_the_voting_contact_sees_the_ballot_form(client_for, exercise, practice, practice_user):
    html = client_for(practice_user).get(_vote_url(exercise, practice)).content.decode()
    assert "Number the priorities in order of preference" in html
    assert "<legend" in html and "1st" in html and "Not ranked" in html


def test_the_voting_contact_votes_and_sees_a_receipt(client_for, exercise, practice, practice_user):
    client = client_for(practice_user)
    response = client.post(_vote_url(exercise, practice), _ranks(exercise, Workforce="1", Estates="2"))
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    titles = dict(Candidate.objects.values_list("pk", "title"))
    assert [titles[c] for c in ballot.choices] == ["Workforce", "Estates"]
    page = client.get(response.url).content.decode()
    assert ballot.receipt_code in page
    assert "1st: Workforce" in page and "2nd: Estates" in page


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({"Workforce": "1", "Estates": "1"}, "You gave 1st to both"),
        ({"Workforce": "1", "Estates": "3"}, "You ranked 3rd but not 2nd"),
        ({}, "Rank at least one priority"),
        ({"Workforce": "9"}, "Select a valid choice"),
    ],
)
def test_bad_rankings_are_refused_with_a_clear_message(client_for, exercise, practice, practice_user, ranks, message):
    response = client_for(practice_user).post(_vote_url(exercise, practice), _ranks(exercise, **ranks))
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and message in html
    assert not Ballot.objects.exists()
    if ranks.get("Estates") == "3":
        assert re.search(r'<option value="3" selected\s*>3rd', html)


def test_points_must_add_up_and_the_total_is_shown(client_for, practice, practice_user):
    exercise = ExerciseFactory(method="points", points_per_ballot=10, places=1)
    a, b = CandidateFactory(exercise=exercise), CandidateFactory(exercise=exercise)
    client = client_for(practice_user)
    response = client.post(_vote_url(exercise, practice), {f"c{a.pk}": "4", f"c{b.pk}": "3"})
    missing = client.post(_vote_url(exercise, practice), {f"c{a.pk}": "10", f"c{b.pk}": ""})
    assert missing.status_code == 400 and f"Enter the points for {b.title}, or 0." in missing.content.decode()
    html = response.content.decode()
    assert response.status_code == 400
    assert "You have given 7 of 10 points" in html
    assert 'aria-live="polite">7</output>' in html
    assert 'value="4"' in html
    assert client.post(_vote_url(exercise, practice), {f"c{a.pk}": "6", f"c{b.pk}": "4"}).status_code == 302
    assert Ballot.objects.get().choices == {str(a.pk): 6, str(b.pk): 4}


def test_approval_is_checkboxes_with_a_limit(client_for, practice, practice_user):
    exercise = ExerciseFactory(method="approval", places=1)
    a, b = CandidateFactory(exercise=exercise), CandidateFactory(exercise=exercise)
    client = client_for(practice_user)
    html = client.get(_vote_url(exercise, practice)).content.decode()
    assert 'type="checkbox"' in html and "Choose up to 1." in html
    response = client.post(_vote_url(exercise, practice), {"approved": [a.pk, b.pk]})
    assert response.status_code == 400 and "Tick no more than 1" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_vote_after_the_close_is_refused_and_changes_nothing(client_for, practice, practice_user):
    exercise = ExerciseFactory(closes_at=timezone.now() - timezone.timedelta(minutes=1),
                               opens_at=timezone.now() - timezone.timedelta(days=3))
    c = CandidateFactory(exercise=exercise)
    client = client_for(practice_user)
    assert "Voting has closed" in client.get(_vote_url(exercise, practice)).content.decode()
    response = client.post(_vote_url(exercise, practice), {f"c{c.pk}": "1"})
    assert response.status_code == 400 and "Voting has closed" in response.content.decode()
    assert not Ballot.objects.exists()


def test_practice_staff_who_are_not_the_voting_contact_are_told_who_is(client_for, exercise, practice, practice_user):
    receptionist = UserFactory()
    MembershipFactory(user=receptionist, organisation=practice, role_title="Receptionist")
    response = client_for(receptionist).post(_vote_url(exercise, practice), _ranks(exercise, Workforce="1"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only a voting contact of Riverside Surgery can cast its ballot. Ask Priya Manager." in html
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("persona", ["practice_user", "member", "chair"])
def test_nobody_votes_for_a_practice_they_do_not_work_for(client_for, request, exercise, persona):
    other = PracticeFactory(name="Other Surgery")
    client = client_for(request.getfixturevalue(persona))
    response = client.post(_vote_url(exercise, other), _ranks(exercise, Workforce="1"))
    assert response.status_code == 403
    assert "You can only vote for a practice you work for." in response.content.decode()
    assert not Ballot.objects.exists()


def test_outsiders_and_anonymous_cannot_reach_the_ballot(client, client_for, outsider, exercise, practice):
    assert client_for(outsider).get(_vote_url(exercise, practice)).status_code == 404
    assert client.get(_vote_url(exercise, practice)).status_code == 302


# --- secrecy ----------------------------------------------------------------------------------------------


def test_before_the_close_the_group_sees_turnout_and_practices_see_only_their_own(
    client_for, exercise, practice, practice_user, member
):
    services.ballot_cast(exercise=exercise, practice=practice, user=practice_user,
                         choices=[exercise.candidates.first().pk])
    PracticeFactory(pcn=practice.pcn)
    member_html = client_for(member).get(reverse("priorities:exercise", args=[exercise.pk])).content.decode()
    assert "1 of 2 practices have voted (50%)" in member_html
    assert practice.pcn.name in member_html
    assert "Result" not in member_html and Ballot.objects.get().receipt_code not in member_html
    pm_html = client_for(practice_user).get(reverse("priorities:exercise", args=[exercise.pk])).content.decode()
    assert "Turnout" not in pm_html
    assert "Voted" in pm_html and Ballot.objects.get().receipt_code in pm_html


def test_the_result_shows_to_managers_at_the_close_and_to_everyone_once_published(
    client_for, exercise, practice, practice_user, member, chair
):
    services.ballot_cast(exercise=exercise, practice=practice, user=practice_user,
                         choices=[exercise.candidates.get(title="Estates").pk])
    services.exercise_close(exercise=exercise)
    url = reverse("priorities:exercise", args=[exercise.pk])
    assert "Stage by stage" in client_for(chair).get(url).content.decode()
    assert "Stage by stage" not in client_for(member).get(url).content.decode()
    services.exercise_publish(exercise=exercise, published_by=chair)
    for user in (member, practice_user):
        html = client_for(user).get(url).content.decode()
        assert "Stage by stage" in html and "Estates" in html and "1 of 1 practices" in html


@pytest.mark.parametrize("visible", [False, True])
def test_individual_ballots_show_only_when_set_up_as_visible(
    client_for, practice, practice_user, member, chair, visible
):
    exercise = ExerciseFactory(method="approval", places=1, ballots_visible_after_close=visible)
    c = CandidateFactory(exercise=exercise, title="Estates")
    CandidateFactory(exercise=exercise, title="Workforce")
    services.ballot_cast(exercise=exercise, practice=practice, user=practice_user, choices=[c.pk])
    url = reverse("priorities:exercise", args=[exercise.pk])
    assert "Each practice's ballot</h3>" not in client_for(member).get(url).content.decode()
    services.exercise_close(exercise=exercise)
    services.exercise_publish(exercise=exercise, published_by=chair)
    html = client_for(member).get(url).content.decode()
    assert ("Each practice's ballot</h3>" in html) is visible


# --- plans ------------------------------------------------------------------------------------------------


def test_the_chair_adds_and_updates_plan_items(client_for, chair, agreed):
    client = client_for(chair)
    objective = agreed.plan_items.get()
    url = reverse("priorities:plan_item_add", args=[agreed.pk]) + f"?parent={objective.pk}"
    bad = client.post(url, {"parent": objective.pk, "title": "Recruit ARRS roles", "lead": "", "rag_status": "green"})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    assert 'value="Recruit ARRS roles"' in bad.content.decode()
    response = client.post(url, {"parent": objective.pk, "title": "Recruit ARRS roles", "lead": "PCN CDs",
                                 "due_date": "2027-03-31", "funding_note": "ARRS", "rag_status": "green"})
    assert response.status_code == 302
    initiative = PlanItem.objects.get(kind="initiative")
    assert initiative.parent == objective
    client.post(reverse("priorities:plan_item_edit", args=[initiative.pk]),
                {"title": initiative.title, "lead": "PCN CDs", "rag_status": "red", "note": "Two posts unfilled."})
    html = client.get(reverse("priorities:priority", args=[agreed.pk])).content.decode()
    assert "Two posts unfilled." in html and "nhsuk-tag--red" in html


def test_a_plan_item_is_removed_by_archiving(client_for, chair, agreed):
    item = agreed.plan_items.get()
    response = client_for(chair).post(reverse("priorities:plan_item_remove", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_archived


# --- query counts -----------------------------------------------------------------------------------------


def _count(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _grow(practice, n):
    for _ in range(n):
        exercise = ExerciseFactory(method="approval", places=1)
        a = CandidateFactory(exercise=exercise)
        CandidateFactory(exercise=exercise)
        voter = UserFactory()
        other = PracticeFactory(pcn=practice.pcn)
        MembershipFactory(user=voter, organisation=other, is_voting_contact=True)
        services.ballot_cast(exercise=exercise, practice=other, user=voter, choices=[a.pk])
        item = PlanItemFactory(priority=AgreedPriorityFactory(candidate=a), rag_status="red")
        PlanItemFactory(priority=item.priority, parent=item, kind="initiative")


@pytest.mark.parametrize("persona", ["chair", "practice_user"])
def test_the_list_page_runs_constant_queries(client_for, request, practice, persona, django_assert_max_num_queries):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("priorities:list")
    _grow(practice, 1)
    small = _count(client, url, django_assert_max_num_queries)
    _grow(practice, 5)
    assert _count(client, url, django_assert_max_num_queries) == small


def test_the_exercise_and_priority_pages_run_constant_queries(
    client_for, chair, practice, practice_user, exercise, agreed, django_assert_max_num_queries
):
    client = client_for(chair)
    exercise_url = reverse("priorities:exercise", args=[exercise.pk])
    priority_url = reverse("priorities:priority", args=[agreed.pk])
    small = (_count(client, exercise_url, django_assert_max_num_queries),
             _count(client, priority_url, django_assert_max_num_queries))
    for _ in range(5):
        other = PracticeFactory(pcn=practice.pcn)
        voter = UserFactory()
        MembershipFactory(user=voter, organisation=other, is_voting_contact=True)
        services.ballot_cast(exercise=exercise, practice=other, user=voter, choices=[exercise.candidates.first().pk])
        parent = PlanItemFactory(priority=agreed)
        PlanItemFactory(priority=agreed, parent=parent, kind="initiative", rag_status="amber")
        services.plan_item_update(item=parent, updated_by=chair, rag_status="red", note="Slipping",
                                  title=parent.title, lead=parent.lead)
    large = (_count(client, exercise_url, django_assert_max_num_queries),
             _count(client, priority_url, django_assert_max_num_queries))
    assert small == large


def test_a_practice_s_other_people_are_told_who_casts_its_ballot_while_voting_is_open(
        client_for, practice, practice_user, exercise):
    colleague = UserFactory(full_name="Nina Nurse")
    MembershipFactory(user=colleague, organisation=practice, role_title="Practice Nurse", is_voting_contact=False)
    url = reverse("priorities:exercise", args=[exercise.pk])
    told = "Priya Manager casts the practice's ballot."
    assert told in client_for(colleague).get(url).content.decode()
    # The voting contact is offered the ballot instead; once voting has closed, nobody is told who casts it.
    assert told not in client_for(practice_user).get(url).content.decode()
    Exercise.objects.filter(pk=exercise.pk).update(closes_at=timezone.now() - timezone.timedelta(minutes=1),
                                                   opens_at=timezone.now() - timezone.timedelta(days=2))
    assert told not in client_for(colleague).get(url).content.decode()


def test_a_practice_without_a_voting_contact_says_so_while_voting_is_open(client_for, practice, exercise):
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=practice, is_voting_contact=False)
    html = client_for(colleague).get(reverse("priorities:exercise", args=[exercise.pk])).content.decode()
    assert "The practice has no voting contact yet" in html
