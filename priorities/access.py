"""Who may see and change priority-setting exercises, agreed priorities and plans. Every view asks these.

- The chair, and gatekeepers as admin support, run exercises and keep the plans ("managers").
- Only the chair archives an exercise.
- Group members and observers see exercises, turnout and, once published, results.
- Practice staff see what is open and whether their practice has voted; the voting contacts cast its ballot.
- Anyone else signed in sees nothing.

The getters follow members.access's policy: an exercise, candidate, priority or plan item a person may not see
(a draft, for all but those who run exercises) is not found (404); one they may see but may not do this to is
forbidden (403).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from members.access import (
    allow_to,
    get_visible,
    get_visible_by_pk,
    is_chair,
    is_gatekeeper,
    is_group,
    is_practice_user,
    own_practice,
    require,
)
from members.models import Organisation

from .models import AgreedPriority, Candidate, Exercise, PlanItem


def can_manage(user) -> bool:
    return is_chair(user) or is_gatekeeper(user)


def can_archive(user) -> bool:
    """Archiving takes an exercise out of everyone's sight, so it is the chair's call, not admin support's."""
    return is_chair(user)


def can_see_priorities(user) -> bool:
    return is_group(user) or is_practice_user(user)


def can_see_turnout(user, exercise: Exercise) -> bool:
    """Before the close only the group sees turnout; once published it goes out with the result."""
    return is_group(user) or exercise.is_published


def can_see_result(user, exercise: Exercise) -> bool:
    """The chair and gatekeepers check the stored count before publishing; everyone else waits for it."""
    return exercise.is_published or (exercise.is_counted and can_manage(user))


def can_see_ballots(user, exercise: Exercise) -> bool:
    """Secret unless the exercise was set up with visible ballots, and then only after the close."""
    return exercise.ballots_visible_after_close and can_see_result(user, exercise) and is_group(user)


def _visible_exercises(user):
    """Those who run exercises see drafts too; everyone else who sees priorities sees the rest."""
    return _exercises_seen(can_manage(user))


def _exercises_seen(manages: bool):
    return Exercise.objects.filter(is_archived=False) if manages else Exercise.objects.visible()


def _exercise_rules(user) -> dict:
    return {
        "read": lambda: True,
        **dict.fromkeys(("edit", "open", "close", "publish", "confirm"), lambda: can_manage(user)),
        "archive": lambda: can_archive(user),
    }


def get_exercise_for(user, pk: int, *, to: str = "read") -> Exercise:
    manages = can_manage(user)
    exercise = get_visible_by_pk(("access.exercise", manages), lambda: _exercises_seen(manages).select_related(
        "published_by"), visible=can_see_priorities(user), label="exercise", pk=pk)
    allow_to(to, _exercise_rules(user))
    return exercise


def get_candidate_for(user, pk: int, *, to: str = "read") -> Candidate:
    """A candidate of an exercise the person can see; those who run exercises change them."""
    candidate = get_visible(
        Candidate.objects.select_related("exercise").filter(is_archived=False, exercise__in=_visible_exercises(user)),
        visible=can_see_priorities(user), label="candidate", pk=pk,
    )
    allow_to(to, {"read": lambda: True, "edit": lambda: can_manage(user), "remove": lambda: can_manage(user)})
    return candidate


def get_voting_practice_for(user, pk: int) -> Organisation:
    """A practice the user works for. Whether they may cast its ballot is the service's rule (voting contact)."""
    require(can_see_priorities(user))
    practice = own_practice(user, pk)
    if practice is None:
        raise PermissionDenied("You can only vote for a practice you work for.")
    return practice


def get_priority_for(user, pk: int, *, to: str = "read") -> AgreedPriority:
    """An agreed priority and its plan: everyone who sees priorities reads it; those who run exercises plan it."""
    priority = get_visible(AgreedPriority.objects.current().select_related("exercise", "candidate"),
                           visible=can_see_priorities(user), label="agreed priority", pk=pk)
    allow_to(to, {"read": lambda: True, "plan": lambda: can_manage(user)})
    return priority


def get_plan_item_for(user, pk, *, to: str = "read", priority: AgreedPriority | None = None) -> PlanItem:
    """A line of a live plan (of `priority`, if given): read by everyone who sees priorities, kept by those who
    run exercises. "add_under" adds an item beneath it."""
    queryset = PlanItem.objects.current().filter(priority__is_archived=False).select_related("priority", "parent")
    if priority is not None:
        queryset = queryset.filter(priority=priority)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such plan item") from None
    item = get_visible(queryset, visible=can_see_priorities(user), label="plan item", pk=pk)
    allow_to(to, {"read": lambda: True, **dict.fromkeys(("edit", "remove", "add_under"), lambda: can_manage(user))})
    return item
