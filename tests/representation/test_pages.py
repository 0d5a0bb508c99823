"""Representation pages: who may see and do what (every page, every role, anonymous), bad input, stored effects,
and constant query counts on the list pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions.models import DecisionItem
from members.models import GroupRole, Organisation
from representation.models import (
    Action,
    Briefing,
    BriefingComment,
    Feedback,
    Forum,
    LeadershipAgendaItem,
    Meeting,
    Relationship,
    RepresentationLead,
    Representative,
    Request,
    Review,
)

from ..factories import (
    ActionFactory,
    AgendaItemFactory,
    AgreedPriorityFactory,
    BriefingFactory,
    DecisionItemFactory,
    FeedbackFactory,
    ForumFactory,
    GroupRoleFactory,
    LeadershipMeetingFactory,
    MeetingFactory,
    OrganisationFactory,
    PartnerFactory,
    RepresentativeFactory,
    RequestFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
GROUP = {"chair", "gatekeeper", "member", "observer", "rep", "lead"}
ACTING = GROUP - {"observer"}
MANAGERS = {"chair", "gatekeeper", "lead"}
WRITERS = {"rep", "lead"}
TRIAGERS = {"chair", "gatekeeper"}
PERSONAS = sorted(GROUP | {"practice_user", "outsider"})


@pytest.fixture
def world(forum, rep, lead, member):
    past = MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=2))
    past_item = AgendaItemFactory(meeting=past, title="Discharge letters")
    FeedbackFactory(agenda_item=past_item, needs_sign_off="Do we back the discharge standard?", written_by=rep)
    future = MeetingFactory(forum=forum, held_on=TODAY + timedelta(days=5))
    future_item = AgendaItemFactory(meeting=future, title="Winter plan")
    briefing = BriefingFactory(agenda_item=future_item, written_by=rep)
    action = ActionFactory(owner=member, title="Write to the trust")
    request = RequestFactory(summary="Vaccination plan")
    meeting = LeadershipMeetingFactory()
    agenda_item = LeadershipAgendaItem.objects.create(meeting=meeting, kind="other", title="AOB", position=1)
    second_item = LeadershipAgendaItem.objects.create(meeting=meeting, kind="other", title="Budget", position=2)
    return {
        "forum": forum, "past": past, "past_item": past_item, "future": future, "future_item": future_item,
        "briefing": briefing, "feedback": past_item.feedback, "action": action, "request": request,
        "representative": Representative.objects.get(user=rep), "agenda_item": agenda_item,
        "second_item": second_item, "leadership_meeting": meeting,
        "lead_record": RepresentationLead.objects.get(user=lead),
    }


def _who(request, persona):
    return request.getfixturevalue(persona)


PAGES = [
    ("representation:forums", None, GROUP),
    ("representation:forum_new", None, MANAGERS),
    ("representation:forum", "forum", GROUP),
    ("representation:representative_new", "forum", MANAGERS),
    ("representation:meeting_new", "forum", MANAGERS | WRITERS),
    ("representation:representative", "representative", ACTING),
    ("representation:relationships", None, GROUP),
    ("representation:meeting", "past", GROUP),
    ("representation:briefing", "future_item", WRITERS),
    ("representation:feedback", "past_item", WRITERS),
    ("representation:actions", None, GROUP),
    ("representation:my_actions", None, GROUP),
    ("representation:action_new", None, ACTING),
    ("representation:action", "action", GROUP),
    ("representation:reviews", None, ACTING),
    ("representation:requests", None, TRIAGERS),
    ("representation:request", "request", TRIAGERS),
    ("representation:agenda", None, GROUP),
]


def _url(world, name, key):
    return reverse(name, args=[world[key].pk]) if key else reverse(name)


@pytest.mark.parametrize(("name", "key", "allowed"), PAGES, ids=[p[0].split(":")[1] for p in PAGES])
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_permissions(request, client_for, world, practice_user, outsider, observer, chair, gatekeeper, persona,
                          name, key, allowed):
    response = client_for(_who(request, persona)).get(_url(world, name, key))
    assert response.status_code == (200 if persona in allowed else _refused(persona, key))


def _refused(persona, key):
    """A page about one thing a person may not see is not found, as a missing one would be (requests are seen only
    by those who triage them, everything else by the group); any other page they may not use is forbidden."""
    if key is not None and persona not in (TRIAGERS if key == "request" else GROUP):
        return 404
    return 403


@pytest.mark.parametrize(("name", "key", "allowed"), PAGES, ids=[p[0].split(":")[1] for p in PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name, key, allowed):
    response = client.get(_url(world, name, key))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


POST_ONLY = [
    ("representation:lead_end", "lead_record"), ("representation:representative_stand_down", "representative"),
    ("representation:agenda_item_add", "past"), ("representation:comment_add", "briefing"),
    ("representation:feedback_decision", "feedback"), ("representation:agenda_gather", None),
    ("representation:agenda_add", None), ("representation:agenda_move", "agenda_item"),
    ("representation:agenda_remove", "agenda_item"),
]


@pytest.mark.parametrize(("name", "key"), POST_ONLY)
def test_state_changes_are_post_only(client_for, chair, world, name, key):
    assert client_for(chair).get(_url(world, name, key)).status_code == 405


@pytest.mark.parametrize(("name", "key"), POST_ONLY)
def test_anonymous_posts_are_sent_to_sign_in(client, world, name, key):
    response = client.post(_url(world, name, key))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "key"), POST_ONLY)
@pytest.mark.parametrize("persona", ["practice_user", "outsider"])
def test_people_outside_the_group_find_nothing_of_its_to_change(request, client_for, world, persona, name, key):
    response = client_for(_who(request, persona)).post(_url(world, name, key))
    assert response.status_code == (403 if key is None else 404)


def test_a_request_a_member_may_not_see_looks_the_same_as_a_missing_one(client_for, member, gatekeeper, world):
    missing = reverse("representation:request", args=[world["request"].pk + 1000])
    seen_by_member = client_for(member).get(_url(world, "representation:request", "request"))
    assert seen_by_member.status_code == client_for(member).get(missing).status_code == 404
    assert client_for(gatekeeper).get(missing).status_code == 404


def test_a_representative_reads_their_own_reviews_but_an_observer_does_not(client_for, world, rep, observer):
    ReviewFactory(representative=world["representative"], working_well="Crisp feedback")
    url = reverse("representation:representative", args=[world["representative"].pk])
    assert "Crisp feedback" in client_for(rep).get(url).content.decode()
    assert client_for(observer).get(url).status_code == 403
    assert client_for(observer).get(reverse("representation:reviews")).status_code == 403


def test_a_representative_outside_the_acting_group_sees_only_their_own_reviews(client_for, world):
    outsider_rep = UserFactory()
    GroupRoleFactory(user=outsider_rep, role=GroupRole.Role.OBSERVER)
    mine = RepresentativeFactory(user=outsider_rep)
    ReviewFactory(representative=mine, working_well="Mine")
    ReviewFactory(representative=world["representative"], working_well="Someone else's")
    html = client_for(outsider_rep).get(reverse("representation:reviews")).content.decode()
    assert mine.forum.name in html and world["forum"].name not in html
    assert client_for(outsider_rep).get(
        reverse("representation:representative", args=[world["representative"].pk])
    ).status_code == 403


# Forums, representatives, leads, relationships ------------------------------------------------------------------


def test_a_manager_adds_a_forum(client_for, gatekeeper):
    host = PartnerFactory(name="Northbrook Hospitals")
    response = client_for(gatekeeper).post(reverse("representation:forum_new"), {
        "name": "Place partnership board", "host": host.pk, "cadence": "Monthly", "is_formal_seat": "on",
        "feedback_due_days": 5,
    })
    forum = Forum.objects.get(name="Place partnership board")
    assert response.status_code == 302 and response.url == reverse("representation:forum", args=[forum.pk])
    assert forum.feedback_due_days == 5 and forum.history.count() == 1


def test_a_bad_forum_is_refused_and_keeps_what_was_typed(client_for, chair, forum):
    response = client_for(chair).post(reverse("representation:forum_new"), {
        "name": "Primary care committee", "cadence": "Quarterly", "feedback_due_days": 0,
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Primary care committee" in html and "Quarterly" in html
    assert Forum.objects.count() == 1


def test_a_member_cannot_add_a_forum(client_for, member):
    response = client_for(member).post(reverse("representation:forum_new"), {"name": "X"})
    assert response.status_code == 403 and not Forum.objects.filter(name="X").exists()


def test_a_manager_appoints_a_deputy(client_for, lead, forum, member):
    response = client_for(lead).post(reverse("representation:representative_new", args=[forum.pk]), {
        "user": member.pk, "role": "deputy", "term_starts_on": TODAY.isoformat(),
        "term_ends_on": (TODAY + timedelta(days=365)).isoformat(),
    })
    assert response.status_code == 302
    assert Representative.objects.current().get(forum=forum, role="deputy").user == member


def test_an_appointment_with_a_backwards_term_is_refused(client_for, lead, forum, member):
    response = client_for(lead).post(reverse("representation:representative_new", args=[forum.pk]), {
        "user": member.pk, "role": "deputy", "term_starts_on": "2026-06-01", "term_ends_on": "2026-01-01",
    })
    assert response.status_code == 400
    assert "The term must end after it starts." in response.content.decode()
    assert not Representative.objects.filter(role="deputy").exists()


def test_a_manager_stands_a_representative_down(client_for, chair, member, world):
    url = reverse("representation:representative_stand_down", args=[world["representative"].pk])
    assert client_for(member).post(url).status_code == 403
    assert client_for(chair).post(url).status_code == 302
    world["representative"].refresh_from_db()
    assert world["representative"].stood_down_on == TODAY


def test_the_chair_names_and_ends_representation_leads(client_for, chair, member, lead):
    url = reverse("representation:forums")
    assert client_for(member).post(url, {"user": member.pk}).status_code == 403
    assert client_for(chair).post(url, {"user": member.pk}).status_code == 302
    assert RepresentationLead.objects.filter(user=member, ended_on__isnull=True).exists()
    # A third lead is refused with the error summary.
    other = UserFactory()
    GroupRoleFactory(user=other, role=GroupRole.Role.MEMBER)
    response = client_for(chair).post(url, {"user": other.pk})
    assert response.status_code == 400 and "two representation leads" in response.content.decode()
    first = RepresentationLead.objects.get(user=lead)
    assert client_for(member).post(reverse("representation:lead_end", args=[first.pk])).status_code == 403
    assert client_for(chair).post(reverse("representation:lead_end", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.ended_on == TODAY


def test_ending_a_lead_who_has_already_ended_says_so(client_for, chair, lead):
    record = RepresentationLead.objects.get(user=lead)
    url = reverse("representation:lead_end", args=[record.pk])
    client_for(chair).post(url)
    response = client_for(chair).post(url, follow=True)
    assert "That person is no longer a representation lead." in response.content.decode()
    record.refresh_from_db()
    assert record.ended_on == TODAY and record.history.count() == 2


def test_relationships_register(client_for, gatekeeper, member, observer):
    trust = PartnerFactory()
    data = {"organisation": trust.pk, "contact_name": "Dr Ada Chief", "contact_role": "Chief executive",
            "held_by": member.pk}
    url = reverse("representation:relationships")
    assert client_for(observer).post(url, data).status_code == 403
    assert client_for(gatekeeper).post(url, data).status_code == 302
    assert Relationship.objects.get().held_by == member
    assert "Dr Ada Chief" in client_for(observer).get(url).content.decode()
    bad = client_for(gatekeeper).post(url, {**data, "held_by": "", "contact_name": "Bob Finance"})
    assert bad.status_code == 400 and "Bob Finance" in bad.content.decode()
    assert Relationship.objects.count() == 1


# Meetings, briefings, comments, feedback --------------------------------------------------------------------------


def test_a_representative_adds_a_meeting_with_its_agenda(client_for, rep, forum):
    response = client_for(rep).post(reverse("representation:meeting_new", args=[forum.pk]), {
        "held_on": "2026-12-09", "agenda": "Winter plan\nDischarge letters\n",
    })
    meeting = Meeting.objects.get(held_on="2026-12-09")
    assert response.status_code == 302
    assert meeting.feedback_due_on.isoformat() == "2026-12-16"
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["Winter plan", "Discharge letters"]


def test_a_meeting_without_an_agenda_is_refused(client_for, rep, forum):
    response = client_for(rep).post(reverse("representation:meeting_new", args=[forum.pk]),
                                    {"held_on": "2026-12-09", "agenda": " "})
    assert response.status_code == 400 and not Meeting.objects.exists()


def test_a_member_who_does_not_represent_the_forum_cannot_add_a_meeting(client_for, member, forum):
    response = client_for(member).post(reverse("representation:meeting_new", args=[forum.pk]),
                                       {"held_on": "2026-12-09", "agenda": "x"})
    assert response.status_code == 403 and not Meeting.objects.exists()


def test_adding_an_agenda_item(client_for, rep, member, world):
    url = reverse("representation:agenda_item_add", args=[world["future"].pk])
    assert client_for(member).post(url, {"title": "AOB"}).status_code == 403
    assert client_for(rep).post(url, {"title": "AOB"}).status_code == 302
    assert world["future"].agenda_items.filter(title="AOB").exists()
    assert client_for(rep).post(url, {"title": ""}).status_code == 400


def test_a_representative_writes_a_briefing_with_its_mandate_and_links(client_for, rep, world):
    decision = DecisionItem.objects.create(title="Continuity of care", question="?", raised_by=rep)
    item = AgendaItemFactory(meeting=world["future"], title="Same-day access")
    response = client_for(rep).post(reverse("representation:briefing", args=[item.pk]), {
        "position": "Same-day access belongs in practices.", "may_agree": "A pilot in two PCNs.",
        "must_come_back": "Any change to funding.", "red_lines": "No transfer of staff.", "decisions": [decision.pk],
    })
    assert response.status_code == 302
    briefing = Briefing.objects.get(agenda_item=item)
    assert briefing.red_lines == "No transfer of staff." and list(briefing.decisions.all()) == [decision]
    page = client_for(rep).get(reverse("representation:meeting", args=[world["future"].pk])).content.decode()
    assert "No transfer of staff." in page and "Continuity of care" in page


def test_a_briefing_without_a_position_is_refused_and_keeps_what_was_typed(client_for, rep, world):
    item = AgendaItemFactory(meeting=world["future"])
    response = client_for(rep).post(reverse("representation:briefing", args=[item.pk]),
                                    {"may_agree": "Only a pilot", "red_lines": "No transfer"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Only a pilot" in html and "No transfer" in html
    assert not Briefing.objects.filter(agenda_item=item).exists()


def test_the_group_comments_on_a_briefing_before_the_meeting(client_for, member, observer, world):
    briefing = world["briefing"]
    url = reverse("representation:comment_add", args=[briefing.pk])
    prefix = f"c{briefing.pk}-body"
    assert client_for(observer).post(url, {prefix: "Observing"}).status_code == 403
    assert client_for(member).post(url, {prefix: "Push for funding"}).status_code == 302
    assert BriefingComment.objects.get().body == "Push for funding"
    empty = client_for(member).post(url, {prefix: ""})
    assert empty.status_code == 400 and "There is a problem" in empty.content.decode()
    assert BriefingComment.objects.count() == 1


def test_comments_are_closed_after_the_meeting(client_for, member, world, rep):
    briefing = BriefingFactory(agenda_item=world["past_item"], written_by=rep)
    response = client_for(member).post(reverse("representation:comment_add", args=[briefing.pk]),
                                       {f"c{briefing.pk}-body": "Too late"})
    assert response.status_code == 400 and "closed for comments" in response.content.decode()
    assert not BriefingComment.objects.exists()


def test_a_representative_feeds_back_and_the_meeting_is_fed_back(client_for, rep, member, world):
    item = AgendaItemFactory(meeting=MeetingFactory(forum=world["forum"], held_on=TODAY))
    url = reverse("representation:feedback", args=[item.pk])
    data = {"discussed": "The winter plan", "agreed": "A pilot", "needs_sign_off": "Back the pilot?",
            "escalations": "Funding"}
    assert client_for(member).post(url, data).status_code == 403
    assert client_for(rep).post(url, data).status_code == 302
    assert Feedback.objects.get(agenda_item=item).needs_sign_off == "Back the pilot?"
    item.meeting.refresh_from_db()
    assert item.meeting.feedback_completed_at is not None


def test_feedback_before_the_meeting_is_refused(client_for, rep, world):
    response = client_for(rep).post(reverse("representation:feedback", args=[world["future_item"].pk]),
                                    {"discussed": "Not yet"})
    assert response.status_code == 400 and "on or after the day of the meeting" in response.content.decode()
    assert not Feedback.objects.filter(agenda_item=world["future_item"]).exists()


def test_feedback_without_what_was_discussed_is_refused(client_for, rep, world):
    response = client_for(rep).post(reverse("representation:feedback", args=[world["past_item"].pk]),
                                    {"discussed": "", "agreed": "Kept text"})
    assert response.status_code == 400 and "Kept text" in response.content.decode()
    assert Feedback.objects.get(agenda_item=world["past_item"]).agreed == ""


def test_late_feedback_is_flagged_on_the_meeting_and_forums(client_for, member, forum):
    meeting = MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=10), feedback_due_on=TODAY - timedelta(1))
    AgendaItemFactory(meeting=meeting)
    assert "Feedback is late" in client_for(member).get(
        reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert "1 late" in client_for(member).get(reverse("representation:forums")).content.decode()


def test_one_click_turns_sign_off_into_a_draft_decision(client_for, rep, member, world):
    url = reverse("representation:feedback_decision", args=[world["feedback"].pk])
    assert client_for(member).post(url).status_code == 403
    assert client_for(rep).post(url).status_code == 302
    assert client_for(rep).post(url).status_code == 302
    decision = DecisionItem.objects.get()
    assert decision.status == "draft" and decision.question == "Do we back the discharge standard?"
    world["feedback"].refresh_from_db()
    assert world["feedback"].sign_off_decision == decision


# Actions ---------------------------------------------------------------------------------------------------------


def test_a_member_adds_an_action_linked_to_a_meeting(client_for, member, gatekeeper, world):
    response = client_for(member).post(reverse("representation:action_new"), {
        "title": "Chase the discharge letters", "owner": member.pk, "support": gatekeeper.pk,
        "due_on": (TODAY + timedelta(days=14)).isoformat(), "meeting": world["past"].pk,
    })
    assert response.status_code == 302
    action = Action.objects.get(title="Chase the discharge letters")
    assert action.support == gatekeeper and action.meeting == world["past"] and action.created_by == member


def test_an_observer_cannot_add_an_action(client_for, observer, member):
    response = client_for(observer).post(reverse("representation:action_new"),
                                         {"title": "X", "owner": member.pk, "due_on": TODAY.isoformat()})
    assert response.status_code == 403 and not Action.objects.filter(title="X").exists()


def test_an_action_in_the_past_is_refused(client_for, member):
    response = client_for(member).post(reverse("representation:action_new"), {
        "title": "Backdated", "owner": member.pk, "due_on": (TODAY - timedelta(days=1)).isoformat(),
    })
    assert response.status_code == 400 and "Backdated" in response.content.decode()
    assert not Action.objects.exists()


def test_the_owner_closes_an_action_with_a_note(client_for, member, chair, world):
    url = reverse("representation:action", args=[world["action"].pk])
    other = UserFactory()
    GroupRoleFactory(user=other, role=GroupRole.Role.MEMBER)
    data = {"status": "done", "completion_note": "Letter sent", "due_on": world["action"].due_on.isoformat()}
    assert client_for(other).post(url, data).status_code == 403
    bad = client_for(member).post(url, {**data, "completion_note": ""})
    assert bad.status_code == 400 and "Say what was done" in bad.content.decode()
    assert client_for(member).post(url, data).status_code == 302
    world["action"].refresh_from_db()
    assert world["action"].status == "done" and world["action"].completion_note == "Letter sent"


def test_my_actions_lists_what_i_own_or_support(client_for, member, world):
    supported = ActionFactory(support=member, title="Help with the survey")
    ActionFactory(title="Someone else's")
    html = client_for(member).get(reverse("representation:my_actions")).content.decode()
    assert "Write to the trust" in html and supported.title in html and "Someone else&#x27;s" not in html


def test_overdue_actions_are_flagged(client_for, member):
    ActionFactory(owner=member, due_on=TODAY - timedelta(days=1))
    html = client_for(member).get(reverse("representation:actions")).content.decode()
    assert "Overdue" in html and "1 overdue." in html


def test_the_action_log_says_where_each_action_came_from(client_for, member):
    meeting = MeetingFactory(forum=ForumFactory(name="Place board"), held_on=TODAY - timedelta(days=3))
    decision = DecisionItemFactory(title="Discharge <letters>")
    priority = AgreedPriorityFactory(title="Access & flow")
    ActionFactory(title="From a meeting", meeting=meeting, support=member)
    ActionFactory(title="From a decision", decision=decision)
    ActionFactory(title="From a priority", priority=priority)
    ActionFactory(title="From nowhere")
    html = client_for(member).get(reverse("representation:actions")).content.decode()
    held = meeting.held_on
    assert (f'<a href="{reverse("representation:meeting", args=[meeting.pk])}">Place board, '
            f'{held.day} {held:%b %Y}</a>') in html
    assert f'Decision: <a href="{reverse("decisions:item", args=[decision.pk])}">Discharge &lt;letters&gt;</a>' in html
    assert f'Priority: <a href="{reverse("priorities:priority", args=[priority.pk])}">Access &amp; flow</a>' in html
    assert f"Support: {member.get_full_name()}" in html and ">–</td>" in html


def test_the_action_log_comes_in_pages_that_keep_the_filter(client_for, member, django_assert_num_queries):
    from representation.views.actions import ACTIONS_PAGE_SIZE

    for n in range(ACTIONS_PAGE_SIZE + 3):
        ActionFactory(owner=member, title=f"Action number {n:03d}", due_on=TODAY + timedelta(days=n))
    closed = ActionFactory(owner=member, title="Closed one", status="done", completion_note="Done.",
                           completed_at=timezone.now(), due_on=TODAY + timedelta(days=500))
    ActionFactory(owner=member, title="Late one", due_on=TODAY - timedelta(days=2))
    client = client_for(member)
    first = client.get(reverse("representation:actions")).content.decode()
    assert "Late one" in first and f"Action number {ACTIONS_PAGE_SIZE - 2:03d}" in first
    assert f"Action number {ACTIONS_PAGE_SIZE - 1:03d}" not in first  # on page 2 (the late one comes first)
    assert "Page 2 of 2" in first and "1 overdue." in first
    second = client.get(reverse("representation:actions") + "?page=2").content.decode()
    assert f"Action number {ACTIONS_PAGE_SIZE + 2:03d}" in second and "Closed one" not in second
    # "Show closed actions too" is kept on the page links.
    every = client.get(reverse("representation:actions") + "?show=all").content.decode()
    assert "show=all&amp;page=2" in every
    assert closed.title in client.get(reverse("representation:actions") + "?show=all&page=2").content.decode()
    # A page number that is not a page shows the nearest page, never an error.
    assert client.get(reverse("representation:actions") + "?page=99").status_code == 200
    assert client.get(reverse("representation:actions") + "?page=x").status_code == 200


def test_a_meeting_lists_its_first_actions_and_the_log_lists_them_all(client_for, member, forum):
    from representation.selectors import MEETING_ACTIONS_SHOWN

    meeting = MeetingFactory(forum=forum)
    for n in range(MEETING_ACTIONS_SHOWN + 2):
        ActionFactory(meeting=meeting, owner=member, title=f"From the meeting {n:02d}",
                      due_on=TODAY + timedelta(days=n))
    ActionFactory(owner=member, title="From somewhere else")
    client = client_for(member)
    page = client.get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert f"From the meeting {MEETING_ACTIONS_SHOWN - 1:02d}" in page
    assert f"From the meeting {MEETING_ACTIONS_SHOWN:02d}" not in page
    assert f"The first {MEETING_ACTIONS_SHOWN} of {MEETING_ACTIONS_SHOWN + 2}, soonest due." in page
    first = Action.objects.get(title="From the meeting 00")
    assert (f'<li><a href="{reverse("representation:action", args=[first.pk])}">From the meeting 00</a> – '
            f'{member.get_full_name()}, due {TODAY:%-d %b %Y}, not started</li>') in page
    assert "No actions yet." not in page
    assert "<li>No actions yet.</li>" in client.get(reverse("representation:meeting", args=[
        MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=7)).pk])).content.decode()
    log_url = reverse("representation:actions") + f"?meeting={meeting.pk}&show=all"
    assert f'href="{log_url.replace("&", "&amp;")}"' in page
    log = client.get(log_url).content.decode()
    assert f"From the meeting {MEETING_ACTIONS_SHOWN + 1:02d}" in log and "From somewhere else" not in log
    assert "Show actions from everywhere" in log
    # A meeting the person may not read, or no meeting at all, filters nothing.
    assert "From somewhere else" in client.get(reverse("representation:actions") + "?meeting=999999").content.decode()
    assert "From somewhere else" in client.get(reverse("representation:actions") + "?meeting=x").content.decode()


def test_the_action_log_runs_a_fixed_number_of_queries_as_actions_grow(client_for, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("representation:actions")).status_code == 200
        return len(queries.captured_queries)

    ActionFactory(owner=member)
    small = count()
    for _ in range(60):
        ActionFactory(owner=member, support=member)
    assert count() == small


# Reviews -------------------------------------------------------------------------------------------------------


def test_the_chair_records_a_review(client_for, chair, member, world):
    url = reverse("representation:representative", args=[world["representative"].pk])
    data = {"reviewed_on": TODAY.isoformat(), "working_well": "Timely feedback",
            "overstepped_mandate": "Agreed a date without asking"}
    assert client_for(member).post(url, data).status_code == 403
    assert client_for(chair).post(url, data).status_code == 302
    review = Review.objects.get()
    assert review.recorded_by == chair and review.overstepped_mandate == "Agreed a date without asking"
    bad = client_for(chair).post(url, {**data, "working_well": "", "thin_feedback": "Thin on finance"})
    assert bad.status_code == 400 and "Thin on finance" in bad.content.decode()
    assert Review.objects.count() == 1


# Requests queue and triage ------------------------------------------------------------------------------------


def test_a_gatekeeper_triages_onto_the_agenda(client_for, gatekeeper, world, django_capture_on_commit_callbacks):
    url = reverse("representation:request", args=[world["request"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(gatekeeper).post(url, {"outcome": "agenda"})
    assert response.status_code == 302
    world["request"].refresh_from_db()
    assert world["request"].outcome == "agenda"
    assert LeadershipAgendaItem.objects.filter(request=world["request"]).exists()


def test_triage_by_a_member_is_refused(client_for, member, world):
    response = client_for(member).post(reverse("representation:request", args=[world["request"].pk]),
                                       {"outcome": "message"})
    assert response.status_code == 404  # requests are seen only by those who triage them
    world["request"].refresh_from_db()
    assert world["request"].outcome == ""


def test_a_redirect_without_an_organisation_or_reason_is_refused(client_for, gatekeeper, world):
    response = client_for(gatekeeper).post(reverse("representation:request", args=[world["request"].pk]),
                                           {"outcome": "redirected"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the member organisation" in html and "Say why" in html
    world["request"].refresh_from_db()
    assert world["request"].outcome == ""


def test_a_redirect_to_the_lmc(client_for, gatekeeper, world):
    lmc = OrganisationFactory(kind=Organisation.Kind.LMC, name="Testshire LMC", ods_code=None)
    response = client_for(gatekeeper).post(reverse("representation:request", args=[world["request"].pk]), {
        "outcome": "redirected", "redirected_to": lmc.pk, "outcome_reason": "A contract matter",
    })
    assert response.status_code == 302
    world["request"].refresh_from_db()
    assert world["request"].redirected_to == lmc


def test_the_queue_shows_the_latest_triaged_and_every_one_a_page_at_a_time(client_for, gatekeeper):
    from representation.selectors import QUEUE_SHOWN as TRIAGED_SHOWN

    now = timezone.now()
    for n in range(TRIAGED_SHOWN + 2):
        RequestFactory(summary=f"Triaged request {n:03d}", outcome="message", triaged_by=gatekeeper,
                       triaged_at=now - timedelta(hours=n), received_at=now - timedelta(days=1, hours=n))
    client = client_for(gatekeeper)
    latest = client.get(reverse("representation:requests")).content.decode()
    assert "Triaged request 000" in latest and f"Triaged request {TRIAGED_SHOWN:03d}" not in latest
    every = client.get(reverse("representation:requests") + "?show=all").content.decode()
    assert f"Showing every triaged request ({TRIAGED_SHOWN + 2})" in every and "show=all&amp;page=2" in every
    second = client.get(reverse("representation:requests") + "?show=all&page=2").content.decode()
    assert f"Triaged request {TRIAGED_SHOWN + 1:03d}" in second and "Triaged request 000" not in second


def test_the_queue_shows_the_earliest_targets_waiting_and_every_one_a_page_at_a_time(client_for, gatekeeper):
    from representation.selectors import QUEUE_SHOWN

    today = timezone.localdate()
    # Two past the target (due yesterday and the day before), then the rest due from tomorrow on.
    for n in range(QUEUE_SHOWN + 3):
        RequestFactory(summary=f"Waiting request {n:03d}", triage_due_on=today + timedelta(days=n - 2))
    client = client_for(gatekeeper)
    first = client.get(reverse("representation:requests")).content.decode()
    assert f"Awaiting triage ({QUEUE_SHOWN + 3})" in first and "2 past the target" in first
    assert "Waiting request 000" in first and f"Waiting request {QUEUE_SHOWN - 1:03d}" in first
    assert f"Waiting request {QUEUE_SHOWN:03d}" not in first
    assert f"Showing the {QUEUE_SHOWN} with the earliest triage target" in first and "?show=waiting" in first
    every = client.get(reverse("representation:requests") + "?show=waiting").content.decode()
    assert "Showing every request awaiting triage" in every and "show=waiting&amp;page=2" in every
    second = client.get(reverse("representation:requests") + "?show=waiting&page=2").content.decode()
    assert f"Waiting request {QUEUE_SHOWN + 2:03d}" in second and "Waiting request 000" not in second
    # An unknown choice, or a page past the end, shows a page rather than an error.
    assert client.get(reverse("representation:requests") + "?show=nonsense").status_code == 200
    last = client.get(reverse("representation:requests") + "?show=waiting&page=99").content.decode()
    assert f"Waiting request {QUEUE_SHOWN + 2:03d}" in last


def test_a_short_queue_offers_no_more_to_show(client_for, gatekeeper):
    RequestFactory(summary="The only one waiting")
    page = client_for(gatekeeper).get(reverse("representation:requests")).content.decode()
    assert "Awaiting triage (1)" in page and "?show=waiting" not in page


def test_a_triaged_request_cannot_be_triaged_again(client_for, gatekeeper, world):
    url = reverse("representation:request", args=[world["request"].pk])
    client_for(gatekeeper).post(url, {"outcome": "message"})
    client_for(gatekeeper).post(url, {"outcome": "declined", "outcome_reason": "No"})
    world["request"].refresh_from_db()
    assert world["request"].outcome == "message"


def test_the_queue_shows_breaches_of_the_target(client_for, gatekeeper):
    RequestFactory(summary="Old one", triage_due_on=TODAY - timedelta(days=2))
    html = client_for(gatekeeper).get(reverse("representation:requests")).content.decode()
    assert "Past target" in html and "1 past the target" in html


def test_the_queue_escapes_what_partners_wrote(client_for, gatekeeper):
    waiting = RequestFactory(summary="<b>Flu</b> & <i>COVID</i>", requester_name="<script>x</script>",
                             organisation_name='"ICB"')
    RequestFactory(summary="<b>Triaged</b>", outcome="message", triaged_by=gatekeeper, triaged_at=timezone.now())
    html = client_for(gatekeeper).get(reverse("representation:requests")).content.decode()
    url = reverse("representation:request", args=[waiting.pk])
    assert f'<a href="{url}">&lt;b&gt;Flu&lt;/b&gt; &amp; &lt;i&gt;COVID&lt;/i&gt;</a>' in html
    assert "&lt;script&gt;x&lt;/script&gt;, &quot;ICB&quot;" in html and "<script>x" not in html
    assert "&lt;b&gt;Triaged&lt;/b&gt;" in html and "<b>Triaged" not in html


# The leadership meeting agenda --------------------------------------------------------------------------------


def test_gatekeepers_gather_the_agenda(client_for, gatekeeper, member, world):
    ActionFactory(due_on=TODAY - timedelta(days=1), title="Late report")
    url = reverse("representation:agenda_gather")
    assert client_for(member).post(url).status_code == 403
    assert client_for(gatekeeper).post(url).status_code == 302
    html = client_for(member).get(reverse("representation:agenda")).content.decode()
    assert "Overdue action: Late report" in html and "Sign-off: Discharge letters" in html


def test_only_the_chair_reorders_the_agenda(client_for, chair, gatekeeper, world):
    url = reverse("representation:agenda_move", args=[world["second_item"].pk])
    assert client_for(gatekeeper).post(url, {"direction": "up"}).status_code == 403
    assert client_for(chair).post(url, {"direction": "up"}).status_code == 302
    world["second_item"].refresh_from_db()
    assert world["second_item"].position == 1
    assert client_for(chair).post(url, {"direction": "sideways"}).status_code == 400


def test_gatekeepers_add_and_remove_agenda_items(client_for, gatekeeper, member, world):
    assert client_for(member).post(reverse("representation:agenda_add"), {"title": "Estates"}).status_code == 403
    assert client_for(gatekeeper).post(reverse("representation:agenda_add"), {"title": "Estates"}).status_code == 302
    assert world["leadership_meeting"].items.filter(title="Estates").exists()
    assert client_for(gatekeeper).post(reverse("representation:agenda_add"), {"title": ""}).status_code == 400
    url = reverse("representation:agenda_remove", args=[world["agenda_item"].pk])
    assert client_for(member).post(url).status_code == 403
    assert client_for(gatekeeper).post(url).status_code == 302
    world["agenda_item"].refresh_from_db()
    assert world["agenda_item"].is_archived


def test_the_agenda_page_is_printable_and_reorderable_without_javascript(client_for, chair, world):
    html = client_for(chair).get(reverse("representation:agenda")).content.decode()
    assert 'name="direction" value="down"' in html and "portal-no-print" in html


# List pages run a constant number of queries ----------------------------------------------------------------------


def _grow(n, member, gatekeeper):
    for i in range(n):
        forum = ForumFactory()
        RepresentativeFactory(forum=forum)
        RepresentativeFactory(forum=forum, role="deputy")
        MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=20), feedback_due_on=TODAY - timedelta(days=5))
        meeting = MeetingFactory(forum=forum)
        ActionFactory(owner=member, support=gatekeeper, meeting=meeting, due_on=TODAY - timedelta(days=i % 3))
        RequestFactory()
        triaged = RequestFactory()
        Request.objects.filter(pk=triaged.pk)  # triaged through the service, as users do
        from representation import services

        services.request_triage(request=triaged, triaged_by=gatekeeper, outcome="message")


def _count(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", ["representation:forums", "representation:actions", "representation:my_actions",
                                  "representation:requests", "representation:agenda", "representation:reviews"])
def test_list_pages_run_a_constant_number_of_queries(client_for, chair, member, gatekeeper, name,
                                                     django_assert_max_num_queries):
    client = client_for(chair)
    GroupRoleFactory(user=chair, role=GroupRole.Role.GATEKEEPER)
    url = reverse(name)
    _grow(5, member, gatekeeper)
    from representation import services

    services.agenda_gather(meeting=services.leadership_meeting_next())
    small = _count(client, url, django_assert_max_num_queries)
    _grow(45, member, gatekeeper)
    services.agenda_gather(meeting=services.leadership_meeting_next())
    large = _count(client, url, django_assert_max_num_queries)
    assert small == large


def test_each_briefing_on_a_meeting_shows_what_it_rests_on_and_the_group_s_comments(client_for, member, rep, forum):
    meeting = MeetingFactory(forum=forum, held_on=TODAY)
    first, second, off = (AgendaItemFactory(meeting=meeting, title=title, position=n)
                          for n, title in enumerate(("Estates", "Access hubs", "Taken off")))
    decisions = {name: DecisionItemFactory(title=name) for name in ("Fund estates", "Back hubs", "Elsewhere", "Gone")}
    priority = AgreedPriorityFactory(title="Premises first")
    for item, rests_on, comments in ((first, ["Fund estates"], ["Push for funding", "Ask about rent"]),
                                     (second, ["Back hubs", "Fund estates"], ["Pilot only"]),
                                     (off, ["Gone"], ["On an item taken off"]),
                                     (AgendaItemFactory(title="Another meeting's"), ["Elsewhere"], ["Elsewhere"])):
        briefing = BriefingFactory(agenda_item=item, written_by=rep)
        briefing.decisions.add(*(decisions[name] for name in rests_on))
        if item == first:
            briefing.priorities.add(priority)
        for body in comments:
            BriefingComment.objects.create(briefing=briefing, author=member, body=body)
    BriefingComment.objects.create(briefing=first.briefing, author=member, body="Withdrawn", is_archived=True)
    off.is_archived = True
    off.save(update_fields=["is_archived"])

    html = client_for(member).get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    sections = {item.pk: html.split(f'<section id="item-{item.pk}"')[1].split("</section>")[0]
                for item in (first, second)}
    assert "Fund estates</a> (decision)" in sections[first.pk] and "Back hubs" not in sections[first.pk]
    assert "Premises first</a> (priority)" in sections[first.pk]
    assert sections[first.pk].index("Push for funding") < sections[first.pk].index("Ask about rent")
    assert "Back hubs</a> (decision)" in sections[second.pk] and "Fund estates</a> (decision)" in sections[second.pk]
    assert "Pilot only" in sections[second.pk] and "Premises first" not in sections[second.pk]
    assert "(priority)" not in sections[second.pk]
    for elsewhere in ("Elsewhere", "Gone", "On an item taken off", "Withdrawn", "Taken off"):
        assert elsewhere not in html


def test_the_forum_and_meeting_pages_run_a_constant_number_of_queries(client_for, member, rep, forum,
                                                                        django_assert_max_num_queries):
    meeting = MeetingFactory(forum=forum, held_on=TODAY)
    decision = DecisionItem.objects.create(title="Continuity of care", question="?", raised_by=rep)
    day = iter(range(1, 100))

    def grow(n):
        for _ in range(n):
            item = AgendaItemFactory(meeting=meeting)
            briefing = BriefingFactory(agenda_item=item, written_by=rep)
            briefing.decisions.add(decision)
            BriefingComment.objects.create(briefing=briefing, author=member, body="Agreed")
            FeedbackFactory(agenda_item=item, written_by=rep)
            ActionFactory(meeting=meeting)
            AgendaItemFactory(meeting=MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=next(day))))

    client = client_for(member)
    for url in (reverse("representation:forum", args=[forum.pk]), reverse("representation:meeting", args=[meeting.pk])):
        grow(2)
        small = _count(client, url, django_assert_max_num_queries)
        grow(10)
        assert _count(client, url, django_assert_max_num_queries) == small


def test_a_forum_s_meetings_come_a_page_at_a_time_the_latest_first(client_for, member, forum):
    from representation.views.forums import FORUM_MEETINGS_PER_PAGE

    for n in range(FORUM_MEETINGS_PER_PAGE + 5):
        MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=30 * n))
    client, url = client_for(member), reverse("representation:forum", args=[forum.pk])
    first = client.get(url)
    assert [m.held_on for m in first.context["meetings"]] == [
        TODAY - timedelta(days=30 * n) for n in range(FORUM_MEETINGS_PER_PAGE)]
    html = first.content.decode()
    assert 'href="?page=2"' in html and "Page 2 of 2" in html
    second = client.get(url, {"page": 2})
    assert [m.held_on for m in second.context["meetings"]] == [
        TODAY - timedelta(days=30 * n) for n in range(FORUM_MEETINGS_PER_PAGE, FORUM_MEETINGS_PER_PAGE + 5)]
    assert "Page 1 of 2" in second.content.decode()
    # A page that is not there, or not a number, is the last or the first page: never an error.
    assert client.get(url, {"page": 99}).context["page"].number == 2
    assert client.get(url, {"page": "x"}).context["page"].number == 1
