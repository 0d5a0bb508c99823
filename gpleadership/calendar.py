"""A person's calendar feed (RFC 5545): what concerns them, from every place they work in.

- leadership meetings of each group they are on (the system partners' weeks marked),
- meetings of the forums they represent the group on, and the day their feedback is due,
- the deadline of each open consensus round that asks a seat they hold or deputise for,
- the closing time of each open priority vote their practice votes in (they are its voting contact),
- the due date of each open action they own or support.

Every event's UID names the record it comes from, so a calendar that fetches the feed again replaces an event that
moved instead of adding a second one. Dates without a time (meetings, due dates) are all-day events; deadlines are
instants in UTC. The feed runs a fixed number of queries however much it holds.
"""

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from decisions.models import Round
from members import access, places
from members.models import GroupRole, Membership
from priorities.models import Exercise
from representation.models import Action, LeadershipMeeting, Meeting, Representative

# How far back the feed reaches: enough for "what did we agree last month", not the whole archive.
HISTORY_DAYS = 92


def _event(uid: str, summary: str, start, *, url: str = "", description: str = "", categories=(), all_day: bool):
    event = Event()
    event.add("uid", f"{uid}@{urlsplit(settings.SITE_URL).hostname or 'gpleadership'}")
    event.add("dtstamp", timezone.now())
    event.add("summary", summary)
    if all_day:
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # a due date does not make the person busy all day
    else:
        event.add("dtstart", start.astimezone(UTC))
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    if categories:
        event.add("categories", list(categories))
    return event


def events_for(user, *, today=None) -> list[Event]:
    """The person's events. Every query starts from the person's own roles, seats, appointments, practices and
    actions, so it reads across places (members.places.unscoped) without showing anything of a place that is not
    theirs: a representative or an action owner need not be on the group to see their own dates."""
    today = today or timezone.localdate()
    since = today - timedelta(days=HISTORY_DAYS)
    rows = []  # (place, uid, summary, start, all_day, url name and args, description, categories)

    with places.unscoped():
        group_places = GroupRole.objects.live().filter(user=user).values("place_id")
        for meeting in LeadershipMeeting.objects.filter(
            place_id__in=group_places, is_archived=False, meets_on__gte=since
        ).select_related("place").order_by("meets_on"):
            partners = meeting.has_partner_slot
            rows.append((
                meeting.place, f"leadership-meeting-{meeting.pk}",
                "GP leadership group meeting" + (" – system partners' slot" if partners else ""),
                meeting.meets_on, True, ("representation:agenda",),
                "System partners have a slot on this week's agenda." if partners else "",
                ["System partners"] if partners else [],
            ))

        forums = Representative.objects.current().filter(user=user).values("forum_id")
        for meeting in Meeting.objects.current().filter(forum_id__in=forums, held_on__gte=since).select_related(
            "forum__place"
        ).order_by("held_on"):
            forum = meeting.forum
            rows.append((forum.place, f"forum-meeting-{meeting.pk}", forum.name, meeting.held_on, True,
                         ("representation:meeting", meeting.pk),
                         f"You represent general practice at {forum.name}. Read the briefing before.", []))
            if meeting.feedback_completed_at is None:
                rows.append((forum.place, f"forum-feedback-{meeting.pk}", f"Feedback due: {forum.name}",
                             meeting.feedback_due_on, True, ("representation:meeting", meeting.pk), "", []))

        asked = Round.seats.through.objects.filter(seat_id__in=access.seat_ids(user), round__closed_at__isnull=True)
        for link in asked.select_related("round__item__place", "seat").order_by("round__deadline"):
            the_round, seat = link.round, link.seat
            rows.append((
                the_round.item.place, f"round-{the_round.pk}-seat-{seat.pk}",
                f"Consensus deadline: {the_round.item.title} ({seat.title})", the_round.deadline, False,
                ("decisions:respond", the_round.item_id, the_round.number, seat.pk),
                f"{seat.title} gives its position on round {the_round.number} before this time.", [],
            ))

        practices = {}
        for membership in Membership.objects.voting_contacts().filter(user=user).select_related("organisation"):
            practices.setdefault(membership.organisation.place_id, []).append(membership.organisation)
        for exercise in Exercise.objects.open().filter(place_id__in=practices).select_related("place").order_by(
            "closes_at"
        ):
            for practice in practices[exercise.place_id]:
                rows.append((
                    exercise.place, f"exercise-{exercise.pk}-practice-{practice.pk}",
                    f"Voting closes: {exercise.title} ({practice.name})", exercise.closes_at, False,
                    ("priorities:vote", exercise.pk, practice.pk),
                    f"The last moment to cast or change {practice.name}'s ballot.", [],
                ))

        for action in Action.objects.open().for_person(user).select_related("place").order_by("due_on", "pk"):
            rows.append((action.place, f"action-{action.pk}", f"Action due: {action.title}", action.due_on, True,
                         ("representation:action", action.pk), "", []))

    # Where the person works in several places, each event says which.
    several = len({place.pk for place, *_ in rows if place is not None}) > 1
    events = []
    for place, uid, summary, start, all_day, (name, *args), description, categories in rows:
        url = settings.SITE_URL + (f"/{place.slug}" if place else "") + reverse(name, args=args)
        if several and place is not None:
            summary = f"{summary} ({place.name})"
        events.append(_event(uid, summary, start, url=url, description=description, categories=categories,
                             all_day=all_day))
    return events


def feed_for(user) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//GP Leadership Portal//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "GP leadership")
    # Ask subscribing calendars to look again every hour (Outlook and Google choose for themselves).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events_for(user):
        calendar.add_component(event)
    return calendar.to_ical()

