"""Consensus decisions: the group's principles, decision items, rounds of positions by seat, and the golden thread
of practices acknowledging what was decided.

Who may do what lives in access.py and the rules (when a round reaches consensus) in services.py. These models hold
the data, the states derived from it (a QuerySet method with its instance predicate beside it) and the database
constraints that must hold whatever code writes to them.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from members import access
from members.models import Organisation, Place, Seat
from members.papers import PaperBase
from members.places import PlaceOwned, scoped_manager


class OrderedJSONList(models.JSONField):
    """A JSON list aggregated in order (JSONListInOrder), as a list ([] for none). SQLite (3.40) cannot order inside
    an aggregate: there the list is sorted as it is read, in the code point order of its own BINARY collation."""

    def from_db_value(self, value, expression, connection):
        values = super().from_db_value(value, expression, connection) or []
        return sorted(values) if connection.vendor == "sqlite" else values


class JSONListInOrder(models.Aggregate):
    """One expression's values, or several expressions' values as one list per row, aggregated into one JSON list in
    the database's order of those values: `JSONListInOrder("title")` (titles), `JSONListInOrder("title", "pk")`
    ([title, id] pairs, by title then id)."""

    function = "JSONB_AGG"
    output_field = OrderedJSONList()

    def __init__(self, *expressions, **extra):
        row = "%(expressions)s" if len(expressions) == 1 else "JSONB_BUILD_ARRAY(%(expressions)s)"
        self.template = f"%(function)s(%(distinct)s{row} ORDER BY %(expressions)s)"
        self.sqlite_row = "%(expressions)s" if len(expressions) == 1 else "JSON_ARRAY(%(expressions)s)"
        super().__init__(*expressions, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY",
                              template=f"%(function)s(%(distinct)s{self.sqlite_row})", **extra_context)


class PrincipleQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_archived=False)


class Principle(PlaceOwned):
    """A principle the group has agreed, e.g. "the independent contractor model". Decisions cite them."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    adopted_on = models.DateField(default=timezone.localdate)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(PrincipleQuerySet)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["place", "title"], name="one_principle_per_title_per_place")]

    def __str__(self):
        return self.title


class DecisionItemQuerySet(models.QuerySet):
    def in_consensus_check(self):
        return self.filter(status=DecisionItem.Status.CONSENSUS_CHECK)

    def published(self):
        """Agreed and published to practices. Only an agreed decision can be published (the constraint
        decision_published_only_when_agreed), so the date alone says it: PostgreSQL then walks the index of a
        place's published decisions in order (decision_place_published) instead of sorting the place's items."""
        return self.filter(published_at__isnull=False)

    def awaiting_sign_off(self):
        """In a consensus check whose round reached consensus (every seat heard, none blocking, whether the round
        is still open or closed with it) and the chair has not yet confirmed the outcome: what the agenda brings
        to sign off. services.check_confirmable is the same rule for one item."""
        # Asked of each item's own rounds: as a `pk__in` list of every heard round Postgres would read every round
        # of the place (a sequential scan at national scale). The unscoped manager: an item's rounds are its
        # place's, and the scoped one joined each round back to its item to ask the place again (0.50 → 0.23 ms for
        # a place's 167 items in a consensus check at national scale).
        reached = Round._base_manager.filter(item_id=OuterRef("pk")).filter(
            Q(outcome=Round.Outcome.CONSENSUS) | Round.objects.all_heard_condition()
        )
        return self.filter(status=DecisionItem.Status.CONSENSUS_CHECK).filter(Exists(reached))

    def public(self):
        """Published decisions the chair chose to show on the public About page."""
        return self.published().filter(is_public=True)

    def visible_to(self, user):
        return self.visible_as(group=access.is_group(user), participant=access.is_participant(user))

    def visible_as(self, *, group: bool, participant: bool):
        """visible_to for a person who is on the group or not, and a participant or not (as members.access says)."""
        # Argue in private, agree in public: the group sees every item; people of member organisations
        # (practices above all) see published decisions only; anyone else sees nothing.
        if group:
            return self
        if participant:
            return self.published()
        return self.none()


class LocalDate(TruncDate):
    """TruncDate (a time's date in the current time zone) with the zone's name written into the SQL rather than sent
    as a value, on PostgreSQL: a prepared query's generic plan compares its expressions with an index's as they are
    written, and `created_at AT TIME ZONE $1` is not the indexed `created_at AT TIME ZONE 'Europe/London'`."""

    def as_postgresql(self, compiler, connection):
        tzname = self.get_tzname()
        if tzname is None or not _ZONE_NAME.fullmatch(tzname):  # not a zone's name: sent as a value after all
            return self.as_sql(compiler, connection)
        sql, params = compiler.compile(self.lhs)
        return f"(({sql}) AT TIME ZONE '{tzname}')::date", params


_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-/]*")


def log_date():
    """The date the decision log shows and sorts an item by: the date it was decided, else the day it was raised."""
    return Coalesce("decided_on", LocalDate("created_at"))


class DecisionItem(PlaceOwned):
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        DISCUSSION = "discussion", "In discussion"
        CONSENSUS_CHECK = "consensus_check", "Consensus check"
        AGREED = "agreed", "Agreed"
        NOT_AGREED = "not_agreed", "Not agreed (parked)"
        REDIRECTED = "redirected", "Redirected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATUSES = (Status.DRAFT, Status.DISCUSSION, Status.CONSENSUS_CHECK)
    # Between rounds: the wording may be revised and a consensus check opened.
    REVISABLE_STATUSES = (Status.DRAFT, Status.DISCUSSION)
    FINAL_STATUSES = (Status.AGREED, Status.NOT_AGREED, Status.REDIRECTED, Status.WITHDRAWN)

    title = models.CharField(max_length=200)
    question = models.TextField(help_text="The question the group is asked to decide.")
    background = models.TextField(blank=True)
    proposed_wording = models.TextField(blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions_raised")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions_led"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    principles = models.ManyToManyField(Principle, blank=True, related_name="decisions")
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="decisions_concerning", verbose_name="organisations concerned"
    )
    statement = models.TextField("decision statement", blank=True)
    decided_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField("shown on the public page", default=False)
    redirected_to = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions_redirected"
    )
    outcome_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # How many practices have acknowledged the decision, kept by services.acknowledgement_record as it records one
    # (services.acknowledged_count_recount counts them afresh after a bulk insert), so that the dashboard and the
    # ICS page read a figure per decision rather than count tens of thousands of acknowledgements on every request.
    # Every acknowledgement, whatever has become of its practice since: a reader subtracts those of practices no
    # longer open (selectors._not_open_acknowledgements). Not in the item's history: each acknowledgement is in
    # its own, and the item's history is what people changed on it.
    acknowledged_count = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords(m2m_fields=[principles, organisations], excluded_fields=["acknowledged_count"])

    objects = scoped_manager(DecisionItemQuerySet)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The published decisions, newest first, a page at a time (decisions.selectors.published_page): walked in
        # order rather than every published decision of the place read and sorted. With their stored counts, the
        # ICS page's figures for the year are read from the index alone (selectors.acknowledgement_rates_by_place:
        # 0.4 → 0.1 ms at national scale; PostgreSQL read every item of the place otherwise). An acknowledgement
        # then writes the index too (no HOT update): one a practice per decision.
        indexes = [models.Index(fields=["place", "-published_at", "-id"], name="decision_place_published",
                                include=["acknowledged_count"], condition=Q(published_at__isnull=False)),
                   # The decisions published to the system (public), newest first with their titles: the ICS page's
                   # latest few of each place and how many, from the index alone in order (0.55 → 0.13 ms at
                   # national scale; PostgreSQL read every item of the place by its place, then sorted them).
                   models.Index(fields=["place", "-published_at", "-id"], include=["title"],
                                name="decision_place_public", condition=Q(published_at__isnull=False, is_public=True)),
                   # The items of one status by title (the agenda's decisions to sign off): read in order from the
                   # index alone, rather than every item of the place read and sorted (1.2 → 0.4 ms, national scale).
                   models.Index(fields=["place", "status", "title", "id"], name="decision_place_status_title"),
                   # The log, newest first, a page at a time (selectors.log_page): its first page read in order from
                   # the index, rather than the place's every item read and sorted by its date.
                   models.Index(F("place"), log_date().desc(), F("id").desc(), name="decision_place_log_date")]
        constraints = [
            models.CheckConstraint(
                name="decision_published_only_when_agreed",
                condition=Q(published_at__isnull=True) | Q(status="agreed"),
            ),
            models.CheckConstraint(
                name="decision_public_only_when_published",
                condition=Q(is_public=False) | Q(published_at__isnull=False),
            ),
            models.CheckConstraint(
                name="decision_redirect_names_an_organisation",
                condition=~Q(status="redirected") | Q(redirected_to__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("decisions:item", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"D{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_revisable(self) -> bool:
        return self.status in self.REVISABLE_STATUSES


class RoundQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def overdue(self, now=None):
        """Open past the deadline: the hourly task closes these. Round.is_overdue is the same test for one round."""
        return self.open().filter(deadline__lte=now or timezone.now())

    def live(self, now=None):
        """Open and before the deadline: seats are still recording positions. Round.is_live is its twin."""
        return self.open().filter(deadline__gt=now or timezone.now())

    def _unanswered(self):
        return Round.seats.through.objects.filter(round_id=OuterRef("pk")).exclude(
            Exists(Position.objects.filter(round_id=OuterRef("round_id"), seat_id=OuterRef("seat_id")))
        )

    def waiting_for_seats(self):
        """Open, with a seat asked that has not responded: a consensus check still being answered. (A block closes
        its round at once, so an open round never holds one.) services.round_verdict's missing seats, for one."""
        return self.open().filter(Exists(self._unanswered()))

    def all_heard_condition(self) -> Q:
        """Open, with every seat asked heard (consensus reached, waiting for the chair to confirm it), as a condition
        on a round: a query asks it of each item's own rounds."""
        return Q(closed_at__isnull=True) & ~Q(Exists(self._unanswered()))


class Round(models.Model):
    """A consensus check: the proposal's wording frozen as round n, and the seats asked to respond."""

    PLACE_PATH = "item__place"

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        CONSENSUS = "consensus", "Consensus reached"
        BLOCKED = "blocked", "Blocked"
        LAPSED = "lapsed", "Closed with seats missing"
        CANCELLED = "cancelled", "Cancelled"

    item = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    wording = models.TextField()
    deadline = models.DateTimeField()
    # The seats asked: every active seat when the round opened, so a seat added mid-round does not change the rule.
    seats = models.ManyToManyField(Seat, related_name="rounds")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    history = HistoricalRecords()

    objects = scoped_manager(RoundQuerySet)

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="one_round_number_per_item"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(closed_at__isnull=True), name="one_open_round_per_item"
            ),
            models.CheckConstraint(
                name="round_outcome_set_when_closed",
                condition=(Q(closed_at__isnull=True) & Q(outcome="")) | (Q(closed_at__isnull=False) & ~Q(outcome="")),
            ),
        ]

    def __str__(self):
        return f"{self.item} – round {self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.deadline <= (now or timezone.now())

    def is_live(self, now=None) -> bool:
        return self.is_open and self.deadline > (now or timezone.now())


class Position(models.Model):
    """One seat's position in one round. The holder or the deputy records it; the later answer replaces the
    earlier one (history keeps both)."""

    PLACE_PATH = "round__item__place"

    class Stance(models.TextChoices):
        SUPPORT = "support", "Support"
        LIVE_WITH = "live_with", "Can live with it"
        STAND_ASIDE = "stand_aside", "Stand aside"
        BLOCK = "block", "Block"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="positions")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="positions")
    stance = models.CharField(max_length=20, choices=Stance.choices)
    reason = models.TextField(blank=True)
    principle = models.ForeignKey(
        Principle, on_delete=models.PROTECT, null=True, blank=True, related_name="positions",
        help_text="The principle at stake, for a block.",
    )
    class GivenHow(models.TextChoices):
        PORTAL = "", "On the portal"
        PHONE = "phone", "By phone"
        MEETING = "meeting", "In the meeting"
        EMAIL = "email", "By email"

    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="positions")
    responded_at = models.DateTimeField(default=timezone.now)
    # A position the holder or deputy gave by phone or in the meeting, recorded for the seat by the chair or a
    # gatekeeper: who recorded it and how it was given (responded_by is still the person who spoke for the seat).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    given_how = models.CharField(max_length=10, choices=GivenHow.choices, blank=True, default="")
    # The responder's declared interests related to the item when they responded, so the flag stays true to the time.
    interest_flag = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["seat__title"]
        constraints = [
            models.UniqueConstraint(fields=["round", "seat"], name="one_position_per_seat_per_round"),
            models.CheckConstraint(
                name="position_reason_for_stand_aside_or_block",
                condition=Q(stance__in=["support", "live_with"]) | ~Q(reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.seat}: {self.get_stance_display()}"


class Comment(models.Model):
    """A discussion comment: private to the group. Withdrawn rather than deleted."""

    PLACE_PATH = "item__place"
    item = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decision_comments")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    is_withdrawn = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author} on {self.item}"


class ItemInterest(models.Model):
    """An interest declared on one item, by anyone on the group."""

    PLACE_PATH = "item__place"
    item = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, related_name="interests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="item_interests")
    interest = models.TextField()
    declared_at = models.DateTimeField(default=timezone.now)
    is_withdrawn = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["declared_at", "pk"]

    def __str__(self):
        return f"{self.user}: {self.interest[:60]}"


class Acknowledgement(models.Model):
    """The golden thread: a practice says it has seen a published decision."""

    PLACE_PATH = "item__place"
    # Indexed by the unique constraint, which leads with the item: a decision's acknowledgements are read (and
    # counted, by practice) from the index alone.
    item = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, related_name="acknowledgements", db_index=False)
    practice = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="decision_acknowledgements",
        limit_choices_to={"kind": "practice"},
    )
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "practice"], name="one_acknowledgement_per_practice_and_decision")
        ]

    def __str__(self):
        return f"{self.practice} saw {self.item}"


class ItemPaper(PaperBase):
    """A paper attached to a decision item: read by whoever may read the item, added by whoever may edit it."""

    PLACE_PATH = "item__place"
    OWNER, URL_NAME = "item", "decisions:paper"
    item = models.ForeignKey(DecisionItem, on_delete=models.PROTECT, related_name="papers")
    history = HistoricalRecords()
