"""The rules of representation and the single point of access, tested through the services and selectors."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from decisions.models import DecisionItem
from members import outbox
from members.models import Organisation, OutboxEmail
from representation import emails, selectors, services
from representation.models import (
    Action,
    Feedback,
    LeadershipAgendaItem,
    LeadershipMeeting,
    Meeting,
    RepresentationLead,
    Representative,
    Request,
    add_working_days,
    working_days_between,
)

from ..factories import (
    ActionFactory,
    AgendaItemFactory,
    DecisionItemFactory,
    FeedbackFactory,
    ForumFactory,
    LeadershipMeetingFactory,
    MeetingFactory,
    OrganisationFactory,
    RepresentativeFactory,
    RequestFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


# Working days and the triage target -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # Monday + 5 working days = next Monday
        (date(2026, 11, 27), 5, date(2026, 12, 4)),  # Friday + 5 = next Friday
        (date(2026, 11, 28), 5, date(2026, 12, 7)),  # Saturday: the clock starts on Monday
        (date(2026, 11, 29), 1, date(2026, 12, 1)),  # Sunday + 1 = Tuesday
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
    ],
)
def test_working_days_skip_weekends(start, days, expected):
    assert add_working_days(start, days) == expected


def test_working_days_between_counts_weekdays_only():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1  # Friday to Monday
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


def test_a_request_is_due_for_triage_five_working_days_after_it_arrives():
    received = timezone.make_aware(timezone.datetime(2026, 11, 27, 16, 0))  # a Friday afternoon
    request = services.request_submit(
        requester_name="Tess", requester_email="TESS@trust.example.nhs.uk", requester_role="Director",
        organisation_name="Trust", summary="Discharge letters", details="Your view", needed_by=date(2026, 12, 31),
        received_at=received,
    )
    assert request.triage_due_on == date(2026, 12, 4)
    assert request.requester_email == "tess@trust.example.nhs.uk"
    assert request.history.count() == 1


def test_a_request_past_its_target_is_a_breach_until_triaged(gatekeeper):
    late = RequestFactory(triage_due_on=TODAY - timedelta(days=1))
    on_time = RequestFactory(triage_due_on=TODAY)
    assert late.is_past_target() and not on_time.is_past_target()
    assert selectors.requests_past_target() == [late]
    services.request_triage(request=late, triaged_by=gatekeeper, outcome=Request.Outcome.MESSAGE)
    late.refresh_from_db()
    assert late.is_past_target()  # triaged after the target: the breach stays on the record
    assert selectors.requests_past_target() == []


def test_the_queue_counts_the_waiting_the_breaches_among_them_and_the_triaged_in_one_query(
        gatekeeper, django_assert_num_queries):
    RequestFactory(triage_due_on=TODAY - timedelta(days=1))  # waiting, past the target
    RequestFactory(triage_due_on=TODAY)  # waiting, within it
    triaged = RequestFactory(triage_due_on=TODAY - timedelta(days=1))
    services.request_triage(request=triaged, triaged_by=gatekeeper, outcome=Request.Outcome.MESSAGE)
    RequestFactory(triage_due_on=TODAY - timedelta(days=1), is_archived=True)
    with django_assert_num_queries(1):
        [counted] = Request.objects.queue_counts(TODAY)
    assert counted._asdict() == {"waiting": 2, "past_target": 1, "triaged": 1}
    # The queue shows them whatever it lists: the counts, the first waiting and the latest triaged.
    with django_assert_num_queries(3):
        queue = selectors.request_queue(show="all", today=TODAY)
    assert (queue["waiting_count"], queue["breaches"], queue["page"].paginator.count) == (2, 1, 1)


def test_triage_within_target_is_measured_in_working_days(gatekeeper):
    request = RequestFactory(received_at=timezone.now() - timedelta(days=1))
    services.request_triage(request=request, triaged_by=gatekeeper, outcome=Request.Outcome.PAPER)
    request.refresh_from_db()
    assert not request.is_past_target()
    assert request.working_days_to_triage in (0, 1)


# Triage outcomes --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Request.Outcome.PAPER, Request.Outcome.MESSAGE, Request.Outcome.AGENDA])
def test_triage_records_one_outcome(gatekeeper, outcome):
    request = RequestFactory()
    services.request_triage(request=request, triaged_by=gatekeeper, outcome=outcome)
    request.refresh_from_db()
    assert request.outcome == outcome
    assert request.triaged_by == gatekeeper and request.triaged_at is not None


@pytest.mark.parametrize("outcome", [Request.Outcome.MORE_WORK, Request.Outcome.DECLINED, Request.Outcome.REDIRECTED])
def test_triage_needs_a_reason_for_more_work_redirect_and_decline(gatekeeper, outcome):
    request = RequestFactory()
    with pytest.raises(ValidationError) as caught:
        services.request_triage(request=request, triaged_by=gatekeeper, outcome=outcome)
    assert "outcome_reason" in caught.value.message_dict
    request.refresh_from_db()
    assert request.outcome == ""


def test_a_redirect_names_a_member_organisation(gatekeeper):
    request = RequestFactory()
    lmc = OrganisationFactory(kind=Organisation.Kind.LMC, name="The LMC", ods_code=None)
    trust = OrganisationFactory(kind=Organisation.Kind.TRUST, name="A trust", ods_code=None)
    with pytest.raises(ValidationError):
        services.request_triage(request=request, triaged_by=gatekeeper, outcome="redirected", outcome_reason="x")
    with pytest.raises(ValidationError):
        services.request_triage(request=request, triaged_by=gatekeeper, outcome="redirected", outcome_reason="x",
                                redirected_to=trust)
    services.request_triage(request=request, triaged_by=gatekeeper, outcome="redirected",
                            outcome_reason="A contract matter", redirected_to=lmc)
    request.refresh_from_db()
    assert request.redirected_to == lmc


def test_a_request_is_triaged_only_once(gatekeeper):
    request = RequestFactory()
    services.request_triage(request=request, triaged_by=gatekeeper, outcome="message")
    with pytest.raises(ValidationError):
        services.request_triage(request=request, triaged_by=gatekeeper, outcome="paper")


def test_the_database_refuses_a_decline_without_a_reason(gatekeeper):
    request = RequestFactory()
    request.outcome, request.triaged_by, request.triaged_at = "declined", gatekeeper, timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        request.save()


def test_the_requester_gets_an_acknowledgement_and_the_outcome_once_each(
    gatekeeper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(
            requester_name="Tess", requester_email="tess@trust.example.nhs.uk", requester_role="Director",
            organisation_name="Trust", summary="Discharge letters", details="Your view",
            needed_by=TODAY + timedelta(days=20),
        )
    assert [m.subject for m in mail.outbox] == [
        f"[GP Leadership] We have received your request (reference {request.reference})"]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_triage(request=request, triaged_by=gatekeeper, outcome="declined",
                                outcome_reason="We have already answered this in October.")
    assert len(mail.outbox) == 2
    assert "Declined" in mail.outbox[1].body and "already answered" in mail.outbox[1].body
    # A retried task sends nothing twice.
    sent = OutboxEmail.objects.filter(params__request=request.pk)
    assert [outbox.send_once(email.pk) for email in sent] == ["busy", "busy"]
    assert len(mail.outbox) == 2
    assert sent.filter(status="sent").count() == 2


def test_a_failed_send_is_kept_and_retried(settings):
    request = RequestFactory()
    email = outbox.enqueue(key="ack", kind=emails.REQUEST_ACKNOWLEDGEMENT, params={"request": request.pk})
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    assert outbox.send_once(email.pk) == "retry"
    email.refresh_from_db()
    assert email.status == "pending" and email.attempts == 1 and "Connection" in email.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEmail.objects.filter(pk=email.pk).update(available_at=timezone.now())  # the backoff has passed
    assert outbox.send_once(email.pk) == "sent"
    assert len(mail.outbox) == 1


# Forums, representatives and leads ------------------------------------------------------------------------------


def test_appointing_a_representative_stands_down_the_previous_one(forum):
    old = RepresentativeFactory(forum=forum)
    deputy = RepresentativeFactory(forum=forum, role=Representative.Role.DEPUTY)
    new = services.representative_appoint(
        forum=forum, user=UserFactory(), role="representative", term_starts_on=TODAY,
        term_ends_on=TODAY + timedelta(days=730),
    )
    old.refresh_from_db()
    deputy.refresh_from_db()
    assert old.stood_down_on == TODAY - timedelta(days=1)
    assert deputy.stood_down_on is None
    assert list(Representative.objects.current().filter(forum=forum, role="representative")) == [new]


def test_the_database_allows_one_current_representative_per_role(forum):
    RepresentativeFactory(forum=forum)
    with pytest.raises(IntegrityError), transaction.atomic():
        RepresentativeFactory(forum=forum)


def test_the_group_has_at_most_two_representation_leads():
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    services.lead_name(user=first)
    services.lead_name(user=second)
    with pytest.raises(ValidationError):
        services.lead_name(user=third)
    with pytest.raises(ValidationError):
        services.lead_name(user=first)
    services.lead_end(lead=RepresentationLead.objects.get(user=first))
    assert services.lead_name(user=third).slot == 1


def test_leads_and_represented_forums_are_read_in_one_query(rep, forum, django_assert_num_queries):
    from members.access import is_group
    from members.models import User
    from representation import access

    services.lead_name(user=rep)
    stood_down = RepresentativeFactory(forum=ForumFactory(name="Place board"), user=rep)
    stood_down.stood_down_on = timezone.localdate()
    stood_down.save(update_fields=["stood_down_on"])
    RepresentativeFactory(forum=ForumFactory(name="LMC liaison"))  # someone else's
    person = User.objects.get(pk=rep.pk)
    assert is_group(person)
    with django_assert_num_queries(1):
        assert access.is_representation_lead(person)
        assert access.represented_forum_ids(person) == {forum.pk}
    services.lead_end(lead=RepresentationLead.objects.get(user=rep))
    person = User.objects.get(pk=rep.pk)
    assert not access.is_representation_lead(person)
    assert access.represented_forum_ids(person) == {forum.pk}


# Meetings, briefings, feedback ------------------------------------------------------------------------------------


def test_feedback_is_due_the_forums_number_of_days_after_the_meeting(rep):
    forum = ForumFactory(feedback_due_days=5)
    meeting = services.meeting_create(forum=forum, held_on=date(2026, 11, 10), agenda=["Winter plan", "", "AOB"],
                                      created_by=rep)
    assert meeting.feedback_due_on == date(2026, 11, 15)
    assert [i.title for i in meeting.agenda_items.order_by("position")] == ["Winter plan", "AOB"]


def test_a_meeting_needs_an_agenda(rep, forum):
    with pytest.raises(ValidationError):
        services.meeting_create(forum=forum, held_on=TODAY, agenda=["  "], created_by=rep)


def test_feedback_is_late_after_the_due_date_until_every_item_has_feedback(rep):
    meeting = MeetingFactory(held_on=TODAY - timedelta(days=10), feedback_due_on=TODAY - timedelta(days=3))
    first, second = AgendaItemFactory(meeting=meeting), AgendaItemFactory(meeting=meeting)
    on_time = MeetingFactory(held_on=TODAY - timedelta(days=1))
    assert meeting.is_feedback_late() and not on_time.is_feedback_late()
    assert selectors.late_feedback() == [meeting]

    services.feedback_save(agenda_item=first, written_by=rep, discussed="The plan")
    meeting.refresh_from_db()
    assert meeting.is_feedback_late()
    services.feedback_save(agenda_item=second, written_by=rep, discussed="Any other business")
    meeting.refresh_from_db()
    assert not meeting.is_feedback_late()
    assert meeting.was_fed_back_late
    assert selectors.late_feedback() == []


def test_feedback_on_time_is_not_flagged(rep):
    item = AgendaItemFactory(meeting=MeetingFactory(held_on=TODAY))
    services.feedback_save(agenda_item=item, written_by=rep, discussed="Plan")
    item.meeting.refresh_from_db()
    assert item.meeting.feedback_completed_at and not item.meeting.was_fed_back_late


def test_feedback_cannot_be_written_before_the_meeting(rep):
    item = AgendaItemFactory(meeting=MeetingFactory(held_on=TODAY + timedelta(days=1)))
    with pytest.raises(ValidationError):
        services.feedback_save(agenda_item=item, written_by=rep, discussed="Too soon")


def test_a_new_agenda_item_reopens_the_feedback(rep):
    item = AgendaItemFactory(meeting=MeetingFactory(held_on=TODAY))
    services.feedback_save(agenda_item=item, written_by=rep, discussed="Plan")
    services.agenda_item_add(meeting=item.meeting, title="Late addition")
    item.meeting.refresh_from_db()
    assert item.meeting.feedback_completed_at is None


def test_comments_close_when_the_meeting_has_happened(member, rep):
    past = AgendaItemFactory(meeting=MeetingFactory(held_on=TODAY - timedelta(days=1)))
    briefing = services.briefing_save(agenda_item=past, written_by=rep, position="P", may_agree="M")
    with pytest.raises(ValidationError):
        services.briefing_comment_add(briefing=briefing, author=member, body="Too late")
    today = AgendaItemFactory(meeting=MeetingFactory(held_on=TODAY))
    briefing = services.briefing_save(agenda_item=today, written_by=rep, position="P", may_agree="M")
    assert services.briefing_comment_add(briefing=briefing, author=member, body="Good luck").pk


def test_briefing_rewrites_keep_history_and_links(rep):
    item = AgendaItemFactory()
    decision = DecisionItemFactory()
    briefing = services.briefing_save(agenda_item=item, written_by=rep, position="First", may_agree="M",
                                      decisions=[decision])
    briefing = services.briefing_save(agenda_item=item, written_by=rep, position="Second", may_agree="M")
    assert briefing.position == "Second"
    assert list(briefing.decisions.all()) == []
    assert briefing.history.count() >= 2  # the links are recorded in history too
    assert briefing.history.earliest().position == "First"


def test_sign_off_becomes_one_draft_decision_item(rep):
    feedback = FeedbackFactory(needs_sign_off="Do we accept the trust's discharge standard?")
    decision = services.feedback_raise_decision(feedback=feedback, raised_by=rep)
    assert decision.status == DecisionItem.Status.DRAFT
    assert decision.question == "Do we accept the trust's discharge standard?"
    assert decision.raised_by == rep
    assert services.feedback_raise_decision(feedback=feedback, raised_by=rep) == decision
    assert DecisionItem.objects.count() == 1
    feedback.refresh_from_db()
    assert feedback.sign_off_decision == decision


def test_feedback_without_sign_off_raises_no_decision(rep):
    with pytest.raises(ValidationError):
        services.feedback_raise_decision(feedback=FeedbackFactory(), raised_by=rep)


# Actions ------------------------------------------------------------------------------------------------------------


def test_an_open_action_past_its_due_date_is_overdue():
    overdue = ActionFactory(due_on=TODAY - timedelta(days=1))
    due_today = ActionFactory(due_on=TODAY)
    done = ActionFactory(due_on=TODAY - timedelta(days=5), status="done", completion_note="Sent",
                         completed_at=timezone.now())
    assert overdue.is_overdue() and not due_today.is_overdue() and not done.is_overdue()
    assert selectors.overdue_actions() == [overdue]


def test_actions_are_counted_with_the_overdue_among_them_in_one_query(django_assert_num_queries):
    ActionFactory(due_on=TODAY - timedelta(days=1))
    ActionFactory(due_on=TODAY)
    ActionFactory(due_on=TODAY - timedelta(days=5), status="done", completion_note="Sent", completed_at=timezone.now())
    ActionFactory(due_on=TODAY - timedelta(days=5), is_archived=True)
    with django_assert_num_queries(1):
        [open_only] = Action.objects.counts(TODAY, open_only=True)
    assert open_only._asdict() == {"count": 2, "overdue": 1}
    [every] = Action.objects.filter(is_archived=False).counts(TODAY, open_only=False)
    assert every._asdict() == {"count": 3, "overdue": 1}
    # One row when there is nothing to count, as an aggregate gives.
    assert [tuple(row) for row in Action.objects.filter(pk=-1).counts(TODAY, open_only=True)] == [(0, 0)]


def test_closing_an_action_needs_a_note(member):
    action = ActionFactory(owner=member)
    with pytest.raises(ValidationError):
        services.action_update(action=action, status="done")
    action = services.action_update(action=action, status="done", completion_note="Letter sent on 3 Nov")
    assert action.completed_at is not None and not action.is_open
    action = services.action_update(action=action, status="in_progress")
    assert action.completed_at is None and action.completion_note == ""
    assert action.history.count() == 3


def test_the_database_refuses_a_closed_action_without_a_note():
    action = ActionFactory()
    action.status = "done"
    action.completed_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


def test_a_reminder_goes_once_when_an_action_falls_due():
    owner, support = UserFactory(email="owner@example.nhs.uk"), UserFactory(email="help@example.nhs.uk")
    due = ActionFactory(owner=owner, support=support, due_on=TODAY)
    ActionFactory(due_on=TODAY + timedelta(days=1))
    [email_id] = services.action_reminders_queue(today=TODAY)
    assert outbox.send_once(email_id) == "sent"
    assert outbox.send_once(email_id) == "busy"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.nhs.uk", "help@example.nhs.uk"]
    assert services.action_reminders_queue(today=TODAY) == []
    # A new due date is a new reminder.
    services.action_update(action=due, status="open", due_on=TODAY + timedelta(days=3))
    queued = services.action_reminders_queue(today=TODAY + timedelta(days=3))
    assert OutboxEmail.objects.filter(pk__in=queued, params__action=due.pk).count() == 1
    assert OutboxEmail.objects.filter(kind=emails.ACTION_DUE, params__action=due.pk).count() == 2


def test_the_reminder_task_queues_due_actions(django_capture_on_commit_callbacks):
    from representation.tasks import queue_action_reminders

    ActionFactory(due_on=TODAY)
    ActionFactory(due_on=TODAY - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_action_reminders.delay().get() == 2
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_action_reminders.delay().get() == 0


# Reviews ------------------------------------------------------------------------------------------------------------


def test_representatives_are_due_a_review_after_the_interval():
    never = RepresentativeFactory(term_starts_on=TODAY - timedelta(days=400))
    new = RepresentativeFactory(term_starts_on=TODAY - timedelta(days=10))
    reviewed = RepresentativeFactory(term_starts_on=TODAY - timedelta(days=400))
    ReviewFactory(representative=reviewed, reviewed_on=TODAY - timedelta(days=30))
    stale = RepresentativeFactory(term_starts_on=TODAY - timedelta(days=800))
    ReviewFactory(representative=stale, reviewed_on=TODAY - timedelta(days=300))
    due = selectors.representatives_due_review()
    assert {r.pk for r in due} == {never.pk, stale.pk}
    assert new.pk not in {r.pk for r in due}


def test_a_review_cannot_be_dated_in_the_future(chair):
    with pytest.raises(ValidationError):
        services.review_record(representative=RepresentativeFactory(), recorded_by=chair,
                               reviewed_on=TODAY + timedelta(days=1), working_well="x")


# The leadership meeting agenda --------------------------------------------------------------------------------------


def test_the_next_meeting_is_scheduled_weekly_with_partner_slots_every_other_week():
    monday = date(2026, 11, 23)
    meeting = services.leadership_meeting_next(today=monday)
    assert meeting.meets_on == date(2026, 11, 25)  # the Wednesday
    assert meeting.has_partner_slot == (meeting.meets_on.isocalendar().week % 2 == 0)
    assert services.leadership_meeting_next(today=monday) == meeting
    partner = services.leadership_meeting_for_partners(today=monday)
    assert partner.has_partner_slot
    assert partner.meets_on in (date(2026, 11, 25), date(2026, 12, 2))


def test_the_agenda_gathers_requests_consensus_checks_sign_offs_and_overdue_actions(gatekeeper):
    meeting = LeadershipMeetingFactory(has_partner_slot=True)
    request = RequestFactory(summary="Vaccination plan")
    services.request_triage(request=request, triaged_by=gatekeeper, outcome="agenda")  # gathers it at once
    check = DecisionItemFactory(status="consensus_check", title="Care home visits")
    DecisionItemFactory(status="discussion")
    sign_off = FeedbackFactory(needs_sign_off="Back the discharge standard?")
    FeedbackFactory(needs_sign_off="")
    overdue = ActionFactory(due_on=TODAY - timedelta(days=1), title="Write to the trust")
    ActionFactory(due_on=TODAY + timedelta(days=1))

    added = services.agenda_gather(meeting=meeting)
    items = list(meeting.items.order_by("position"))
    assert added == 3
    assert [(i.kind, i.position) for i in items] == [
        ("request", 1), ("decision", 2), ("sign_off", 3), ("action", 4)
    ]
    assert items[0].request == request and items[1].decision == check
    assert items[2].feedback == sign_off and items[3].action == overdue
    # Gathering again adds nothing.
    assert services.agenda_gather(meeting=meeting) == 0


def test_requests_wait_for_a_meeting_with_a_partner_slot(gatekeeper):
    quiet = LeadershipMeetingFactory(has_partner_slot=False, meets_on=TODAY + timedelta(days=1))
    partner = LeadershipMeetingFactory(has_partner_slot=True, meets_on=TODAY + timedelta(days=8))
    request = RequestFactory()
    services.request_triage(request=request, triaged_by=gatekeeper, outcome="agenda")
    services.agenda_gather(meeting=quiet)
    assert not quiet.items.filter(request=request).exists()
    assert partner.items.filter(request=request).exists()


def test_a_removed_item_is_not_gathered_again():
    meeting = LeadershipMeetingFactory()
    ActionFactory(due_on=TODAY - timedelta(days=1))
    services.agenda_gather(meeting=meeting)
    item = meeting.items.get()
    services.agenda_item_remove(item=item)
    assert services.agenda_gather(meeting=meeting) == 0
    item.refresh_from_db()
    assert item.is_archived


def test_moving_items_swaps_neighbours_and_stops_at_the_ends():
    meeting = LeadershipMeetingFactory()
    a, b, c = (services.agenda_item_add_other(meeting=meeting, title=t) for t in "ABC")
    services.agenda_item_move(item=c, direction="up")
    assert list(meeting.items.order_by("position").values_list("title", flat=True)) == ["A", "C", "B"]
    services.agenda_item_move(item=a, direction="up")
    services.agenda_item_move(item=b, direction="down")
    assert list(meeting.items.order_by("position").values_list("title", flat=True)) == ["A", "C", "B"]
    services.agenda_item_remove(item=c)
    services.agenda_item_move(item=b, direction="up")
    assert list(meeting.items.filter(is_archived=False).order_by("position").values_list("title", flat=True)) == [
        "B", "A"
    ]


def _all_heard(*, title: str):
    """An item in a consensus check whose one seat has responded: consensus reached, not yet confirmed."""
    from decisions import services as decision_services

    from ..factories import SeatFactory

    chair = UserFactory()
    seat = SeatFactory(holder=UserFactory())
    item = DecisionItemFactory(title=title, raised_by=chair, proposed_wording="We agree.")
    the_round = decision_services.round_open(item=item, by=chair, deadline=timezone.now() + timedelta(days=7))
    decision_services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")
    return item, chair


def test_the_agenda_drops_what_was_settled_since_it_was_gathered(gatekeeper):
    from decisions import services as decision_services

    meeting = LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=1))
    withdrawn = DecisionItemFactory(status="consensus_check", title="Care home visits")
    still_open = DecisionItemFactory(status="consensus_check", title="Home visiting")
    done = ActionFactory(due_on=TODAY - timedelta(days=1), title="Write to the trust")
    ActionFactory(due_on=TODAY - timedelta(days=1), title="Call the LMC")
    services.agenda_gather(meeting=meeting)
    other = services.agenda_item_add_other(meeting=meeting, title="Any other business")
    assert len(selectors.next_agenda().items) == 5

    decision_services.item_withdraw(item=withdrawn, by=gatekeeper, reason="Overtaken by events")
    services.action_update(action=done, status="done", completion_note="Sent")
    listed = [item.title for item in selectors.next_agenda().items]
    assert listed == ["Consensus check: Home visiting", "Overdue action: Call the LMC", "Any other business"]
    # Kept, not deleted: a past agenda is the record of what was discussed.
    assert meeting.items.filter(is_archived=False).count() == 5
    # Moving steps over what is no longer listed.
    call = meeting.items.get(action__title="Call the LMC")
    services.agenda_item_move(item=call, direction="up")
    assert [item.title for item in selectors.next_agenda().items] == [
        "Overdue action: Call the LMC", "Consensus check: Home visiting", other.title]
    assert still_open.status == "consensus_check"


def test_the_agenda_brings_consensus_to_sign_off_without_gathering(client_for, chair):
    from decisions import services as decision_services

    LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=1))
    item, _ = _all_heard(title="Shared phlebotomy")
    DecisionItemFactory(status="consensus_check", title="Still asking")
    agenda = selectors.next_agenda()
    assert [(d.pk, d.title) for d in agenda.sign_offs] == [(item.pk, "Shared phlebotomy")]
    assert agenda.items == []  # nothing was gathered
    html = client_for(chair).get(reverse("representation:agenda")).content.decode()
    assert "For sign-off" in html and "Shared phlebotomy" in html
    # Gathering does not list it twice: the sign-off is its place on the agenda.
    services.agenda_gather(meeting=agenda.meeting)
    assert [i.title for i in selectors.next_agenda().items] == ["Consensus check: Still asking"]

    decision_services.item_confirm(item=item, by=chair, statement="One service from April.", publish=True)
    assert selectors.next_agenda().sign_offs == []
    assert "Shared phlebotomy" not in client_for(chair).get(reverse("representation:agenda")).content.decode()


def test_the_gather_task_schedules_the_next_meeting():
    from representation.tasks import gather_next_agenda

    ActionFactory(due_on=TODAY - timedelta(days=1))
    assert gather_next_agenda.delay().get() == 1
    assert LeadershipMeeting.objects.count() == 1
    assert LeadershipAgendaItem.objects.count() == 1


# Selectors run a fixed number of queries ------------------------------------------------------------------------


def _make_everything(n):
    for _ in range(n):
        ActionFactory(due_on=TODAY - timedelta(days=2))
        MeetingFactory(held_on=TODAY - timedelta(days=20), feedback_due_on=TODAY - timedelta(days=13))
        RequestFactory(triage_due_on=TODAY - timedelta(days=1))
        ReviewFactory(representative=RepresentativeFactory(term_starts_on=TODAY - timedelta(days=500)),
                      reviewed_on=TODAY - timedelta(days=300))
    meeting = LeadershipMeeting.objects.first() or LeadershipMeetingFactory()
    services.agenda_gather(meeting=meeting)


def _selector_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as captured:
        agenda = selectors.next_agenda()
        rows = (
            selectors.overdue_actions() + selectors.late_feedback() + selectors.requests_past_target()
            + selectors.representatives_due_review() + agenda.items
        )
        for row in rows:
            str(row)
        for item in agenda.items:
            str(item.action.owner) if item.action else None
    return len(captured.captured_queries), len(rows)


def test_selectors_run_a_fixed_number_of_queries(django_assert_max_num_queries):
    _make_everything(2)
    small, small_rows = _selector_queries(django_assert_max_num_queries)
    _make_everything(8)
    large, large_rows = _selector_queries(django_assert_max_num_queries)
    assert large_rows > small_rows
    assert small == large == 7


def test_meeting_and_feedback_models_keep_history(rep):
    item = AgendaItemFactory(meeting=MeetingFactory(held_on=TODAY))
    services.feedback_save(agenda_item=item, written_by=rep, discussed="First")
    services.feedback_save(agenda_item=item, written_by=rep, discussed="Second")
    assert Feedback.objects.get().history.count() == 2
    assert Meeting.objects.get().history.count() == 2
    assert Action.history.model is not None


def test_the_agenda_lists_the_same_items_given_the_sign_offs_it_has_read():
    meeting = LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=1))
    heard, _ = _all_heard(title="Shared phlebotomy")
    DecisionItemFactory(status="consensus_check", title="Still asking")
    services.agenda_gather(meeting=meeting)
    # Gathered while its round was still open: the sign-off above the list is now its place.
    LeadershipAgendaItem.objects.create(meeting=meeting, kind="decision", decision=heard, title="Gathered before",
                                        position=9)
    items = LeadershipAgendaItem.objects.filter(meeting=meeting)
    titles = [i.title for i in items.listed().order_by("position")]
    assert titles == ["Consensus check: Still asking"]
    assert [i.title for i in items.listed(awaiting_sign_off=[heard.pk]).order_by("position")] == titles
