"""Telling people when things happen, through the outbox and a real SMTP server on loopback: each kind, each choice."""

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from members import notifications
from members.models import GroupRole, NotificationPreference
from priorities import services as priority_services
from representation import services as representation_services

from ..factories import (
    CandidateFactory,
    DecisionItemFactory,
    ExerciseFactory,
    GroupRoleFactory,
    MembershipFactory,
    PracticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def told(smtp_inbox, subject_start: str) -> set[str]:
    return {to for message in smtp_inbox.messages if message["subject"].startswith(f"[GP Leadership] {subject_start}")
            for to in message["to"]}


def test_a_published_decision_reaches_the_practices_and_the_group_as_each_chose(
    chair, member, practice_user, outsider, smtp_inbox, deliver
):
    in_digest = UserFactory(email="digest.only@example.nhs.uk")
    MembershipFactory(user=in_digest, organisation=PracticeFactory())
    notifications.choose(user=in_digest, kind="decisions.published", immediate=False)
    item = DecisionItemFactory(title="Unfunded work", status="agreed", statement="Practices will not take it on.",
                               decided_on=timezone.localdate())
    decision_services.item_publish(item=item, by=chair)
    decision_services.item_publish(item=item, by=chair, is_public=True)  # published once: told once
    deliver()
    assert told(smtp_inbox, "Decision published: Unfunded work") == {
        chair.email, member.email, practice_user.email}
    [message] = [m for m in smtp_inbox.messages if practice_user.email in m["to"]]
    assert "Practices will not take it on." in message["body"]
    assert f"/testshire/decisions/{item.pk}/" in message["body"]


def test_a_vote_opening_reaches_each_practice_s_voting_contact_only(chair, practice_user, practice, smtp_inbox,
                                                                   deliver):
    receptionist = UserFactory(email="reception@example.nhs.uk")
    MembershipFactory(user=receptionist, organisation=practice, role_title="Receptionist")
    other_contact = UserFactory(email="other.contact@example.nhs.uk")
    MembershipFactory(user=other_contact, organisation=PracticeFactory(), is_voting_contact=True)
    notifications.choose(user=other_contact, kind="priorities.vote_opened", immediate=False)
    exercise = ExerciseFactory(title="Priorities 2027", status="draft")
    for n in range(2):
        CandidateFactory(exercise=exercise, position=n)
    priority_services.exercise_open(exercise=exercise, opened_by=chair)
    deliver()
    assert told(smtp_inbox, "Vote open: Priorities 2027") == {practice_user.email}


def test_an_action_reaches_its_owner_and_support_person_but_not_who_gave_it(member, chair, smtp_inbox, deliver):
    helper = UserFactory(email="helper@example.nhs.uk")
    representation_services.action_create(created_by=chair, title="Send the frailty list", owner=member,
                                          support=helper, due_on=timezone.localdate())
    representation_services.action_create(created_by=member, title="My own note", owner=member,
                                          due_on=timezone.localdate())
    deliver()
    assert told(smtp_inbox, "Action for you: Send the frailty list") == {member.email, helper.email}
    assert told(smtp_inbox, "Action for you: My own note") == set()
    notifications.choose(user=helper, kind="representation.action_assigned", immediate=False)
    representation_services.action_create(created_by=chair, title="Book the room", owner=member, support=helper,
                                          due_on=timezone.localdate())
    deliver()
    assert told(smtp_inbox, "Action for you: Book the room") == {member.email}


def test_a_person_chooses_per_kind_on_their_account_page(client_for, practice_user):
    client = client_for(practice_user)
    page = client.get(reverse("me:account")).content.decode()
    for kind in notifications.KINDS.values():
        assert kind.label in page
    choices = {kind: "at_once" for kind in notifications.KINDS} | {"decisions.published": "digest"}
    response = client.post(reverse("me:notification_choices"), choices)
    assert response.status_code == 302
    assert not NotificationPreference.objects.get(user=practice_user, kind="decisions.published").immediate
    assert notifications.at_once([practice_user.pk], "decisions.published") == set()
    assert notifications.at_once([practice_user.pk], "priorities.vote_opened") == {practice_user.pk}
    page = client.get(reverse("me:account")).content.decode()
    assert 'value="digest" checked' in page
    # Changing back is kept in history.
    client.post(reverse("me:notification_choices"), choices | {"decisions.published": "at_once"})
    preference = NotificationPreference.objects.get(user=practice_user, kind="decisions.published")
    assert preference.immediate and preference.history.count() == 2


def test_a_choice_that_is_neither_is_refused_with_a_message(client_for, practice_user):
    response = client_for(practice_user).post(reverse("me:notification_choices"), {"decisions.published": "never"},
                                              follow=True)
    assert "Choose, for each kind of news, an email at once or only the weekly digest." in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_choosing_needs_a_signed_in_person_and_a_post(client, client_for, practice_user):
    assert client.post(reverse("me:notification_choices")).status_code == 302
    assert client_for(practice_user).get(reverse("me:notification_choices")).status_code == 405


def test_the_group_roles_used_are_live_ones(chair, smtp_inbox, deliver):
    former = UserFactory(email="former@example.nhs.uk")
    role = GroupRoleFactory(user=former, role=GroupRole.Role.MEMBER)
    role.ended_on = timezone.localdate() - timezone.timedelta(days=1)
    role.save(update_fields=["ended_on"])
    item = DecisionItemFactory(status="agreed", statement="Agreed.", decided_on=timezone.localdate())
    decision_services.item_publish(item=item, by=chair)
    deliver()
    assert former.email not in {to for m in smtp_inbox.messages for to in m["to"]}


def test_news_about_something_gone_by_the_time_it_is_sent_is_not_sent(member, chair, smtp_inbox, deliver):
    action = representation_services.action_create(created_by=chair, title="Soon dropped", owner=member,
                                                   due_on=timezone.localdate())
    representation_services.action_update(action=action, status="dropped", completion_note="No longer needed.")
    deliver()
    assert told(smtp_inbox, "Action for you: Soon dropped") == set()
