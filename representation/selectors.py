"""Read functions for the representation pages, the weekly digest and the chair's dashboard. Each runs a fixed
number of queries, whatever the amount of data."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from decisions.models import DecisionItem
from members import prepared
from members.models import Place, User
from members.papers import with_versions
from members.places import unscoped
from priorities.models import AgreedPriority

from .models import (
    REVIEW_INTERVAL_DAYS,
    Action,
    AgendaItem,
    BriefingComment,
    BriefingPaper,
    Forum,
    LeadershipAgendaItem,
    LeadershipMeeting,
    Meeting,
    MeetingPaper,
    RepresentationLead,
    Representative,
    Request,
    RequestPaper,
    Review,
)


def forum_list(*, today: date | None = None) -> dict:
    """The forums page: current forums by name, each with its current representatives (`current_representatives`),
    how many of its meetings are late with feedback (`late_meetings`) and the day of its next meeting
    (`next_meeting_on`); and the representation leads. Three queries."""
    today = today or timezone.localdate()
    # Each from SQL compiled once a day (members.prepared), the representatives read for the same forums rather
    # than prefetched by their ids: building and compiling the forums' query cost more than running it.
    forums = prepared.objects("forums", lambda today: (
        Forum.objects.current()
        .select_related("host")
        .annotate(
            late_meetings=Count("meetings", filter=Q(meetings__in=Meeting.objects.feedback_late(today))),
            next_meeting_on=Min("meetings__held_on", filter=Q(meetings__is_archived=False,
                                                              meetings__held_on__gte=today)),
        )
        .order_by("name")
    ), today=today)
    representatives: dict[int, list[Representative]] = {}
    for representative in prepared.objects("forums.representatives", lambda: (
        Representative.objects.current().filter(forum__in=Forum.objects.current().values("pk"))
        .select_related("user").order_by("role", "pk")
    )):
        representatives.setdefault(representative.forum_id, []).append(representative)
    for forum in forums:
        forum.current_representatives = representatives.get(forum.pk, [])
    leads = prepared.objects("forums.leads", lambda: RepresentationLead.objects.current().select_related("user"))
    return {"forums": forums, "leads": leads}


def forum_page(forum: Forum) -> dict:
    """A forum's representatives, past and present (those in post first), and its meetings, latest first, each
    with `item_count`, with how many there are (`meeting_count`) and the first n (`first_meetings(n)`). Three
    queries."""
    def listed(meetings):
        return (meetings.current().annotate(item_count=Count("agenda_items", filter=Q(agenda_items__is_archived=False)))
                .order_by("-held_on"))

    def first_meetings(limit: int) -> list[Meeting]:
        shown = prepared.objects(("forum.first_meetings", limit),
                                 lambda pk: listed(Meeting.objects.filter(forum_id=pk))[:limit], pk=forum.pk)
        for meeting in shown:
            meeting.forum = forum  # as forum.meetings would give them: the page names each one's forum
        return shown

    return {
        # From SQL compiled once a day (members.prepared): the representatives, and the meetings' count and first
        # page, which `first_meetings(n)` gives.
        "representatives": prepared.objects("forum.representatives", lambda pk: Representative.objects.filter(
            forum_id=pk, is_archived=False).select_related("user").order_by("stood_down_on", "role", "-term_starts_on"),
            pk=forum.pk),
        "meetings": listed(forum.meetings),
        "meeting_count": prepared.counts("forum.meeting_count", lambda pk: prepared.one_row(
            Meeting.objects.current().filter(forum_id=pk), n=Count("*")), pk=forum.pk)["n"],
        "first_meetings": first_meetings,
    }


def _fetched_or_none(item, name: str):
    """A one-to-one that select_related fetched, or None where there is none (reading a missing one raises)."""
    try:
        return getattr(item, name)
    except ObjectDoesNotExist:
        return None


def meeting_page(meeting: Meeting) -> dict:
    """A meeting's agenda in order, each item with `the_briefing` (its comments in `visible_comments`, the decisions
    and priorities it rests on in `decision_list` and `priority_list`, their ids and titles, its papers in
    `paper_list`), `the_feedback`, or None, and its papers (`paper_list`); the meeting's own minutes and papers
    (`papers`); and the first actions raised at the meeting with how many there are. Three queries.
    Papers are the current versions, each with its `earlier` ones (members.papers.with_versions)."""
    # Each from SQL compiled once a day (members.prepared), what hangs from the briefings read for the meeting
    # rather than prefetched by the briefings' ids: building and compiling them cost more than running them.
    # The join of six tables cost PostgreSQL 1.4 ms to plan and a tenth of that to run: run with its generic plan.
    items = prepared.objects("meeting.items", lambda pk: (
        AgendaItem.objects.filter(meeting_id=pk, is_archived=False)
        .select_related("briefing__written_by", "feedback__written_by", "feedback__sign_off_decision")
        .order_by("position")), generic=True, pk=meeting.pk)
    attached = _agenda_attachments(meeting.pk)
    decisions = _listed_by([link for link in attached["links"] if link.kind == _DECISION], "briefing_id")
    priorities = _listed_by([link for link in attached["links"] if link.kind == _PRIORITY], "briefing_id")
    comments = _listed_by(attached["comments"], "briefing_id")
    by_item = _grouped(attached["meeting_papers"], "agenda_item_id")
    by_briefing = _grouped(attached["briefing_papers"], "briefing_id")
    for item in items:
        item.the_briefing = _fetched_or_none(item, "briefing")
        item.the_feedback = _fetched_or_none(item, "feedback")
        item.paper_list = by_item.get(item.pk, [])
        if item.the_briefing:
            briefing = item.the_briefing
            briefing.visible_comments = comments.get(briefing.pk, [])
            briefing.decision_list = decisions.get(briefing.pk, [])
            briefing.priority_list = priorities.get(briefing.pk, [])
            briefing.paper_list = by_briefing.get(briefing.pk, [])

    def first_actions(pk):
        actions = Action.objects.filter(meeting_id=pk, is_archived=False)
        # How many there are rides on the first few: a subquery that does not depend on the row, which Postgres
        # counts once for the query (and not a window over every action, which would fetch their owners too).
        count = actions.order_by().values("meeting").annotate(n=Count("pk")).values("n")
        return (actions.select_related("owner").annotate(of=Subquery(count)).order_by("due_on", "pk")
                [:MEETING_ACTIONS_SHOWN])

    shown = prepared.objects("meeting.actions", first_actions, pk=meeting.pk)
    return {"items": items, "papers": by_item.get(None, []), "actions": shown,
            "action_count": shown[0].of if shown else 0}


# What each row of _agenda_attachments's query is.
_MEETING_PAPER, _BRIEFING_PAPER, _DECISION, _PRIORITY, _COMMENT = (
    "meeting paper", "briefing paper", "decision", "priority", "comment")
# The columns of that query, each with its type: every part reads those it has and leaves the others empty.
_ATTACHMENT_COLUMNS = {
    "a_kind": CharField, "a_order": IntegerField, "a_owner": IntegerField, "a_item": IntegerField,
    "a_text": CharField, "a_at": DateTimeField, "a_person": IntegerField, "a_person_name": CharField,
    "a_person_email": CharField, "a_paper_kind": CharField, "a_file": CharField, "a_original_name": CharField,
    "a_content_type": CharField, "a_size": IntegerField, "a_sha256": CharField, "a_supersedes": IntegerField,
}
# What a row of a paper reads, by column.
_PAPER_PARTS = {"a_text": "title", "a_at": "uploaded_at", "a_person": "uploaded_by_id",
                "a_person_name": "uploaded_by__full_name", "a_person_email": "uploaded_by__email",
                "a_file": "file", "a_original_name": "original_name", "a_content_type": "content_type",
                "a_size": "size", "a_sha256": "sha256", "a_supersedes": "supersedes_id"}


def _agenda_attachments(meeting_pk: int) -> dict:
    """What hangs from a meeting and its agenda, in one query from prepared SQL (members.prepared), five reads
    joined by UNION ALL, each row marked with which it is: every version of the meeting's papers (`meeting_papers`)
    and of its briefings' papers (`briefing_papers`), each with its `uploaded_by`; the decisions and priorities the
    briefings of its agenda (items not archived) rest on (`links`: `kind`, `briefing_id`, `pk` and `title`, each
    kind in its model's own order); and those briefings' comments not archived (`comments`, each with its
    `author`, in their order)."""
    def of_briefings(queryset, pk):
        return queryset.filter(briefings__agenda_item__meeting_id=pk, briefings__agenda_item__is_archived=False)

    def rows(queryset, kind: str, **columns):
        everything = {name: columns[name] if name in columns else Value(None, output_field=field())
                      for name, field in _ATTACHMENT_COLUMNS.items() if name != "a_kind"}
        return (queryset.order_by().annotate(a_kind=Value(kind), **everything)
                .values_list("pk", *_ATTACHMENT_COLUMNS, named=True))

    def in_order(queryset):
        return Window(RowNumber(), order_by=queryset.model._meta.ordering)

    def paper(**columns):
        # Papers are listed by with_versions, in no order of the query's. Typed, for PostgreSQL to prepare the union.
        return {name: F(path) for name, path in _PAPER_PARTS.items()} | {"a_order": Cast(0, IntegerField())} | columns

    def every(pk):
        comments = BriefingComment.objects.filter(briefing__agenda_item__meeting_id=pk,
                                                  briefing__agenda_item__is_archived=False, is_archived=False)
        decisions = of_briefings(DecisionItem.objects, pk)
        priorities = of_briefings(AgreedPriority.objects, pk)
        # A meeting's papers first: PostgreSQL types each column of a UNION from its parts in turn, and two parts'
        # bare NULLs would make a number or a time a text.
        return rows(MeetingPaper.objects.filter(meeting_id=pk), _MEETING_PAPER,
                    **paper(a_owner=F("meeting_id"), a_item=F("agenda_item_id"), a_paper_kind=F("kind"))).union(
            rows(BriefingPaper.objects.filter(briefing__agenda_item__meeting_id=pk), _BRIEFING_PAPER,
                 **paper(a_owner=F("briefing_id"))),
            rows(comments, _COMMENT, a_order=in_order(comments), a_owner=F("briefing_id"), a_text=F("body"),
                 a_at=F("created_at"), a_person=F("author_id"), a_person_name=F("author__full_name"),
                 a_person_email=F("author__email")),
            rows(decisions, _DECISION, a_order=in_order(decisions), a_owner=F("briefings"), a_text=F("title")),
            rows(priorities, _PRIORITY, a_order=in_order(priorities), a_owner=F("briefings"), a_text=F("title")),
            all=True).order_by("a_kind", "a_order")

    found = {"meeting_papers": [], "briefing_papers": [], "links": [], "comments": []}
    for row in prepared.objects("meeting.attachments", every, pk=meeting_pk):
        person = (User(pk=row.a_person, full_name=row.a_person_name, email=row.a_person_email)
                  if row.a_person is not None else None)
        if row.a_kind in (_MEETING_PAPER, _BRIEFING_PAPER):
            fields = {"pk": row.pk, "title": row.a_text, "file": row.a_file, "original_name": row.a_original_name,
                      "content_type": row.a_content_type, "size": row.a_size, "sha256": row.a_sha256,
                      "uploaded_by": person, "uploaded_at": row.a_at, "supersedes_id": row.a_supersedes}
            if row.a_kind == _MEETING_PAPER:
                found["meeting_papers"].append(MeetingPaper(**fields, meeting_id=row.a_owner, kind=row.a_paper_kind,
                                                            agenda_item_id=row.a_item))
            else:
                found["briefing_papers"].append(BriefingPaper(**fields, briefing_id=row.a_owner))
        elif row.a_kind == _COMMENT:
            found["comments"].append(BriefingComment(pk=row.pk, briefing_id=row.a_owner, body=row.a_text,
                                                     created_at=row.a_at, author=person))
        else:
            found["links"].append(_Link(row.a_kind, row.a_owner, row.pk, row.a_text))
    return found


@dataclass(frozen=True)
class _Link:
    """A decision or priority a briefing rests on: what the agenda shows of it."""
    kind: str
    briefing_id: int
    pk: int
    title: str


def _listed_by(rows, key: str) -> dict:
    """Rows by the value of their `key`, in the order they came."""
    groups = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


# A meeting page lists its first actions, soonest due; the action log lists them all (filtered by the meeting).
MEETING_ACTIONS_SHOWN = 10


def _grouped(papers, key: str) -> dict:
    """Papers (every version, one query) by the value of `key`, each group as with_versions gives it."""
    return {value: with_versions(group) for value, group in _listed_by(papers, key).items()}


def briefing_papers(briefing) -> list:
    """A briefing's papers, current versions with their earlier ones. One query."""
    return with_versions(BriefingPaper.objects.filter(briefing=briefing).select_related("uploaded_by"))


def request_papers(request: Request) -> list:
    """A request's papers, current versions with their earlier ones. One query."""
    return with_versions(RequestPaper.objects.filter(request=request).select_related("uploaded_by"))


def action_list(*, person=None, meeting_id: int | None = None, show_closed: bool = False,
                today: date | None = None) -> dict:
    """The action log, soonest due first: open actions (all of them with `show_closed`), only those `person` owns
    or supports if given, and how many are overdue. `actions()` is a query for the page to paginate, each action
    with the title of its decision and priority, if any (`decision_title`, `priority_title`), and `first(n)` its
    first n actions; `count` says how many it lists and `overdue_count` how many are overdue, both from one query."""
    today = today or timezone.localdate()
    ids = {name: pk for name, pk in (("person_id", person and person.pk), ("meeting_id", meeting_id)) if pk}

    def listed(person_id=None, meeting_id=None):
        actions = Action.objects.filter(is_archived=False)
        if person_id is not None:
            actions = actions.for_person(person_id)
        return actions.filter(meeting_id=meeting_id) if meeting_id is not None else actions

    # Sent as SQL, planned for its values: the generic plan read the place's every action by the place's index (1.6
    # ms at national scale) where, planned for the statuses, the action_place_open_people index alone answers (0.6
    # ms).
    counts = prepared.counts(("actions.counts", tuple(sorted(ids)), show_closed),
                             lambda today, **ids: listed(**ids).counts(today, open_only=not show_closed),
                             on_server=False, today=today, **ids)

    def shown(**ids):
        # The two titles by subquery, not by join: a sixth and seventh table in the join cost Postgres 4 ms to plan,
        # more than the query takes to run (issue 12).
        # Only the columns the log's rows show (representation_rows.action_rows): its 25 rows' four tables read
        # whole, passwords and all, cost more to turn into instances than the query takes to run.
        actions = listed(**ids).select_related("owner", "support", "meeting__forum").only(
            "title", "owner__full_name", "owner__email", "support__full_name", "support__email", "due_on", "status",
            "meeting__held_on", "meeting__forum__name", "decision_id", "priority_id", "is_archived",
        ).annotate(
            decision_title=Subquery(DecisionItem.objects.filter(pk=OuterRef("decision_id")).order_by()
                                    .values("title")),
            priority_title=Subquery(AgreedPriority.objects.filter(pk=OuterRef("priority_id")).order_by()
                                    .values("title")),
        )
        return (actions if show_closed else actions.open()).order_by("due_on", "pk")

    def first(limit: int) -> list[Action]:
        # The first page, which most people read, from prepared SQL (members.prepared).
        # One person's are not prepared on the server: the generic plan for them sorts them all (1.4 → 4.8 ms), and
        # planned for them, their joins are planned as written (1.2 → 0.7 ms); the place's are, with their generic
        # plan: planning the join of five tables took 0.7 ms on every page.
        by_place = "person_id" not in ids
        return prepared.objects(("actions.first", tuple(sorted(ids)), show_closed, limit),
                                lambda **ids: shown(**ids)[:limit], on_server=by_place, generic=by_place,
                                as_written=not by_place, **ids)

    return {"actions": lambda: shown(**ids), "first": first, "count": counts["count"],
            "overdue_count": counts["overdue"]}


def review_list(*, of_person=None):
    """Reviews on record with their representative and who recorded them; only those of `of_person`, if given.
    One query."""
    def build(**person):
        reviews = Review.objects.filter(is_archived=False).select_related(
            "representative__user", "representative__forum", "recorded_by"
        )
        return reviews.filter(representative__user_id=person["person_id"]) if person else reviews

    if of_person is None:
        return prepared.objects("review_list", build)
    return prepared.objects("review_list.of_person", build, person_id=of_person.pk)


# The queue's two lists show this many rows each; "show every one" pages through the rest, this many to a page.
QUEUE_SHOWN = 25


def request_queue(*, show: str = "", page: str | None = None, today: date | None = None) -> dict:
    """The gatekeepers' queue: requests awaiting triage, earliest target first (`waiting`: the first QUEUE_SHOWN,
    or with `show="waiting"` every one, QUEUE_SHOWN to a `page`), how many wait (`waiting_count`) and how many of
    them are past the target (`breaches`); then the triaged ones, latest first (the last QUEUE_SHOWN, or with
    `show="all"` every one, to a `page`), and how many of those shown met it. Three queries, whatever is shown."""
    today = today or timezone.localdate()
    # Only the columns the queue shows and its target rule reads: each column of each row costs time to make (the
    # details, up to 5,000 characters each, most of all).
    shown = ("summary", "requester_name", "organisation_name", "received_at", "needed_by", "triage_due_on",
             "triaged_at", "is_archived")
    counted = prepared.counts("queue.counts", lambda today: Request.objects.queue_counts(today), today=today)

    def waiting_first():
        return Request.objects.awaiting_triage().only(*shown).order_by("triage_due_on", "received_at", "pk")

    def triaged_latest():
        return Request.objects.filter(is_archived=False).exclude(outcome="").select_related(
            "redirected_to", "triaged_by"
        ).only(*shown, "outcome", "redirected_to__name", "triaged_by__full_name", "triaged_by__email").order_by(
            "-triaged_at", "-pk")

    # The first of each list, as every gatekeeper sees it first, from prepared SQL (members.prepared); the first page
    # of "show every one" is the same rows.
    def first_waiting():
        return prepared.objects("queue.waiting", lambda: waiting_first()[:QUEUE_SHOWN])

    def first_triaged():
        return prepared.objects("queue.triaged", lambda: triaged_latest()[:QUEUE_SHOWN])

    def paged(rest, count: int, first):
        return prepared.paged(count=count, number=page, size=QUEUE_SHOWN, first=first, rest=rest)

    pages = None
    if show == "waiting":
        pages = paged(waiting_first, counted["waiting"], first_waiting)
        waiting = list(pages)
    else:
        waiting = first_waiting()
    if show == "all":
        pages = paged(triaged_latest, counted["triaged"], first_triaged)
        triaged = list(pages)
    else:
        triaged = first_triaged()
    return {
        "waiting": waiting,
        "waiting_count": counted["waiting"],
        "breaches": counted["past_target"],
        "triaged": triaged,
        "page": pages,
        "shown": QUEUE_SHOWN,
        "met": sum(1 for r in triaged if not r.is_past_target()),
    }


def routed_places(request: Request) -> list[Place]:
    """The places a routed request was sent to (its own among them), by name; none for a place's own request. Read
    across places on purpose, but only their names: each copy is its own place's business. One query."""
    if not request.is_routed:
        return []
    with unscoped():
        return list(Place.objects.filter(
            pk__in=Request.objects.filter(routing_key=request.routing_key).values("place")
        ).order_by("name"))


def overdue_actions(*, today: date | None = None, limit: int | None = None) -> list[Action]:
    """Open actions past their due date, oldest first, the first `limit` of them if given (one query)."""
    today = today or timezone.localdate()

    def overdue(today):
        # With its owner, whom the dashboard names: the fewer joins, the quicker Postgres plans it.
        found = Action.objects.overdue(today).select_related("owner").order_by("due_on", "pk")
        return found[:limit] if limit else found

    # The dashboard's first few, compiled once a day but planned for the day's values (a top-N list: see
    # members.prepared).
    return prepared.objects(("overdue_actions", limit), overdue, today=today, on_server=False)


def late_feedback(*, today: date | None = None, limit: int | None = None) -> list[Meeting]:
    """Forum meetings past their feedback due date that are not fully fed back, the first `limit` if given (one
    query)."""
    today = today or timezone.localdate()

    def late(today):
        found = Meeting.objects.feedback_late(today).select_related("forum").order_by("feedback_due_on", "pk")
        return found[:limit] if limit else found

    # Prepared on the server and run with its generic plan (members.prepared): the place's forums, then each one's
    # meetings by the forum index, sorted: the plan PostgreSQL makes for the day's values is the same, made afresh
    # on every request (0.46 ms a request against 0.33, at national scale).
    return prepared.objects(("late_feedback", limit), late, today=today, generic=True)


def requests_past_target(*, today: date | None = None, limit: int | None = None) -> list[Request]:
    """Requests still awaiting triage after the target date, the first `limit` if given (one query)."""
    today = today or timezone.localdate()

    def past_target(today):
        found = Request.objects.awaiting_triage().past_target(today).order_by("triage_due_on", "received_at")
        return found[:limit] if limit else found

    # Prepared on the server and run with its generic plan (members.prepared): the place's requests by the place
    # index, the first few sorted out of them (no index serves the order): the plan PostgreSQL makes for the day's
    # values is the same, made afresh on every request (0.45 ms a request against 0.40, at national scale).
    return prepared.objects(("requests_past_target", limit), past_target, today=today, generic=True)


def representatives_due_review(*, today: date | None = None) -> list[Representative]:
    """Current representatives and deputies whose last review (or appointment, if never reviewed) is more than
    the review interval ago (one query). Each carries `last_reviewed_on`."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=REVIEW_INTERVAL_DAYS)
    return prepared.objects(
        "representatives_due_review", lambda cutoff: Representative.objects.current()
        .annotate(last_reviewed_on=Max("reviews__reviewed_on", filter=Q(reviews__is_archived=False)))
        .filter(
            Q(last_reviewed_on__isnull=True, term_starts_on__lte=cutoff) | Q(last_reviewed_on__lte=cutoff)
        )
        .select_related("user", "forum")
        .order_by("forum__name", "role"), cutoff=cutoff,
    )


@dataclass
class Agenda:
    meeting: LeadershipMeeting | None
    items: list[LeadershipAgendaItem] = field(default_factory=list)
    # Decisions whose consensus waits for the chair's confirmation: on the agenda the moment the last seat is
    # heard, without anyone gathering them, and off it once confirmed. Their (pk, title) only.
    sign_offs: list[tuple] = field(default_factory=list)


def next_agenda(*, today: date | None = None, sign_offs: bool = True) -> Agenda:
    """The next leadership meeting (today or later), its agenda in order less what has been settled since it was
    gathered, and the decisions to sign off, their titles (three queries, prepared: members.prepared). Without
    `sign_offs` (the weekly digest reads them with its other decisions: decisions.selectors.digest_decisions), two
    queries and none listed."""
    today = today or timezone.localdate()
    sign_offs = prepared.objects("agenda.sign_offs", lambda: DecisionItem.objects.awaiting_sign_off().order_by(
        "title", "pk").values_list("pk", "title", named=True)) if sign_offs else []
    meetings = prepared.objects("agenda.meeting", lambda today: LeadershipMeeting.objects.upcoming(today)[:1],
                                today=today)
    if not meetings:
        return Agenda(meeting=None, sign_offs=sign_offs)
    meeting = meetings[0]
    # Less the decisions to sign off, by the same rule in a subquery: a list of their ids would change the SQL.
    items = prepared.objects("agenda.items", lambda pk: (
        LeadershipAgendaItem.objects.filter(meeting_id=pk).listed()
        .select_related("request", "decision", "feedback__agenda_item__meeting__forum", "action__owner")
        .order_by("position")), pk=meeting.pk)
    for item in items:
        item.meeting = meeting
    return Agenda(meeting=meeting, items=items, sign_offs=sign_offs)


def new_if_dated_from(since: date) -> date:
    """An action, a meeting's feedback or a request is overdue, late or past its target from the day after its
    date: it is "new since" `since` when that date is on this day or later. The dashboard's counts and its marks on
    each item both ask this."""
    return since - timedelta(days=1)


def attention_counts(*, today: date | None = None, since: date | None = None) -> dict[str, int]:
    """How many actions are overdue, meetings late with feedback and requests past the triage target: the chair's
    dashboard lists the first few of each (the selectors above, with `limit`) and says how many there are; and,
    as `<name>_new`, how many of them became so on `since` or later (each is overdue, late or past the target from
    the day after its date). One query, by the same rules: the three counts joined by UNION ALL, each row named by
    what it counts (a round trip and its Python for each, issue 12)."""
    today = today or timezone.localdate()
    since = since or today
    entered = new_if_dated_from(since)

    def figures(today, entered):
        # The actions counted by their due date, which the action_place_open_people index holds, so that the index
        # alone answers.
        actions = prepared.one_row(Action.objects.overdue(today), n=Count("due_on"),
                                   new=Count("due_on", filter=Q(due_on__gte=entered)))
        meetings = prepared.one_row(Meeting.objects.feedback_late(today), n=Count("pk"),
                                    new=Count("pk", filter=Q(feedback_due_on__gte=entered)))
        requests = prepared.one_row(Request.objects.awaiting_triage().past_target(today), n=Count("pk"),
                                    new=Count("pk", filter=Q(triage_due_on__gte=entered)))
        return (actions.values_list(Value("overdue_actions"), "n", "new")
                .union(meetings.values_list(Value("late_feedback"), "n", "new"),
                       requests.values_list(Value("requests_past_target"), "n", "new"), all=True))

    # From SQL compiled once a day (members.prepared).
    counted = {name: {"n": n, "new": new} for name, n, new in prepared.objects(
        "attention.counts", figures, today=today, entered=entered)}
    return {**{name: c["n"] for name, c in counted.items()}, **{f"{name}_new": c["new"] for name, c in counted.items()}}


# "Due soon" on a person's home page: an action due within this many days.
DUE_SOON_DAYS = 7


def waiting_on(user, *, today: date | None = None) -> dict[str, int]:
    """What of representation waits on this person now: their open actions `overdue` and `due_soon` (within
    DUE_SOON_DAYS), and `feedback`, meetings of forums they represent the group on that have happened and are not
    fully fed back (an archived forum is no longer chased). Two queries."""
    today = today or timezone.localdate()
    # Prepared (members.prepared): each person's home page asks these, with nothing but the ids and dates changing.
    actions = prepared.counts("home.actions", lambda person_id, today, soon: prepared.one_row(
        Action.objects.open().for_person(person_id),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
    ), person_id=user.pk, today=today, soon=today + timedelta(days=DUE_SOON_DAYS))
    feedback = prepared.counts("home.feedback", lambda person_id, today: prepared.one_row(
        Meeting.objects.current().taking_feedback(today).filter(
            forum__in=Representative.objects.current().filter(user_id=person_id).values("forum"),
            forum__is_archived=False, feedback_completed_at__isnull=True,
        ), n=Count("pk")), person_id=user.pk, today=today)["n"]
    return {**actions, "feedback": feedback}


def requests_waiting() -> int:
    """Requests awaiting triage (for those who triage). One query."""
    return prepared.counts("home.requests", lambda: prepared.one_row(Request.objects.awaiting_triage(),
                                                                     n=Count("pk")))["n"]


# The weekly digest lists a reader's open actions due within this many days (or overdue), the first few of them.
DIGEST_ACTION_DAYS = 14
DIGEST_ACTIONS_SHOWN = 10


def actions_for_digest_by_reader(users, *, today: date | None = None) -> dict[int, list[Action]]:
    """Each reader's (by id) open actions, owned or supported, overdue or due within DIGEST_ACTION_DAYS, soonest
    first, DIGEST_ACTIONS_SHOWN at most. One query, however many readers; one reader's (the digest's preview) from
    SQL compiled once a day (members.prepared), a batch's as built (its SQL has as many ids as readers)."""
    today = today or timezone.localdate()
    mine: dict[int, list[Action]] = {user.pk: [] for user in users}

    def due(reader_ids, until):  # ids: a hundred readers' objects cost more to pass
        return Action.objects.open().for_people(reader_ids).filter(due_on__lte=until).order_by("due_on", "pk")

    until = today + timedelta(days=DIGEST_ACTION_DAYS)
    if len(users) == 1:
        actions = prepared.objects("digest.actions", lambda reader, until: due([reader], until)[:DIGEST_ACTIONS_SHOWN],
                                   reader=users[0].pk, until=until)
    else:
        actions = due(list(mine), until)
    for action in actions:
        for user_id in {action.owner_id, action.support_id} & mine.keys():
            if len(mine[user_id]) < DIGEST_ACTIONS_SHOWN:
                mine[user_id].append(action)
    return mine


