"""Demo data for representation: three forums with representatives and deputies, briefed and fed-back meetings
(one with late feedback), open and overdue actions, requests in every triage state, a review, and the next
leadership meeting's agenda. Idempotent: a second run finds what the first made and changes nothing.

Requests are written directly rather than through request_submit/request_triage so that the demo emails nobody.
Each thing is written at its own moment over the past months (members.demo.as_of).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.demo import as_of, days_ago
from members.models import Organisation

from . import services
from .models import (
    Action,
    AgendaItem,
    Briefing,
    BriefingComment,
    Feedback,
    Forum,
    Meeting,
    Relationship,
    RepresentationLead,
    Representative,
    Request,
    Review,
)


def _partner(place, kind, name):
    organisation = Organisation.objects.filter(place=place, kind=kind).order_by("pk").first()
    if organisation is None:
        organisation = Organisation.objects.create(place=place, kind=kind, name=name)
    return organisation


def _forum(name, host, cadence, *, formal=True, purpose="", due_days=7):
    forum, _ = Forum.objects.get_or_create(
        name=name,
        defaults={"host": host, "cadence": cadence, "is_formal_seat": formal, "purpose": purpose,
                  "feedback_due_days": due_days},
    )
    return forum


def _appoint(forum, user, role, today):
    current = Representative.objects.current().filter(forum=forum, role=role).first()
    if current:
        return current
    with as_of(today - timedelta(days=244)):
        return Representative.objects.create(
            forum=forum, user=user, role=role, term_starts_on=today - timedelta(days=240),
            term_ends_on=today + timedelta(days=490),
        )


def _brief(agenda_item, written_by, at, **words):
    with as_of(at):
        return Briefing.objects.create(agenda_item=agenda_item, written_by=written_by, **words)


def _meeting(forum, held_on, created_by, items):
    """A meeting, put in the diary (with its agenda) three weeks before it is held."""
    with as_of(held_on - timedelta(days=21)):
        meeting = Meeting.objects.create(
            forum=forum, held_on=held_on, feedback_due_on=services.feedback_due_on(forum=forum, held_on=held_on),
            created_by=created_by,
        )
        return meeting, [
            AgendaItem.objects.create(meeting=meeting, title=title, position=n) for n, title in enumerate(items, 1)
        ]


@transaction.atomic
def load_representation(people) -> None:
    now = days_ago(0)  # the real now, whatever moment the writes below are made as of
    today = timezone.localdate(now)
    place = people.place
    icb = _partner(place, Organisation.Kind.ICB, "North Shire Integrated Care Board")
    trust = _partner(place, Organisation.Kind.TRUST, f"{place.name} Hospitals NHS Foundation Trust")
    council = _partner(place, Organisation.Kind.COUNCIL, f"{place.name} City Council")
    cds = people.clinical_directors

    if not RepresentationLead.objects.current().exists():
        with as_of(today - timedelta(days=250)):
            RepresentationLead.objects.create(user=people.lmc_chair, slot=1)

    with as_of(today - timedelta(days=250)):
        board = _forum(f"{place.name} Place Partnership Board", icb, "Monthly, first Thursday",
                       purpose="Sets the place's plans and budgets across health and care.", due_days=5)
        interface = _forum("Acute Trust Interface Group", trust, "Every other month",
                           purpose="Referrals, discharge, results and the work that moves between hospital and "
                           "practice.")
        neighbourhood = _forum("Integrated Neighbourhood Team Steering Group", council, "Fortnightly", formal=False,
                               purpose="Shapes neighbourhood teams with community services and social care.")
    board_rep = _appoint(board, cds[0], Representative.Role.REPRESENTATIVE, today)
    _appoint(board, people.federation_director, Representative.Role.DEPUTY, today)
    _appoint(interface, cds[1], Representative.Role.REPRESENTATIVE, today)
    _appoint(interface, cds[2], Representative.Role.DEPUTY, today)
    _appoint(neighbourhood, cds[3], Representative.Role.REPRESENTATIVE, today)

    for organisation, name, role, holder in [
        (trust, "Prof. Alan Whitby", "Chief executive", people.chair),
        (icb, "Meera Sandhu", "Director of primary care", people.gatekeeper),
        (council, "Gareth Pryce", "Director of adult social care", cds[3]),
    ]:
        with as_of(today - timedelta(days=200)):
            Relationship.objects.get_or_create(
                organisation=organisation, contact_name=name, defaults={"contact_role": role, "held_by": holder}
            )

    if not Meeting.objects.filter(forum=board).exists():
        # Briefed and fed back on time; one item needs the group's sign-off.
        held_on = today - timedelta(days=12)
        meeting, (estates, access) = _meeting(board, held_on, cds[0],
                                              ["Primary care estates plan", "Same-day access hubs"])
        _brief(
            estates, cds[0], held_on - timedelta(days=4),
            position="Practices need the estates money they were promised.",
            may_agree="A joint estates review with the ICB.", must_come_back="Any practice relocation.",
            red_lines="No practice closures driven by estates savings.",
        )
        _brief(
            access, cds[0], held_on - timedelta(days=3),
            position="Hubs must add capacity, not move it out of practices.",
            may_agree="A six-month pilot in one PCN.", red_lines="No transfer of practice staff to hubs.",
        )
        with as_of(held_on + timedelta(days=1)):
            Feedback.objects.create(
                agenda_item=estates, written_by=cds[0], discussed="The ICB's draft estates strategy.",
                agreed="A joint review of practice premises by March.",
            )
        # Written two days after the first part (on time: the board wants feedback within five days), so the
        # history spans days whatever the hour the demo is loaded.
        with as_of(held_on + timedelta(days=3)):
            Feedback.objects.create(
                agenda_item=access, written_by=cds[0], discussed="A proposal for two same-day access hubs.",
                agreed="Nothing yet.", needs_sign_off="Do we back a six-month hub pilot in Riverside PCN?",
                escalations="Funding for the pilot is not confirmed.",
            )
            meeting.feedback_completed_at = timezone.now()
            meeting.save(update_fields=["feedback_completed_at"])
    if not Meeting.objects.filter(forum=interface).exists():
        # Briefed, met two weeks ago, and the feedback is late.
        held_on = today - timedelta(days=14)
        meeting, (letters, results) = _meeting(interface, held_on, cds[1],
                                               ["Discharge letters standard", "Results management"])
        _brief(
            letters, cds[1], held_on - timedelta(days=2),
            position="Discharge letters within 24 hours, electronically.",
            may_agree="A 48-hour standard for a pilot.", must_come_back="Any new work moved to practices.",
            red_lines="Practices do not chase hospital results.",
        )
    if not Meeting.objects.filter(forum=neighbourhood).exists():
        # Coming up: briefed, with a comment from the group.
        meeting, (teams,) = _meeting(neighbourhood, today + timedelta(days=6), cds[3], ["Neighbourhood team leads"])
        briefing = _brief(
            teams, cds[3], today - timedelta(days=4),
            position="Neighbourhood teams built around PCN footprints.",
            may_agree="PCN clinical directors as joint leads.", must_come_back="Any change to PCN boundaries.",
        )
        with as_of(now - timedelta(days=2, hours=3)):
            BriefingComment.objects.create(briefing=briefing, author=people.lmc_chair,
                                           body="Keep the LMC in the loop on any contract implications.")

    board_meeting = Meeting.objects.filter(forum=board).order_by("held_on").first()
    # (title, owner, support, due in days, status, note, meeting, set days ago, done days ago)
    for title, owner, support, due, status, note, meeting, set_ago, done_ago in [
        ("Send the estates survey to every practice", cds[0], people.gatekeeper, 10, "open", "", board_meeting,
         11, None),
        ("Write to the trust about discharge letters", cds[1], people.gatekeeper, -5, "in_progress", "", None,
         26, None),
        ("Draft the hub pilot evaluation questions", people.federation_director, None, -2, "open", "", board_meeting,
         11, None),
        ("Share the ICB estates strategy with PCNs", cds[0], None, -6, "open",
         "Sent to all five clinical directors.", board_meeting, 11, 7),
    ]:
        if not Action.objects.filter(title=title).exists():
            with as_of(now - timedelta(days=set_ago)):
                action = Action.objects.create(
                    title=title, owner=owner, support=support, due_on=today + timedelta(days=due), status=status,
                    meeting=meeting, created_by=people.gatekeeper,
                )
            if done_ago is not None:
                with as_of(now - timedelta(days=done_ago)):
                    action.status, action.completion_note, action.completed_at = "done", note, timezone.now()
                    action.save(update_fields=["status", "completion_note", "completed_at"])

    if not Review.objects.filter(representative=board_rep).exists():
        with as_of(today - timedelta(days=30)):
            Review.objects.create(
                representative=board_rep, reviewed_on=today - timedelta(days=30), recorded_by=people.lmc_chair,
                working_well="Clear briefings and feedback within the week.",
                overstepped_mandate="Agreed a date for the hub pilot before the group had signed it off.",
                thin_feedback="Little on the estates funding discussion.", next_steps="Bring funding numbers back.",
            )

    lmc = people.lmc
    requests = [
        ("Winter vaccination plan for care homes", 2, "", "", None),
        ("Frailty register data sharing", 10, "", "", None),  # past the triage target
        ("Community diagnostic centre referrals", 8, "agenda", "", None),
        ("Draft urgent care strategy for comment", 9, "paper", "", None),
        ("New named contact for the 111 service", 6, "message", "", None),
        ("Anticipatory care pilot", 7, "more_work", "Please send the outcome measures and the funding for practices.",
         None),
        ("Changes to the GP contract locally", 12, "redirected", "Contract matters belong to the LMC.", lmc),
        ("Practices to run the phlebotomy service", 11, "declined",
         "Phlebotomy is a commissioned service; practices have not been offered the funding.", None),
    ]
    for summary, ago, outcome, reason, redirected_to in requests:
        if Request.objects.filter(summary=summary).exists():
            continue
        received = now - timedelta(days=ago, hours=ago % 5)
        with as_of(received):
            request = Request.objects.create(
                requester_name="Meera Sandhu" if ago % 2 else "Dr Owen Reilly",
                requester_email="meera.sandhu@icb.demo.nhs.uk" if ago % 2 else "owen.reilly@trust.demo.nhs.uk",
                requester_role="Director of primary care" if ago % 2 else "Associate medical director",
                organisation_name=icb.name if ago % 2 else trust.name,
                summary=summary, details=f"{summary}: we would like general practice's view and support.",
                needed_by=today + timedelta(days=30 - ago), received_at=received,
                triage_due_on=services.triage_due_on(received),
            )
        if outcome:
            with as_of(received + timedelta(days=3)):
                request.outcome, request.outcome_reason, request.redirected_to = outcome, reason, redirected_to
                request.triaged_by, request.triaged_at = people.gatekeeper, timezone.now()
                request.save(update_fields=["outcome", "outcome_reason", "redirected_to", "triaged_by",
                                            "triaged_at"])

    services.agenda_gather(meeting=services.leadership_meeting_for_partners(today=today), today=today)
    services.agenda_gather(meeting=services.leadership_meeting_next(today=today), today=today)
