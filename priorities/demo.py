"""Demo priority setting for Northbrook: last year's ranked vote, counted, published and agreed, with a delivery
plan that has a red item, an amber one and an overdue milestone; and this winter's weighted approval vote, open
and closing in three days with some practices voted.

Everything goes through the services, each step at its own moment (members.demo.as_of).
Idempotent: an exercise whose title already exists is left alone.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.demo import DemoPeople, as_of, days_ago

from . import services
from .models import Exercise

CLOSED_TITLE = "Primary care priorities 2026/27"
OPEN_TITLE = "Winter 2026 asks of the ICB"

CLOSED_CANDIDATES = [
    ("Same-day access hubs", "A hub in each PCN for same-day urgent appointments.",
     "The ICB funds hub clinicians recurrently, not by winter pilot."),
    ("Estates fit for the team", "Room for ARRS staff, trainees and students in every practice.",
     "The ICB prioritises primary care in its estates strategy and capital bids."),
    ("Interface with the hospital", "Hospitals do their own follow-up tests, fit notes and prescriptions.",
     "The trust enforces the NHS Standard Contract's interface requirements."),
    ("Workforce retention", "Keep experienced GPs and nurses working here.",
     "The ICB funds a local retention scheme and protected learning time."),
    ("Digital telephony", "Cloud telephony with call-back in every practice.",
     "The ICB pays the transition costs."),
]
OPEN_CANDIDATES = [
    ("Winter hub capacity", "Extra same-day appointments from December to March.", "Funding agreed by October."),
    ("Respiratory virtual ward", "Step-up care for COPD and asthma at home.", "The community trust staffs it."),
    ("Flu and COVID vaccine supply", "Reliable delivery dates for practices.", "The ICB coordinates supply."),
    ("Care home ward rounds", "Weekly GP-led rounds in every care home.", "Enhanced service uplift."),
]
# Ballots for the closed vote, by candidate number, one per practice in turn (the last four did not vote).
RANKINGS = [
    [0, 2, 3], [0, 3], [2, 0, 1], [3, 0], [0, 1, 2, 3], [1, 0], [2, 3, 0], [0, 2], [3, 2, 0], [0],
    [2, 0], [1, 3, 0], [0, 3, 2], [3, 1], [2, 0, 3], [4, 0, 2],
]
APPROVALS = [[0, 1], [0], [1, 3], [0, 2], [0, 1], [3], [0, 3]]


def _exercise(chair, title, candidates, *, drafted, **fields) -> tuple[Exercise, list]:
    with as_of(drafted):
        exercise = services.exercise_create(created_by=chair, title=title, **fields)
    added = []
    for n, (t, d, i) in enumerate(candidates):
        with as_of(drafted + timedelta(days=1, hours=n)):
            added.append(services.candidate_add(exercise=exercise, title=t, description=d, influence_sought=i))
    return exercise, added


def _cast(exercise, practice, manager, choices, at):
    with as_of(at):
        services.ballot_cast(exercise=exercise, practice=practice, user=manager, choices=choices, now=at)


@transaction.atomic
def load_priorities(people: DemoPeople) -> None:
    now = days_ago(0)
    chair = people.chair
    voters = list(zip(people.practices, people.practice_managers, strict=False))
    if not Exercise.objects.filter(title=CLOSED_TITLE).exists():
        opened, closed = now - timedelta(days=75), now - timedelta(days=61)
        exercise, c = _exercise(
            chair, CLOSED_TITLE, CLOSED_CANDIDATES,
            purpose="Agree the three things the group asks the ICB and the trusts for this year, so that every "
                    "member says the same thing to the system.",
            places=3, method=Exercise.Method.RANKED, points_per_ballot=10, weighting=Exercise.Weighting.EQUAL,
            ballots_visible_after_close=False, opens_at=opened, closes_at=closed, drafted=opened - timedelta(days=12),
        )
        with as_of(opened):
            services.exercise_open(exercise=exercise, opened_by=chair, now=opened)
        for n, ((practice, manager), ranking) in enumerate(zip(voters, RANKINGS, strict=False)):
            _cast(exercise, practice, manager, [c[i].pk for i in ranking], opened + timedelta(hours=5 + n * 17))
        with as_of(closed):
            exercise = services.exercise_close(exercise=exercise, now=closed)
        published = closed + timedelta(days=2)
        with as_of(published):
            exercise = services.exercise_publish(exercise=exercise, published_by=chair, now=published)
            winners = [cand for cand in c if cand.pk in exercise.result["winner_ids"]]
            agreed = services.priorities_confirm(exercise=exercise, candidates=winners, confirmed_by=chair,
                                                 now=published)
        with as_of(published + timedelta(days=6)):
            _plan(agreed, chair)
    if not Exercise.objects.filter(title=OPEN_TITLE).exists():
        opened = now - timedelta(days=5)
        exercise, c = _exercise(
            chair, OPEN_TITLE, OPEN_CANDIDATES,
            purpose="Choose the two asks the group takes to the ICB's winter planning meeting.",
            places=2, method=Exercise.Method.APPROVAL, points_per_ballot=10,
            weighting=Exercise.Weighting.LIST_SIZE, ballots_visible_after_close=True,
            opens_at=opened, closes_at=now + timedelta(days=3), drafted=opened - timedelta(days=9),
        )
        with as_of(opened):
            services.exercise_open(exercise=exercise, opened_by=chair, now=opened)
        for n, ((practice, manager), ticks) in enumerate(zip(voters, APPROVALS, strict=False)):
            _cast(exercise, practice, manager, [c[i].pk for i in ticks], opened + timedelta(hours=3 + n * 11))


def _plan(agreed, chair) -> None:
    today = timezone.localdate(days_ago(0))  # the real today: the plan's due dates are counted from it
    first = agreed[0]

    def add(parent, kind, title, lead, due_days, funding="", rag="green", priority=first):
        return services.plan_item_add(
            priority=priority, parent=parent, kind=kind, added_by=chair, title=title, lead=lead,
            due_date=today + timedelta(days=due_days), funding_note=funding, rag_status=rag,
        )

    objective = add(None, "objective", "Every patient who needs it is seen the same day", "Chair of the group", 300)
    hubs = add(objective, "initiative", "A same-day hub in each PCN", "PCN clinical directors", 240,
               "ICB same-day access fund, £1.2m a year")
    rota = add(hubs, "action", "Agree the hub clinician rota with the federation", "Federation director", 30,
               "Within the hub budget", rag="amber")
    add(rota, "milestone", "Draft rota shared with practices", "Federation director", -7, rag="amber")
    add(rota, "milestone", "Rota live in two PCNs", "Federation director", 45)
    it = add(hubs, "action", "Shared appointment book across practices", "ICB digital lead", 90,
             "ICB digital budget, not yet confirmed", rag="red")
    with as_of(days_ago(16)):
        services.plan_item_update(item=it, updated_by=chair, note="The ICB has paused digital spend until Q3.",
                                  rag_status="red", title=it.title, lead=it.lead)
    if len(agreed) > 1:
        second = add(None, "objective", agreed[1].title, "LMC medical secretary", 365, priority=agreed[1])
        add(second, "initiative", "Agree the local position with the ICB", "LMC medical secretary", 120,
            "No new money needed", priority=agreed[1])
