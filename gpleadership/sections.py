"""The weekly digest's and the chair's dashboard's sections, read from each app's selectors.

Each section is a dict: a heading, a plain-words lead, and items (text, optional url, optional tag). Every
selector used here runs a fixed number of queries, so the digest and the dashboard do too.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from decisions import emails as decision_emails
from decisions import selectors as decision_selectors
from members import outbox
from members import selectors as member_selectors
from members.rows import address, address_of, addresses, day_writer
from priorities import emails as priority_emails
from priorities import selectors as priority_selectors
from representation import selectors as representation_selectors

from . import reminders


def _section(heading: str, lead: str, items: list[dict], *, count: int | None = None, more_url: str = "") -> dict:
    """`count` is how many there are when `items` shows only the first DASHBOARD_TOP (and `more_url` lists all)."""
    return {"heading": heading, "lead": lead, "items": items, "count": len(items) if count is None else count,
            "more_url": more_url if count is not None and count > len(items) else ""}


# A dashboard section lists the first few of what needs attention and says how many there are: at national scale a
# place can have thousands of overdue actions, and the page must stay quick.
DASHBOARD_TOP = 10


def _day(value) -> str:
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return date_format(value, "j F Y")


def digest_news(*, since, is_group: bool) -> list[dict]:
    """What the digest tells every reader of the place this week (the group's own business too, for the group):
    the same for everyone, so the weekly send builds it once per place (gpleadership.digest) and adds each reader's
    own links to it. Plain data (ids, texts, addresses): it can be kept in the cache."""
    item_url, exercise_url = address_of("decisions:item"), address_of("priorities:exercise")
    exercises = priority_selectors.digest_exercises(since=since)
    decisions = decision_selectors.digest_decisions(since=since, group=is_group)
    news = [
        _section(
            "Decisions agreed and published",
            "The group agreed these by consensus. Please share them with your practice team and mark them as seen.",
            [{"text": f"{item.title}: {item.statement}", "url": item_url(item.pk), "decision": item.pk}
             for item in decisions["published"]],
        ),
        _section(
            "Priorities: your practice's vote",
            "Every practice votes on the group's priorities. Your practice's voting contact casts its ballot.",
            [{"text": f"{e.title} – voting closes {_day(e.closes_at)} ({e.turnout_percent}% of practices "
                      "have voted)", "url": exercise_url(e.pk), "exercise": e.pk}
             for e in exercises["open"]],
        ),
        _section(
            "Priorities agreed by practices",
            "The results of votes that closed, with the priorities the group will now deliver.",
            [{"text": f"{e.title}: " + ", ".join(p.title for p in e.agreed) if e.agreed else
              f"{e.title}: result published", "url": exercise_url(e.pk)} for e in exercises["results"]],
        ),
    ]
    if is_group:
        agenda = representation_selectors.next_agenda(sign_offs=False)  # read with the decisions, above
        agenda_url = address("representation:agenda")
        news += [
            _section(
                "In a consensus check",
                "Each seat's holder or deputy records a position before the deadline.",
                [{"text": f"{c.item__title} (round {c.number}) – deadline {_day(c.deadline)}",
                  "url": item_url(c.item_id), "round": c.pk} for c in decisions["consensus_checks"]],
            ),
            _section(
                "Consensus reached, waiting for the chair to confirm",
                "Every seat has responded and none blocks. The chair confirms the outcome and writes the decision.",
                # The agenda's sign-offs: the same rule (DecisionItem.objects.awaiting_sign_off), asked once.
                [{"text": item.title, "url": item_url(item.pk)} for item in decisions["sign_offs"]],
            ),
            _section(
                "Next leadership meeting" + (f", {_day(agenda.meeting.meets_on)}" if agenda.meeting else ""),
                "The agenda as it stands.",
                [{"text": item.title, "url": agenda_url} for item in agenda.items],
            ),
        ]
    return news


def for_digest_readers(*, readers, news_for) -> dict[int, list[dict]]:
    """The golden thread for each reader, by id: the place's news (`news_for(is_group)`, for the group or for
    practices) with one-click links (members.email_links) on what waits on that person: "acknowledge for
    <practice>", "open the ballot for <practice>", "respond for <seat>". `readers` are (user, is_group) pairs: one
    for a preview, a hundred for a batch of the weekly send, in a fixed number of queries (five for each kind of
    news)."""
    result: dict[int, list[dict]] = {}
    for is_group in (True, False):
        users = [user for user, group in readers if group is is_group]
        if not users:
            continue
        news = news_for(is_group)
        items = [item for section in news for item in section["items"]]
        to_acknowledge = decision_selectors.practices_to_acknowledge_by_reader(
            users=users, item_ids=[item["decision"] for item in items if "decision" in item])
        to_vote = priority_selectors.ballots_to_cast_by_reader(
            users=users, exercise_ids=[item["exercise"] for item in items if "exercise" in item])
        to_respond = decision_selectors.seats_to_respond_by_reader(
            users=users, round_ids=[item["round"] for item in items if "round" in item]) if is_group else {}
        actions = representation_selectors.actions_for_digest_by_reader(users)
        for user in users:
            result[user.pk] = _reader_sections(
                news, to_acknowledge=to_acknowledge.get(user.pk, {}), to_vote=to_vote.get(user.pk, {}),
                to_respond=to_respond.get(user.pk, {}), actions=actions[user.pk])
    return result


def _reader_sections(news, *, to_acknowledge, to_vote, to_respond, actions) -> list[dict]:
    def links(item) -> list[dict]:
        if "decision" in item:
            return [{"text": f"Acknowledge for {practice.name}", "url": decision_emails.acknowledge_link(
                item_id=item["decision"], practice_id=practice.pk)}
                for practice in to_acknowledge.get(item["decision"], [])]
        if "exercise" in item:
            return [{"text": f"Open the ballot for {practice.name}", "url": priority_emails.ballot_link(
                exercise_id=item["exercise"], practice_id=practice.pk)}
                for practice in to_vote.get(item["exercise"], [])]
        if "round" in item:
            return [{"text": f"Respond for {seat.title}", "url": decision_emails.respond_link(
                round_id=item["round"], seat_id=seat.pk)} for seat in to_respond.get(item["round"], [])]
        return []

    action_url = address_of("representation:action")
    # A letter to this person: what their practice still has to do comes first (with its one-click links), then
    # their own actions, then what the group decided and is doing. The news further down names the same items
    # without the links again.
    practice_todo = _section(
        "Still to do for your practice",
        "Your practice has not yet done these. One click opens each, for the practice named.",
        [{**item, "links": found} for section in news for item in section["items"]
         if ("decision" in item or "exercise" in item) and (found := links(item))],  # each link signed once
    )
    mine = _section(
        "Your actions",
        "Open actions you own or support, overdue or due in the next two weeks.",
        [{"text": f"{a.title} – due {_day(a.due_on)}", "url": action_url(a.pk),
          "tag": "Overdue" if a.is_overdue() else ""} for a in actions],
    )
    return [practice_todo, {**mine, "items": [{**item, "links": []} for item in mine["items"]]}, *[
        {**section, "items": [{**item, "links": [] if "decision" in item or "exercise" in item else links(item)}
                              for item in section["items"]]}
        for section in news
    ]]


def _first_names(first, count: int) -> str:
    """The names of the `first` practices of `count`, and how many more there are."""
    names = ", ".join(p.name for p in first)
    return names + (f" and {count - len(first)} more" if count > len(first) else "")


def _entered_since(value, since: date) -> bool:
    """Whether an item entered its section (its date: a deadline passed, a round opened) on `since` or later: a
    time from the instant `since` began where the group is."""
    if value is None:
        return False
    if hasattr(value, "hour"):
        return value >= _start_of(since)
    return value >= since


def _published_when_low_is_new(since: date) -> datetime:
    """A decision becomes low on acknowledgements LOW_ACKNOWLEDGEMENT_AFTER_DAYS after it was published, and is new
    in that section when that moment is on `since` or later (_entered_since): when it was published at or after
    the instant returned here. In UTC, so that the days are 24 hours each across a change of the clocks, as
    published_at (a time in UTC) plus the days is. One comparison for each of a place's hundreds."""
    return _start_of(since).astimezone(UTC) - timedelta(days=decision_selectors.LOW_ACKNOWLEDGEMENT_AFTER_DAYS)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _item(text: str, *, url: str = "", tag: str = "", new: bool = False, remind: tuple[str, int] | None = None,
          chase: bool = False) -> dict:
    """A dashboard item: what it is, the page that opens it, and the reminder the chair may send about it
    (gpleadership.reminders: `remind` is its target and id; `chase` says it is an action, chased rather than
    reminded)."""
    return {"text": text, "url": url, "tag": tag, "new": new, "chase": chase,
            "remind": {"target": remind[0], "pk": remind[1]} if remind else None}


def _dashboard_section(heading: str, lead: str, items: list[dict], *, count: int | None = None, more_url: str = "",
                       new: int | None = None) -> dict:
    """A section with how many of its items are "new since last week": counted by the database for a section that
    lists only its first few (`new`), from its items otherwise."""
    section = _section(heading, lead, items, count=count, more_url=more_url)
    section["new"] = sum(1 for item in items if item["new"]) if new is None else new
    return section


def for_dashboard(*, today, since: date | None = None, reminded: set | None = None) -> list[dict]:
    """The chair's dashboard, most urgent first. `since` (the start of last week) marks what entered each section
    since then as new; `reminded`, the (target, id) of items reminded today (gpleadership.reminders.reminded_on).
    A fixed number of queries."""
    since = since or today
    reminded = reminded or set()
    now = timezone.now()
    attention = decision_selectors.chair_attention(now=now)
    counts = representation_selectors.attention_counts(today=today, since=since)
    plan_items, plan_count, plan_new = priority_selectors.plan_items_needing_attention_first(
        shown=DASHBOARD_TOP, today=today, since=since)
    not_voted = priority_selectors.practices_not_voted_first(shown=DASHBOARD_TOP)
    practices = member_selectors.practices_without_voting_contact()
    review_after = timedelta(days=representation_selectors.REVIEW_INTERVAL_DAYS)
    new_since = representation_selectors.new_if_dated_from(since)  # as attention_counts counts them
    low_new_from = _published_when_low_is_new(since)
    low_acknowledgement = attention["low_acknowledgement"]
    # Each address reversed once (members.rows), not once an item; each date written as _day writes it, the month
    # names and the time zone looked up once.
    day = day_writer(long=True)
    (item_url, exercise_url, priority_url, action_url, meeting_url, request_url, representative_url,
     organisation_url, seat_url) = (address_of(name) for name in (
        "decisions:item", "priorities:exercise", "priorities:priority", "representation:action",
        "representation:meeting", "representation:request", "representation:representative", "members:organisation",
        "members:seat_edit"))
    published_url, priorities_url, actions_url, forums_url, requests_url, invitations_url = addresses((
        "decisions:published", "priorities:list", "representation:actions", "representation:forums",
        "representation:requests", "members:invitations"))
    all_sections = [
        _dashboard_section(
            "Consensus rounds past their deadline",
            "Still open after the deadline: close them (without consensus if seats are missing).",
            [_item(f"{r.item.title}, round {r.number} – deadline {day(r.deadline)}", tag="Overdue",
                   url=item_url(r.item_id), new=_entered_since(r.deadline, since))
             for r in attention["overdue_rounds"]],
        ),
        _dashboard_section(
            "Seats not yet heard in open rounds",
            "Consensus needs every seat to respond. A phone call now saves a second round.",
            [_item(f"{w['item'].title}: " + ", ".join(s.title for s in w["seats"]), tag="Unheard",
                   url=item_url(w["item"].pk), new=_entered_since(w["round"].opened_at, since),
                   # Past the deadline a seat can no longer respond: the round is for closing, not for reminders.
                   remind=(reminders.ROUND, w["round"].pk) if w["round"].is_live(now) else None)
             for w in attention["seats_not_responded"]],
        ),
        _dashboard_section(
            "Published decisions practices have not seen",
            "Fewer than half of practices have acknowledged these after two weeks.",
            # The most recently published first (they have just passed the two weeks): a place can have hundreds.
            [_item(f"{d['item'].title} – {d['acknowledged']} of {d['practices']} practices", tag="Unheard",
                   url=item_url(d["item"].pk), new=d["item"].published_at >= low_new_from)
             for d in low_acknowledgement[::-1][:DASHBOARD_TOP]],
            count=len(low_acknowledgement),
            new=sum(1 for d in low_acknowledgement if d["item"].published_at >= low_new_from),
            more_url=published_url,
        ),
        _dashboard_section(
            "Practices that have not voted",
            "In priority votes that are open now.",
            [_item(f"{exercise.title}: " + _first_names(first, missing), tag=f"{missing} to vote",
                   url=exercise_url(exercise.pk),
                   new=_entered_since(exercise.opens_at, since), remind=(reminders.EXERCISE, exercise.pk))
             for exercise, (first, missing) in not_voted.items() if missing],
            # Counted in practices (a practice missing from two votes counts twice), not in votes.
            count=sum(missing for _, missing in not_voted.values()),
            new=sum(missing for exercise, (_, missing) in not_voted.items()
                    if _entered_since(exercise.opens_at, since)),
        ),
        _dashboard_section(
            "Delivery plan items overdue, red or amber",
            "From the agreed priorities' delivery plans.",
            [_item(f"{item.priority.title}: {item.title} (lead {item.lead}"
                   + (f", due {day(item.due_date)}" if item.due_date else "") + ")",
                   tag=item.get_rag_status_display(), url=priority_url(item.priority_id),
                   new=item.is_new)
             for item in plan_items],
            count=plan_count, new=plan_new, more_url=priorities_url,
        ),
        _dashboard_section(
            "Overdue actions",
            "Actions from meetings, decisions and priorities past their due date.",
            [_item(f"{a.title} – {a.owner.get_full_name()}, due {day(a.due_on)}", tag="Overdue",
                   url=action_url(a.pk),
                   new=a.due_on >= new_since, remind=(reminders.ACTION, a.pk), chase=True)
             for a in representation_selectors.overdue_actions(today=today, limit=DASHBOARD_TOP)],
            count=counts["overdue_actions"], new=counts["overdue_actions_new"],
            more_url=actions_url,
        ),
        _dashboard_section(
            "Feedback not yet filed",
            "System meetings whose feedback is late: the group has not heard what was agreed.",
            [_item(f"{m.forum.name}, {day(m.held_on)} – feedback was due {day(m.feedback_due_on)}", tag="Late",
                   url=meeting_url(m.pk),
                   new=m.feedback_due_on >= new_since, remind=(reminders.FEEDBACK, m.pk))
             for m in representation_selectors.late_feedback(today=today, limit=DASHBOARD_TOP)],
            count=counts["late_feedback"], new=counts["late_feedback_new"], more_url=forums_url,
        ),
        _dashboard_section(
            "Requests waiting too long for triage",
            "Requests from system partners past the target time to triage.",
            [_item(f"{r.summary} – {r.organisation_name}, received {day(r.received_at)}", tag="Overdue",
                   url=request_url(r.pk),
                   new=r.triage_due_on >= new_since)
             for r in representation_selectors.requests_past_target(today=today, limit=DASHBOARD_TOP)],
            count=counts["requests_past_target"], new=counts["requests_past_target_new"],
            more_url=requests_url,
        ),
        _dashboard_section(
            "Representatives due a review",
            "The group reviews each representative regularly.",
            [_item(f"{r.user.get_full_name()} – {r.get_role_display()}, {r.forum.name}", tag="Review due",
                   url=representative_url(r.pk),
                   new=_entered_since((r.last_reviewed_on or r.term_starts_on) + review_after, since))
             for r in representation_selectors.representatives_due_review(today=today)],
        ),
        _dashboard_section(
            "Practices with no voting contact",
            "These practices cannot vote on priorities until someone is named as their voting contact.",
            [_item(f"{p.name}" + (f" ({p.pcn.name})" if p.pcn else ""),
                   url=organisation_url(p.pk), tag="Unheard") for p in practices],
        ),
        _dashboard_section(
            "Vacant seats on the group",
            "A member organisation without a seat holder is not heard in consensus rounds.",
            [_item(s.title, tag="Vacant", url=seat_url(s.pk))
             for s in member_selectors.vacant_seats()],
        ),
        _dashboard_section(
            "Emails that could not be sent",
            "The portal tried several times and gave up: check the address, then ask the administrator to resend.",
            [_item(f"{outbox.describe(e.kind)} to {e.addressed_to or e.recipient or 'nobody yet'}"
                   f" – {e.last_error[:120]}", tag="Failed", new=_entered_since(e.created_at, since))
             for e in member_selectors.failed_emails()],
        ),
        _dashboard_section(
            "Invitations that lapsed unused",
            "Invited in the last month but never signed in: worth a phone call.",
            [_item(f"{i.full_name} ({i.email}), {i.role_title}, {i.organisation.name}", tag="Lapsed",
                   url=invitations_url, new=_entered_since(i.expires_at, since))
             for i in member_selectors.lapsed_invitations()],
        ),
    ]
    for section in all_sections:
        for item in section["items"]:
            item["reminded"] = item["remind"] is not None and (
                item["remind"]["target"], item["remind"]["pk"]) in reminded
    return all_sections
