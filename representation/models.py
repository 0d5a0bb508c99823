"""Representation on system forums, the action log, representation reviews, and the single point of access.

A state derived from the data (feedback late, an action overdue, a request past its triage target, the next
leadership meeting) is defined here once: a QuerySet method, with the instance predicate that gives the same answer
for one row beside it. Rules that change data live in services.py. These models hold the data, those derived states
and the invariants the database enforces.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.lookups import IsNull, LessThan
from django.utils import timezone
from simple_history.models import HistoricalRecords

from decisions.models import DecisionItem
from members.models import ICS, Organisation, Place
from members.papers import PaperBase
from members.places import PlaceOwned, scoped_manager
from members.prepared import one_row
from priorities.models import AgreedPriority

# The group's constitution: the target time to triage a request, in working days (Monday to Friday).
TRIAGE_TARGET_WORKING_DAYS = 5
# How often the group reviews each representative.
REVIEW_INTERVAL_DAYS = 182
# Feedback is due this many calendar days after a forum meeting unless the forum says otherwise.
DEFAULT_FEEDBACK_DUE_DAYS = 7


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`. Bank holidays count as working days."""
    current = start
    # A request received at the weekend starts its clock on Monday.
    while current.weekday() >= 5:
        current += timedelta(days=1)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`; 0 if `end` is not later."""
    if end <= start:
        return 0
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count += 1
    return count


class ForumQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_archived=False)


class Forum(PlaceOwned):
    """A system body where general practice is represented: a place partnership board, an interface group, …"""

    ICS_PATH = "ics"

    # A place's own forum, or (with no place) an ICS-level forum that speaks for every place of its ICS.
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ics = models.ForeignKey(ICS, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name="ICS")
    name = models.CharField(max_length=200)
    host = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="hosted_forums", verbose_name="host organisation"
    )
    cadence = models.CharField(max_length=100, help_text="For example: monthly, every other Tuesday.")
    is_formal_seat = models.BooleanField(
        "general practice has a formal seat", default=True,
        help_text="Untick if general practice attends by invitation rather than by right.",
    )
    purpose = models.TextField(blank=True)
    feedback_due_days = models.PositiveSmallIntegerField(
        "feedback due within (days)", default=DEFAULT_FEEDBACK_DUE_DAYS,
        help_text="Calendar days after each meeting by which the representative feeds back to the group.",
    )
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(ForumQuerySet)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="forum_belongs_to_a_place_or_an_ics",
                condition=Q(place__isnull=False, ics__isnull=True) | Q(place__isnull=True, ics__isnull=False),
            ),
            models.UniqueConstraint(fields=["place", "name"], name="one_forum_per_name_per_place"),
            models.UniqueConstraint(
                fields=["ics", "name"], condition=Q(place__isnull=True), name="one_ics_forum_per_name"
            ),
            models.CheckConstraint(
                name="forum_feedback_due_within_sixty_days",
                condition=Q(feedback_due_days__gte=1, feedback_due_days__lte=60),
            )
        ]

    def __str__(self):
        return self.name


class RepresentativeQuerySet(models.QuerySet):
    def current(self):
        return self.filter(self.in_post())

    @staticmethod
    def in_post(path: str = "") -> Q:
        """The condition of a representative in post (current), for a representative at `path` ("representatives__"
        from a forum): a forum's current representatives joined to it (FilteredRelation) ask the same."""
        return Q(**{f"{path}is_archived": False, f"{path}stood_down_on__isnull": True})


class Representative(models.Model):
    """A person's appointment to speak for general practice on a forum, for a term of office."""

    PLACE_PATH = "forum__place"
    ICS_PATH = "forum__ics"

    class Role(models.TextChoices):
        REPRESENTATIVE = "representative", "Representative"
        DEPUTY = "deputy", "Deputy"

    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="representatives")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="representations")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REPRESENTATIVE)
    term_starts_on = models.DateField(default=timezone.localdate)
    term_ends_on = models.DateField()
    stood_down_on = models.DateField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(RepresentativeQuerySet)

    class Meta:
        ordering = ["forum__name", "role", "-term_starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "role"],
                condition=Q(is_archived=False, stood_down_on__isnull=True),
                name="one_current_representative_per_forum_and_role",
            ),
            models.CheckConstraint(
                name="representative_term_ends_after_it_starts",
                condition=Q(term_ends_on__gt=models.F("term_starts_on")),
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.forum}"

    @property
    def term_has_ended(self) -> bool:
        return self.term_ends_on < timezone.localdate()


class RepresentationLeadQuerySet(models.QuerySet):
    def current(self):
        """Leads in post: the same condition the one-lead-per-slot constraints hold to."""
        return self.filter(ended_on__isnull=True, is_archived=False)


class RepresentationLead(PlaceOwned):
    """One of the (at most two) people the group names to brief and hear back from all representatives."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Slot(models.IntegerChoices):
        FIRST = 1, "First lead"
        SECOND = 2, "Second lead"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="representation_leads")
    # Two slots with a unique constraint: the database itself keeps the group to one or two leads.
    slot = models.PositiveSmallIntegerField(choices=Slot.choices)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(RepresentationLeadQuerySet)

    class Meta:
        ordering = ["slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "slot"], condition=Q(ended_on__isnull=True, is_archived=False),
                name="one_lead_per_slot_per_place",
            ),
            models.UniqueConstraint(
                fields=["place", "user"], condition=Q(ended_on__isnull=True, is_archived=False),
                name="one_live_lead_per_person_per_place",
            ),
        ]

    def __str__(self):
        return f"{self.user} (representation lead)"


class Relationship(models.Model):
    """Who holds the group's relationship with a key person in the system, e.g. the acute trust's chief executive."""

    PLACE_PATH = "organisation__place"
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="key_relationships")
    contact_name = models.CharField("their name", max_length=150)
    contact_role = models.CharField("their role", max_length=150)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="relationships_held",
        verbose_name="held by",
    )
    notes = models.TextField(blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["organisation__name", "contact_name"]

    def __str__(self):
        return f"{self.contact_name}, {self.contact_role} – held by {self.held_by}"


class MeetingQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_archived=False)

    def taking_feedback(self, today: date | None = None):
        """Meetings feedback may be written for: held today or before. Meeting.takes_feedback is the same test."""
        return self.filter(held_on__lte=today or timezone.localdate())

    def feedback_late(self, today: date):
        """Past the feedback due date and not yet fully fed back. A forum the group has archived is no longer
        chased: its representatives no longer report to the group. Meeting.is_feedback_late is the same test."""
        return self.current().filter(
            feedback_due_on__lt=today, feedback_completed_at__isnull=True, forum__is_archived=False
        )


class Meeting(models.Model):
    """A meeting of a forum. Feedback is due `forum.feedback_due_days` after it, fixed when the meeting is added."""

    PLACE_PATH = "forum__place"
    ICS_PATH = "forum__ics"
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField("date")
    feedback_due_on = models.DateField()
    feedback_completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(MeetingQuerySet)

    class Meta:
        ordering = ["-held_on", "forum__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "held_on"], condition=Q(is_archived=False), name="one_meeting_per_forum_per_day"
            ),
            models.CheckConstraint(
                name="feedback_due_after_the_meeting", condition=Q(feedback_due_on__gt=models.F("held_on"))
            ),
        ]

    def __str__(self):
        return f"{self.forum} on {self.held_on:%-d %b %Y}"

    def is_feedback_late(self, today: date | None = None) -> bool:
        """The instance twin of MeetingQuerySet.feedback_late."""
        today = today or timezone.localdate()
        return (
            not self.is_archived and not self.forum.is_archived
            and self.feedback_completed_at is None and self.feedback_due_on < today
        )

    @property
    def was_fed_back_late(self) -> bool:
        return (
            self.feedback_completed_at is not None
            and timezone.localtime(self.feedback_completed_at).date() > self.feedback_due_on
        )

    def takes_comments(self, today: date | None = None) -> bool:
        """The group comments on its briefings until the day of the meeting; after that, feedback takes over."""
        return self.held_on >= (today or timezone.localdate())

    def takes_feedback(self, today: date | None = None) -> bool:
        """Feedback is written on or after the day of the meeting. The instance twin of
        MeetingQuerySet.taking_feedback."""
        return self.held_on <= (today or timezone.localdate())


class AgendaItem(models.Model):
    """An item on a forum meeting's agenda: the unit that is briefed before and fed back after."""

    PLACE_PATH = "meeting__forum__place"
    ICS_PATH = "meeting__forum__ics"
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda_items")
    title = models.CharField(max_length=250)
    position = models.PositiveSmallIntegerField()
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["meeting", "position"]

    def __str__(self):
        return self.title


class Briefing(models.Model):
    """The general practice position and the mandate for one agenda item, written before the meeting."""

    PLACE_PATH = "agenda_item__meeting__forum__place"
    ICS_PATH = "agenda_item__meeting__forum__ics"
    agenda_item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="briefing")
    position = models.TextField("general practice position")
    may_agree = models.TextField("what the representative may agree")
    must_come_back = models.TextField("what must come back to the group", blank=True)
    red_lines = models.TextField(blank=True)
    decisions = models.ManyToManyField(
        DecisionItem, blank=True, related_name="briefings", verbose_name="decisions it rests on"
    )
    priorities = models.ManyToManyField(
        AgreedPriority, blank=True, related_name="briefings", verbose_name="priorities it rests on"
    )
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[decisions, priorities])

    objects = scoped_manager()

    def __str__(self):
        return f"Briefing: {self.agenda_item}"


class BriefingComment(models.Model):
    PLACE_PATH = "briefing__agenda_item__meeting__forum__place"
    ICS_PATH = "briefing__agenda_item__meeting__forum__ics"
    briefing = models.ForeignKey(Briefing, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author} on {self.briefing}"


class Feedback(models.Model):
    """What happened at the meeting on one agenda item, written after it."""

    PLACE_PATH = "agenda_item__meeting__forum__place"
    ICS_PATH = "agenda_item__meeting__forum__ics"
    agenda_item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="feedback")
    discussed = models.TextField("what was discussed")
    agreed = models.TextField("what was agreed on behalf of general practice", blank=True)
    needs_sign_off = models.TextField("what needs the group's sign-off", blank=True)
    escalations = models.TextField(blank=True)
    # One click turns what needs sign-off into a draft decision item; the link stops it being raised twice.
    sign_off_decision = models.OneToOneField(
        DecisionItem, on_delete=models.PROTECT, null=True, blank=True, related_name="sign_off_feedback"
    )
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = scoped_manager()

    def __str__(self):
        return f"Feedback: {self.agenda_item}"


def _end_of(day: date) -> datetime:
    """The instant `day` ends in the portal's time zone. Times are compared with it rather than turned into dates
    (`created_at__date`), which would convert every row's time for every week the chart counts."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _action_open_at_end_of(day: date) -> Q:
    """Open at the end of `day`, as the data says now: made by then and not closed by then. On today this is
    ActionQuerySet.open: an action open now has no completion time."""
    return Q(is_archived=False, created_at__lt=_end_of(day)) & (
        Q(status__in=Action.OPEN_STATUSES) | Q(completed_at__gte=_end_of(day))
    )


def _action_overdue_at_end_of(day: date) -> Q:
    """ActionQuerySet.overdue(today) as it stood at the end of `day`."""
    return _action_open_at_end_of(day) & Q(due_on__lt=day)


def _action_status_counts(*, on: date, done_since: date) -> dict:
    """Count expressions for actions open on time and overdue at the end of `on`, and done after `done_since` up
    to `on`: one definition for the weekly chart and for the ICS page's count by place."""
    return {
        "on_time": Count("pk", filter=_action_open_at_end_of(on) & ~Q(due_on__lt=on)),
        "overdue": Count("pk", filter=_action_overdue_at_end_of(on)),
        "done": Count("pk", filter=_action_done_between(done_since, on)),
    }


def _action_done_between(since: date, on: date) -> Q:
    """Done after the end of `since`, up to the end of `on`."""
    return Q(is_archived=False, status=Action.Status.DONE, completed_at__gte=_end_of(since),
             completed_at__lt=_end_of(on))


def weekly_status_from(week_ends: list[date], rows: list[tuple]) -> list[dict]:
    """For each week ending on one of `week_ends` (a week apart, oldest first): actions open on time and overdue at
    its end, and actions done during it, from the rows ActionQuerySet.weekly_status_counts read.

    Each row is a group of actions alike for every one of these weeks: (status, made, completed, due, how many),
    where made, completed and due are the number of week boundaries at or before the action's creation, completion
    and due date (see weekly_status_counts; completed is None for an action not completed). The rules are
    _action_status_counts's for the end of each week, asked of the group: the week ending on week_ends[n] ends at
    boundary n + 1 (boundary 0 is its start, a week earlier)."""
    weeks = [{"week_end": end, "on_time": 0, "overdue": 0, "done": 0} for end in week_ends]
    for status, made, completed, due, count in rows:
        for n, week in enumerate(weeks):
            end = n + 1
            # _action_open_at_end_of: made by the end of the week, and still open or completed after it.
            if made <= end and (status in Action.OPEN_STATUSES or (completed is not None and completed > end)):
                # _action_overdue_at_end_of: due before the week's last day.
                week["overdue" if due <= end else "on_time"] += count
            if status == Action.Status.DONE and completed == end:
                week["done"] += count
    return weeks


class _BoundariesPassed(models.Func):
    """How many of `boundaries` (ascending dates or instants) are at or before the row's `field`; None where it is
    empty. Grouping by it is cheaper than counting every week's rule on every row. PostgreSQL's width_bucket finds
    it by bisecting the list (a third quicker than the comparisons of a CASE over a place's 5,000 actions); other
    databases compare in turn."""

    output_field = models.IntegerField()

    def __init__(self, field: str, boundaries: list):
        self.boundaries = list(boundaries)
        # The array's type, so that a statement prepared on the server (members.prepared) knows its parameter's.
        self.array_type = "timestamptz[]" if isinstance(self.boundaries[0], datetime) else "date[]"
        super().__init__(F(field), models.Value(self.boundaries))

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="width_bucket",
                              template=f"%(function)s(%(expressions)s::{self.array_type})", **extra)

    def as_sql(self, compiler, connection, **extra):
        field = self.source_expressions[0]

        def number(n: int):
            # Written into the SQL: an untyped parameter in a CASE would come back as text.
            return models.Func(template=str(int(n)), output_field=models.IntegerField())

        case = models.Case(
            models.When(IsNull(field, True), then=models.Value(None)),
            *[models.When(LessThan(field, models.Value(boundary)), then=number(n))
              for n, boundary in enumerate(self.boundaries)],
            default=number(len(self.boundaries)), output_field=models.IntegerField(),
        ).resolve_expression(compiler.query)
        return compiler.compile(case)


def _action_open() -> Q:
    return Q(is_archived=False, status__in=Action.OPEN_STATUSES)


def _action_past_due(today: date) -> Q:
    """Due before today: what makes an open action overdue."""
    return Q(due_on__lt=today)


def _action_overdue(today: date) -> Q:
    """Open past the due date. Action.is_overdue is the same test for one action."""
    return _action_open() & _action_past_due(today)


class ActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(_action_open())

    def overdue(self, today: date):
        return self.filter(_action_overdue(today))

    def counts(self, today: date, *, open_only: bool):
        """How many actions there are (`count`; only the open ones with `open_only`) and how many of them are
        overdue (`overdue`), as one row (members.prepared.one_row: the page prepares it). The open ones are read
        from the action_place_open_people index alone, without the table (issue 12)."""
        return one_row(self.open() if open_only else self, count=Count("due_on"),
                       overdue=Count("due_on", filter=_action_overdue(today)))

    def overdue_at_end_of(self, day: date):
        """Overdue as it stood at the end of an earlier day (the same as overdue(day) when `day` is today)."""
        return self.filter(_action_overdue_at_end_of(day))

    def with_status_counts(self, *, on: date, done_since: date):
        """`on_time`, `overdue` and `done` counted by the database in the groups the queryset's values() make."""
        return self.annotate(**_action_status_counts(on=on, done_since=done_since))

    def with_open_counts(self, today: date):
        """The open actions, counted as on time (`on_time`) and overdue (`overdue`) today in the groups the
        queryset's values() make: with_status_counts(on=today)'s first two, for an action open at the end of
        today is one open now (made by now, with no completion time). Only the due date is asked of each, so the
        action_place_open_due index alone answers (the ICS page: every action of a place read and its three
        rules asked took 1.8 ms at national scale)."""
        past_due = _action_past_due(today)  # asked of open actions only: _action_overdue
        return self.open().annotate(on_time=Count("pk", filter=~past_due), overdue=Count("pk", filter=past_due))

    def with_done_count(self, *, since: date, on: date):
        """The actions done after the end of `since` up to the end of `on` (`done`, with_status_counts's third), in
        the groups the queryset's values() make: a range of the action_place_done index, read from it alone."""
        return self.filter(_action_done_between(since, on)).annotate(done=Count("completed_at"))

    def weekly_status_counts(self, week_ends: list[date]):
        """The rows weekly_status_from counts from, for weeks ending on `week_ends` (a week apart, oldest first):
        the live actions grouped by status and by how many of the weeks' boundaries (the start of the first week,
        then the end of each: local midnight, _end_of) came before they were made and completed, and before their
        due date. Twelve weeks of three rules each would be 36 counted expressions, each asked of every action
        (22 ms for a place's 5,000 at national scale); this asks three comparisons' worth per action and leaves a
        few dozen groups. Actions completed before the first week began, and actions made after the last ended,
        count in no week and are left out. Its SQL depends only on the week ends, so the dashboard compiles it
        once a day (members.prepared)."""
        first = week_ends[0] - timedelta(days=7)
        instants = [_end_of(day) for day in [first, *week_ends]]
        return (
            self.filter(Q(status__in=Action.OPEN_STATUSES) | Q(completed_at__gte=instants[0]),
                        is_archived=False, created_at__lt=instants[-1])
            .order_by()
            .values("status", made=_BoundariesPassed("created_at", instants),
                    completed=_BoundariesPassed("completed_at", instants),
                    due=_BoundariesPassed("due_on", [first, *week_ends]))
            .annotate(n=Count("pk"))
            .values_list("status", "made", "completed", "due", "n")
        )

    def for_person(self, user):
        return self.for_people([user])

    def for_people(self, users):
        """Actions any of these people own or support (its owner_id and support_id say which of them)."""
        return self.filter(Q(owner__in=users) | Q(support__in=users))


class Action(PlaceOwned):
    """An action from a forum meeting, a decision or a priority, with an owner and a person to help them."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    title = models.CharField("what needs doing", max_length=250)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions_owned")
    support = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="actions_supported",
        verbose_name="support person", help_text="Someone who gives admin help to get it done.",
    )
    due_on = models.DateField("due date")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    completion_note = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="actions",
                                verbose_name="forum meeting")
    decision = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="actions", verbose_name="decision item")
    priority = models.ForeignKey(AgreedPriority, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="actions", verbose_name="agreed priority")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(ActionQuerySet)

    class Meta:
        ordering = ["due_on", "pk"]
        # The action log and the dashboard read a place's actions soonest due first, a page at a time: with this
        # index Postgres walks the first page in order instead of joining and sorting every action of the place.
        indexes = [models.Index(fields=["place", "due_on", "id"], name="action_place_due"),
                   # ActionQuerySet.counts: a place's open actions and how many are overdue, from the index alone;
                   # with their owner and support, a person's too (my actions: 1.0 → 0.7 ms at national scale).
                   models.Index(fields=["place", "is_archived", "status", "due_on"], include=["owner", "support"],
                                name="action_place_open_people"),
                   # A meeting's page: its actions counted from the index alone, and the first few walked in order
                   # (without it Postgres joined the owner of each of a meeting's 3,750 actions, then sorted them).
                   models.Index(fields=["meeting", "place", "due_on", "id"], condition=Q(is_archived=False),
                                name="action_meeting_due"),
                   # The dashboard's overdue actions, the oldest first and how many: only the open ones, so that
                   # Postgres does not step over the thousands done long ago to reach them (4 ms → 0.4 ms).
                   models.Index(fields=["place", "due_on", "id"],
                                condition=Q(is_archived=False, status__in=["open", "in_progress"]),
                                name="action_place_open_due"),
                   # The ICS page's actions done in its charts' window, counted from the index alone.
                   models.Index(fields=["place", "completed_at"], condition=Q(is_archived=False, status="done"),
                                name="action_place_done")]
        constraints = [
            # Closing an action says how: done with what result, or why it is no longer needed.
            models.CheckConstraint(
                name="closed_action_has_a_note_and_time",
                condition=Q(status__in=["open", "in_progress"], completed_at__isnull=True)
                | (~Q(completion_note="") & Q(completed_at__isnull=False)),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        """The instance twin of ActionQuerySet.overdue."""
        return not self.is_archived and self.is_open and self.due_on < (today or timezone.localdate())


class Review(models.Model):
    """The group's periodic review of a representative; seen by the group and the representative only."""

    PLACE_PATH = "representative__forum__place"
    ICS_PATH = "representative__forum__ics"
    representative = models.ForeignKey(Representative, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField(default=timezone.localdate)
    working_well = models.TextField("what is working")
    overstepped_mandate = models.TextField("where they overstepped the mandate", blank=True)
    thin_feedback = models.TextField("where the feedback was thin", blank=True)
    next_steps = models.TextField("agreed next steps", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self):
        return f"Review of {self.representative} on {self.reviewed_on}"


def _past_target(today: date) -> Q:
    return Q(triaged_at__isnull=True, triage_due_on__lt=today) | Q(triaged_at__date__gt=F("triage_due_on"))


class RequestQuerySet(models.QuerySet):
    def awaiting_triage(self):
        return self.filter(is_archived=False, outcome="")

    def routed(self):
        """Copies of requests an ICS-level partner sent to several places (Request.is_routed)."""
        return self.filter(routing_key__isnull=False)

    def past_target(self, today: date):
        """Requests that miss the triage target: triaged after the target date, or still waiting after it.
        Request.is_past_target is the same test for one request."""
        return self.filter(is_archived=False).filter(_past_target(today))

    def queue_counts(self, today: date):
        """Of the requests awaiting triage: how many (`waiting`) and how many are past the target (`past_target`);
        and how many have been triaged (`triaged`): as one row (members.prepared.one_row: the queue prepares it)."""
        waiting = Q(outcome="")
        return one_row(self.filter(is_archived=False), waiting=Count("pk", filter=waiting),
                       past_target=Count("pk", filter=waiting & _past_target(today)),
                       triaged=Count("pk", filter=~waiting))

    def weekly_triage_counts(self, week_ends: list[date], today: date):
        """with_triage_counts for the requests received in each week ending on one of `week_ends` (a week apart,
        oldest first), as rows of (n, within_target, late, waiting): n is the week's place in `week_ends`. Weeks
        end at local midnight, compared as instants (_end_of) rather than turning each request's time into a local
        date for every week."""
        first = week_ends[0] - timedelta(days=7)
        instants = [_end_of(day) for day in [first, *week_ends]]
        return (self.filter(received_at__gte=instants[0], received_at__lt=instants[-1]).order_by()
                .values(week=_BoundariesPassed("received_at", instants[1:])).with_triage_counts(today)
                .values_list("week", "within_target", "late", "waiting"))

    def with_triage_counts(self, today: date):
        """`within_target` (triaged, not past_target), `late` (past_target) and `waiting` (not triaged, still
        within the target), counted by the database in the groups the queryset's values() make (by week received,
        by place). The three share out every live request."""
        late = _past_target(today)
        return self.filter(is_archived=False).annotate(
            within_target=Count("pk", filter=Q(triaged_at__isnull=False) & ~late),
            late=Count("pk", filter=late),
            waiting=Count("pk", filter=Q(triaged_at__isnull=True) & ~late),
        )


class Request(PlaceOwned):
    """A request to general practice from a system partner, through the single point of access."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Outcome(models.TextChoices):
        AGENDA = "agenda", "Item on the leadership meeting agenda"
        PAPER = "paper", "Paper circulated to the group"
        MESSAGE = "message", "Message to the group"
        MORE_WORK = "more_work", "More work needed first"
        REDIRECTED = "redirected", "Redirected to a member organisation"
        DECLINED = "declined", "Declined"

    # Outcomes the requester must be told the reason for.
    REASON_REQUIRED = (Outcome.MORE_WORK, Outcome.REDIRECTED, Outcome.DECLINED)

    requester_name = models.CharField("your full name", max_length=150)
    requester_email = models.EmailField("your email address")
    requester_role = models.CharField("your job title", max_length=150)
    organisation_name = models.CharField("your organisation", max_length=200)
    summary = models.CharField("what is your request about?", max_length=200)
    details = models.TextField("what do you want from general practice?", max_length=5000)
    needed_by = models.DateField("by when do you need a response?")
    received_at = models.DateTimeField(default=timezone.now)
    triage_due_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    redirected_to = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="redirected_requests"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    # The public form's one-time token: unique, so a captured form cannot be replayed to send it again.
    form_nonce = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    # A request an ICS-level partner sent to several places at once (the ICS's request form) is one copy per place,
    # each triaged by its own place; the copies share the routing key, and each knows the ICS it came through.
    routed_from_ics = models.ForeignKey(
        ICS, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="routed from the ICS"
    )
    routing_key = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    history = HistoricalRecords(excluded_fields=["form_nonce"])

    objects = scoped_manager(RequestQuerySet)

    class Meta:
        ordering = ["triage_due_on", "received_at"]
        constraints = [
            models.CheckConstraint(
                name="request_outcome_and_triage_time_go_together",
                condition=Q(outcome="", triaged_at__isnull=True, triaged_by__isnull=True)
                | (~Q(outcome="") & Q(triaged_at__isnull=False, triaged_by__isnull=False)),
            ),
            models.CheckConstraint(
                name="redirected_request_names_the_member",
                condition=Q(outcome="redirected", redirected_to__isnull=False)
                | (~Q(outcome="redirected") & Q(redirected_to__isnull=True)),
            ),
            models.CheckConstraint(
                name="routed_request_names_its_ics_and_its_copies",
                condition=Q(routed_from_ics__isnull=True, routing_key__isnull=True)
                | Q(routed_from_ics__isnull=False, routing_key__isnull=False),
            ),
            models.CheckConstraint(
                name="request_outcome_reason_given_where_required",
                condition=~Q(outcome__in=["more_work", "redirected", "declined"]) | ~Q(outcome_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.summary} ({self.organisation_name})"

    @property
    def reference(self) -> str:
        """The number the requester quotes; it says nothing they typed."""
        return f"R{self.pk:05d}"

    @property
    def is_triaged(self) -> bool:
        return bool(self.outcome)

    @property
    def is_routed(self) -> bool:
        """One of the copies of a request sent to several places of an ICS."""
        return self.routing_key is not None

    def is_past_target(self, today: date | None = None) -> bool:
        """The instance twin of RequestQuerySet.past_target."""
        if self.is_archived:
            return False
        if self.triaged_at:
            return timezone.localtime(self.triaged_at).date() > self.triage_due_on
        return (today or timezone.localdate()) > self.triage_due_on

    @property
    def working_days_to_triage(self) -> int | None:
        if not self.triaged_at:
            return None
        return working_days_between(
            timezone.localtime(self.received_at).date(), timezone.localtime(self.triaged_at).date()
        )


class LeadershipMeetingQuerySet(models.QuerySet):
    def upcoming(self, today: date):
        """Meetings today or later, soonest first: the first is the next leadership meeting. A past agenda is
        the record of what was discussed. LeadershipMeeting.is_upcoming is the same test for one meeting."""
        return self.filter(is_archived=False, meets_on__gte=today).order_by("meets_on")


class LeadershipMeeting(PlaceOwned):
    """A weekly meeting of the leadership group; every other week has a slot for system partners."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    meets_on = models.DateField()
    has_partner_slot = models.BooleanField("has a slot for system partners", default=False)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(LeadershipMeetingQuerySet)

    class Meta:
        ordering = ["meets_on"]
        constraints = [
            models.UniqueConstraint(fields=["place", "meets_on"], name="one_leadership_meeting_per_day_per_place"),
        ]

    def __str__(self):
        return f"Leadership meeting on {self.meets_on:%-d %b %Y}"

    def is_upcoming(self, today: date | None = None) -> bool:
        """The instance twin of LeadershipMeetingQuerySet.upcoming."""
        return not self.is_archived and self.meets_on >= (today or timezone.localdate())


class LeadershipAgendaItemQuerySet(models.QuerySet):
    def unsettled(self):
        """Items whose matter is still open: not removed, and not settled since it was gathered – a decision with
        its outcome (agreed, parked, redirected or withdrawn), an action done or archived, a request archived or
        triaged elsewhere, feedback whose sign-off the group has decided. A past agenda keeps them all: the
        record of what was discussed."""
        final = DecisionItem.FINAL_STATUSES
        return self.filter(is_archived=False).exclude(decision__status__in=final).exclude(
            Q(action__isnull=False) & (Q(action__is_archived=True) | ~Q(action__status__in=Action.OPEN_STATUSES))
        ).exclude(
            Q(request__isnull=False) & (Q(request__is_archived=True) | ~Q(request__outcome=Request.Outcome.AGENDA))
        ).exclude(feedback__sign_off_decision__status__in=final)

    def listed(self, *, awaiting_sign_off=None):
        """What the agenda lists in order: the unsettled items, less the decisions waiting for the chair's
        confirmation, which the agenda brings for sign-off above the list (DecisionItem.objects.awaiting_sign_off;
        or `awaiting_sign_off`, their ids, where the caller has read them already)."""
        if awaiting_sign_off is not None:
            return self.unsettled().exclude(decision__in=awaiting_sign_off)
        # Asked of each item's own decision: `decision__in` the whole set would have Postgres work out every item
        # of the place awaiting sign-off (hundreds at national scale) for an agenda of a few.
        awaiting = DecisionItem.objects.awaiting_sign_off().filter(pk=OuterRef("decision_id"))
        return self.unsettled().exclude(Exists(awaiting))


class LeadershipAgendaItem(models.Model):
    """An item on a leadership meeting's agenda, gathered from its source or added by a gatekeeper."""

    PLACE_PATH = "meeting__place"

    class Kind(models.TextChoices):
        REQUEST = "request", "System partner request"
        DECISION = "decision", "Consensus check"
        SIGN_OFF = "sign_off", "Feedback needing sign-off"
        ACTION = "action", "Overdue action"
        OTHER = "other", "Other business"

    meeting = models.ForeignKey(LeadershipMeeting, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=250)
    position = models.PositiveIntegerField()
    request = models.ForeignKey(Request, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_archived = models.BooleanField("removed from the agenda", default=False)
    history = HistoricalRecords()

    objects = scoped_manager(LeadershipAgendaItemQuerySet)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], condition=Q(is_archived=False), name="one_agenda_item_per_position"
            ),
            models.UniqueConstraint(fields=["meeting", "request"], name="a_request_once_per_agenda"),
            models.UniqueConstraint(fields=["meeting", "decision"], name="a_decision_once_per_agenda"),
            models.UniqueConstraint(fields=["meeting", "feedback"], name="a_feedback_once_per_agenda"),
            models.UniqueConstraint(fields=["meeting", "action"], name="an_action_once_per_agenda"),
        ]

    def __str__(self):
        return self.title


# Papers (members.papers): each is read by whoever may read its owner. -------------------------------------------

class MeetingPaper(PaperBase):
    """The minutes of a forum meeting, or a paper for it: for the whole meeting or for one agenda item."""

    PLACE_PATH = "meeting__forum__place"
    ICS_PATH = "meeting__forum__ics"

    class Kind(models.TextChoices):
        MINUTES = "minutes", "Minutes"
        PAPER = "paper", "A paper"

    OWNER, URL_NAME = "meeting", "representation:meeting_paper"
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="papers")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PAPER)
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="papers", verbose_name="agenda item")
    history = HistoricalRecords()


class BriefingPaper(PaperBase):
    """A paper behind a briefing: the position paper, the evidence the representative takes in."""

    PLACE_PATH = "briefing__agenda_item__meeting__forum__place"
    ICS_PATH = "briefing__agenda_item__meeting__forum__ics"
    OWNER, URL_NAME = "briefing", "representation:briefing_paper"
    briefing = models.ForeignKey(Briefing, on_delete=models.PROTECT, related_name="papers")
    history = HistoricalRecords()


class RequestPaper(PaperBase):
    """A paper with a request: the one a system partner sends with the public form, and any the gatekeepers add."""

    PLACE_PATH = "request__place"
    OWNER, URL_NAME = "request", "representation:request_paper"
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="papers")
    history = HistoricalRecords()
