"""Priority-setting exercises: candidates, one ballot per practice, the stored count, and the delivery plan
for what the group agreed."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from members.models import InArray, Organisation, Place
from members.places import PlaceOwned, scoped_manager


def percent(part: int, whole: int) -> int:
    """A share in whole percent, the way turnout is shown everywhere; 0 when there is nothing to share."""
    return round(100 * part / whole) if whole else 0


def ballot_probe(exercise) -> models.Subquery:
    """Whether the practice of the outer query (OuterRef("pk")) has a ballot in `exercise` (an id or an OuterRef):
    its id if so, else NULL. Asked of the one-ballot-per-practice index, a practice at a time: a national vote has
    thousands of ballots from elsewhere, which a join or EXISTS (PostgreSQL turns it into a hash join) read in full
    (1.1 ms an exercise at national scale, against 0.45 ms). A subquery with LIMIT 1, which is not turned into one.
    The unscoped manager: the ballots of an exercise already in the outer query's place."""
    return models.Subquery(Ballot._base_manager.filter(exercise=exercise, practice=models.OuterRef("pk"))
                           .order_by().values("practice")[:1])


def ballots_by_exercise(exercises) -> models.QuerySet:
    """(exercise id, ballots) for each of `exercises` (a QuerySet of the place's exercises) that has ballots: the
    ballots of practices open now, the rule ExerciseQuerySet.with_turnout counts for one exercise (a closed
    practice's ballot no longer counts). For several exercises at once: each open practice of the place is looked up
    once in the ballots' index by practice (`ballot_practice_exercise`, the exercise read from the index alone), not
    once per exercise in the one-ballot index. At national scale a vote holds ballots from every practice in England
    and a place has four open: 361 look-ups instead of 1,444 (0.7 against 1.6-2.5 ms). The unscoped manager: the
    exercises are the place's already."""
    open_practices = Organisation.objects.open_practices().order_by().values("pk")
    return (Ballot._base_manager.filter(InArray(models.F("practice"), open_practices),
                                        InArray(models.F("exercise"), exercises.order_by().values("pk")))
            .order_by().values("exercise").annotate(n=Count("*")).values_list("exercise", "n"))


class ExerciseQuerySet(models.QuerySet):
    def with_turnout(self, *, open_only: bool = False):
        """Each exercise with `ballot_count`: the ballots of practices open now, the turnout
        priorities.services.turnout counts for one exercise (a closed practice's ballot no longer counts). With
        `open_only`, counted for open exercises only, None for the others: a list that shows the turnout of the open
        ones (a counted exercise reports the turnout stored at its close) asks nothing of the others' ballots."""
        # Counted per exercise by asking, for each open practice of its place, whether it voted (ballot_probe).
        ballots = (
            Organisation.objects.open_practices().filter(place=models.OuterRef("place"))
            .annotate(voted=ballot_probe(models.OuterRef(models.OuterRef("pk")))).filter(voted__isnull=False)
            .order_by().values(every=models.Value(1)).annotate(n=Count("*")).values("n")
        )
        ballot_count = Coalesce(models.Subquery(ballots), 0)
        if open_only:
            # PostgreSQL runs the subquery only where the CASE takes its branch.
            ballot_count = models.Case(models.When(status=Exercise.Status.OPEN, then=ballot_count), default=None,
                                       output_field=models.IntegerField())
        return self.annotate(ballot_count=ballot_count)

    def visible(self):
        """What practices and the group see: everything but drafts and archived exercises."""
        return self.filter(is_archived=False).exclude(status=Exercise.Status.DRAFT)

    def open(self):
        return self.filter(is_archived=False, status=Exercise.Status.OPEN)

    @staticmethod
    def latest_voted_order() -> list:
        """An open exercise (the latest to open) first, then counted ones, the most recently closed first."""
        return [
            # Open first, as a truth rather than CASE's 0 and 1: a constant that equals the place's id keeps a
            # query from being prepared (members.prepared).
            models.ExpressionWrapper(models.Q(status=Exercise.Status.OPEN), output_field=models.BooleanField()).desc(),
            models.F("closed_at").desc(nulls_last=True), models.F("opens_at").desc(), models.F("pk").desc(),
        ]

    def latest_voted_first(self):
        """Exercises practices have voted in, the one to report first first (latest_voted_order)."""
        return self.filter(
            is_archived=False, status__in=[Exercise.Status.OPEN, Exercise.Status.CLOSED, Exercise.Status.PUBLISHED]
        ).order_by(*self.latest_voted_order())


class Exercise(PlaceOwned):
    """One round of priority setting: the group proposes candidates and every practice votes."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Method(models.TextChoices):
        APPROVAL = "approval", "Approval – tick up to the number of priorities"
        POINTS = "points", "Points – share a fixed number of points"
        RANKED = "ranked", "Ranked – number the candidates in order (single transferable vote)"

    class Weighting(models.TextChoices):
        EQUAL = "equal", "One practice, one vote"
        LIST_SIZE = "list_size", "Weighted by registered list size"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for voting"
        CLOSED = "closed", "Closed and counted"
        PUBLISHED = "published", "Result published"

    title = models.CharField(max_length=200)
    purpose = models.TextField(help_text="Why the group is asking, and what the agreed priorities will be used for.")
    places = models.PositiveSmallIntegerField(
        "how many priorities to choose", default=3, help_text="The number of priorities the group will agree (k)."
    )
    method = models.CharField("counting method", max_length=10, choices=Method.choices, default=Method.RANKED)
    points_per_ballot = models.PositiveSmallIntegerField(
        "points each practice shares", default=10, help_text="Only used by the points method."
    )
    weighting = models.CharField(max_length=10, choices=Weighting.choices, default=Weighting.EQUAL)
    ballots_visible_after_close = models.BooleanField(
        "show each practice's ballot to the group after the close",
        default=False,
        help_text="Leave unticked for a secret ballot: only turnout is shown.",
    )
    opens_at = models.DateTimeField("voting opens")
    closes_at = models.DateTimeField("voting closes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The count, stored at the close so the result page never recounts: every number is a string of a Decimal.
    result = models.JSONField(null=True, blank=True, editable=False)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords(excluded_fields=["result"])

    objects = scoped_manager(ExerciseQuerySet)

    class Meta:
        ordering = ["-closes_at", "title"]
        constraints = [
            models.CheckConstraint(
                name="exercise_closes_after_it_opens", condition=Q(closes_at__gt=models.F("opens_at"))
            ),
            models.CheckConstraint(name="exercise_chooses_at_least_one", condition=Q(places__gte=1)),
            models.CheckConstraint(
                name="exercise_counted_once_closed",
                condition=Q(status__in=["draft", "open"]) | Q(result__isnull=False, closed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_weighted(self) -> bool:
        return self.weighting == self.Weighting.LIST_SIZE

    @property
    def is_counted(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.PUBLISHED)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def accepts_votes(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at

    def window_state(self, now=None) -> str:
        """In the users' words: 'not yet open', 'open', 'closed'."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.status != self.Status.OPEN or now >= self.closes_at:
            return "closed"
        return "open" if now >= self.opens_at else "not yet open"


class Candidate(models.Model):
    """A candidate priority proposed by the group."""

    PLACE_PATH = "exercise__place"
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="candidates")
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    influence_sought = models.TextField(
        "influence sought on the local system", blank=True,
        help_text="What the group wants the ICB, trusts or council to do differently.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            # The count names candidates by title, so two live candidates in one exercise never share one.
            models.UniqueConstraint(
                fields=["exercise", "title"], condition=Q(is_archived=False), name="one_live_candidate_per_title"
            ),
        ]

    def __str__(self):
        return self.title


class Ballot(models.Model):
    """A practice's ballot. One per practice per exercise; the voting contact changes it until the close.

    ``choices`` holds candidate ids: approval a list of the ticked ids, points {id: points}, ranked the ids in
    order of preference. ``weight`` is set at the close: 1, or the practice's list size at that moment.
    """

    PLACE_PATH = "exercise__place"
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="ballots")
    practice = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="priority_ballots", limit_choices_to={"kind": "practice"}
    )
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choices = models.JSONField()
    receipt_code = models.CharField(max_length=20)
    revision = models.PositiveIntegerField(default=1)
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    weight = models.DecimalField(max_digits=12, decimal_places=5, null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["exercise", "practice__name"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "practice"], name="one_ballot_per_practice_per_exercise"),
        ]
        indexes = [
            # A practice's ballots with their exercises, from the index alone: the open votes' turnout counted for
            # all of them in one pass over the place's open practices (BallotQuerySet.counted_by_exercise).
            models.Index(fields=["practice", "exercise"], name="ballot_practice_exercise"),
        ]

    def __str__(self):
        return f"Ballot of {self.practice} in {self.exercise}"


class RAG(models.TextChoices):
    GREEN = "green", "Green – on track"
    AMBER = "amber", "Amber – at risk"
    RED = "red", "Red – off track"
    COMPLETE = "complete", "Complete"


class AgreedPriorityQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_archived=False)


class AgreedPriority(models.Model):
    """A priority the group agreed from an exercise's result, with its delivery plan."""

    PLACE_PATH = "exercise__place"
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="agreed_priorities")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="agreed_priorities")
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    influence_sought = models.TextField("influence sought on the local system", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(AgreedPriorityQuerySet)

    class Meta:
        ordering = ["exercise", "position", "pk"]
        verbose_name_plural = "agreed priorities"
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "candidate"],
                condition=Q(is_archived=False),
                name="one_agreed_priority_per_candidate",
            ),
        ]

    def __str__(self):
        return self.title


class PlanItemQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_archived=False)

    def overdue(self, today=None):
        """Due before today and not complete. PlanItem.is_overdue is the same test for one item."""
        today = today or timezone.localdate()
        return self.current().filter(due_date__lt=today).exclude(rag_status=RAG.COMPLETE)

    def needing_attention(self, today=None):
        """Overdue, or rated red or amber."""
        return self.overdue(today) | self.current().filter(rag_status__in=[RAG.RED, RAG.AMBER])


class PlanItem(models.Model):
    """One line of a delivery plan: objective → initiative → action → milestone, each with a lead."""

    PLACE_PATH = "priority__exercise__place"

    class Kind(models.TextChoices):
        OBJECTIVE = "objective", "Objective"
        INITIATIVE = "initiative", "Initiative"
        ACTION = "action", "Action"
        MILESTONE = "milestone", "Milestone"

    # The parent each kind hangs from, as in a primary-care delivery plan.
    PARENT_KIND = {
        Kind.OBJECTIVE: None,
        Kind.INITIATIVE: Kind.OBJECTIVE,
        Kind.ACTION: Kind.INITIATIVE,
        Kind.MILESTONE: Kind.ACTION,
    }

    priority = models.ForeignKey(AgreedPriority, on_delete=models.PROTECT, related_name="plan_items")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    lead = models.CharField(max_length=150, help_text="The person (and organisation) who answers for it.")
    due_date = models.DateField(null=True, blank=True)
    funding_note = models.CharField(max_length=300, blank=True, help_text="Where the money comes from, if any.")
    rag_status = models.CharField("RAG status", max_length=10, choices=RAG.choices, default=RAG.GREEN)
    position = models.PositiveSmallIntegerField(default=0)
    is_archived = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = scoped_manager(PlanItemQuerySet)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                name="only_objectives_sit_at_the_top",
                condition=Q(kind="objective", parent__isnull=True) | (~Q(kind="objective") & Q(parent__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def is_overdue(self, today=None) -> bool:
        """The instance twin of PlanItemQuerySet.overdue."""
        today = today or timezone.localdate()
        return bool(
            not self.is_archived and self.due_date and self.due_date < today and self.rag_status != RAG.COMPLETE
        )


class ProgressUpdate(models.Model):
    """A progress report on a plan item: its RAG status then and what happened. The plan's progress history."""

    PLACE_PATH = "item__priority__exercise__place"
    item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="progress_updates")
    rag_status = models.CharField("RAG status", max_length=10, choices=RAG.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = scoped_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.item}: {self.get_rag_status_display()} on {self.recorded_at:%d %b %Y}"
