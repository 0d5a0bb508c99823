"""Who may see and change priority-setting exercises, agreed priorities and plans. Every view asks these.

- The chair, and gatekeepers as admin support, run exercises and keep the plans ("managers").
- Only the chair archives an exercise.
- Group members and observers see exercises, turnout and, once published, results.
- Practice staff see what is open and whether their practice has voted; the voting contacts cast its ballot.
- Anyone else signed in sees nothing.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from members.access import is_chair, is_gatekeeper, is_group, is_practice_user, practice_ids, require
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


def get_exercise_for(user, pk: int, *, write: bool = False) -> Exercise:
    require(can_manage(user) if write else can_see_priorities(user))
    try:
        exercise = Exercise.objects.select_related("published_by").get(pk=pk, is_archived=False)
    except Exercise.DoesNotExist:
        raise Http404("No such exercise") from None
    if exercise.status == Exercise.Status.DRAFT and not can_manage(user):
        raise Http404("No such exercise")
    return exercise


def get_candidate_for(user, pk: int, *, write: bool = False) -> Candidate:
    require(can_manage(user) if write else can_see_priorities(user))
    try:
        return Candidate.objects.select_related("exercise").get(pk=pk, is_archived=False, exercise__is_archived=False)
    except Candidate.DoesNotExist:
        raise Http404("No such candidate") from None


def get_voting_practice_for(user, pk: int) -> Organisation:
    """A practice the user works for. Whether they may cast its ballot is the service's rule (voting contact)."""
    require(can_see_priorities(user))
    if pk not in practice_ids(user):
        raise PermissionDenied("You can only vote for a practice you work for.")
    return Organisation.objects.select_related("pcn").get(pk=pk)


def get_priority_for(user, pk: int, *, write: bool = False) -> AgreedPriority:
    require(can_manage(user) if write else can_see_priorities(user))
    try:
        return AgreedPriority.objects.select_related("exercise", "candidate").get(pk=pk, is_archived=False)
    except AgreedPriority.DoesNotExist:
        raise Http404("No such agreed priority") from None


def get_plan_item_for(user, pk: int, *, write: bool = False) -> PlanItem:
    require(can_manage(user) if write else can_see_priorities(user))
    try:
        return PlanItem.objects.select_related("priority", "parent").get(
            pk=pk, is_archived=False, priority__is_archived=False
        )
    except PlanItem.DoesNotExist:
        raise Http404("No such plan item") from None
