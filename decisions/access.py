"""Who may see and do what with decisions. Every decisions view asks these functions.

Role checks come from members.access; this module only adds what depends on a decision item or a round.
"""

from django.db.models import Prefetch
from django.http import Http404

from members.access import is_acting_member, is_chair, is_group, is_participant, practice_ids, require
from members.models import Organisation, Seat

from .models import DecisionItem, Principle, Round


def can_raise(user) -> bool:
    return is_acting_member(user)


def can_edit(user, item: DecisionItem) -> bool:
    """The lead (or, with no lead, whoever raised it) and the chair work on the wording between rounds."""
    if not item.is_revisable:
        return False
    if is_chair(user):
        return True
    if not is_acting_member(user):
        return False
    return user.pk == (item.lead_id or item.raised_by_id)


def can_comment(user, item: DecisionItem) -> bool:
    return is_acting_member(user) and item.is_open


def can_declare_interest(user, item: DecisionItem) -> bool:
    # Anyone on the group, observers included, may put an interest on record.
    return is_group(user)


def can_withdraw(user, item: DecisionItem) -> bool:
    return item.is_open and (is_chair(user) or (is_acting_member(user) and user.pk == item.raised_by_id))


def can_acknowledge(user, item: DecisionItem) -> bool:
    return item.is_published and bool(practice_ids(user))


def can_respond(user, round: Round, seat: Seat) -> bool:
    """Only the holder or the deputy of a seat asked in the round speaks for it."""
    return seat.is_held_by(user)


def get_item_for(user, pk: int, *, write: bool = False) -> DecisionItem:
    """The one way views fetch a decision item. write=True asks to change its wording."""
    require(is_participant(user))
    try:
        item = (
            DecisionItem.objects.select_related("raised_by", "lead", "redirected_to")
            .prefetch_related(
                Prefetch("principles", queryset=Principle.objects.order_by("title")),
                Prefetch("organisations", queryset=Organisation.objects.order_by("name")),
            )
            .get(pk=pk)
        )
    except DecisionItem.DoesNotExist:
        raise Http404("No such decision") from None
    # Drafts, discussion and positions are the group's: anyone else sees only what has been published.
    require(is_group(user) or item.is_published)
    if write:
        require(can_edit(user, item))
    return item


def get_round_for(user, item: DecisionItem, number: int) -> Round:
    require(is_group(user))
    try:
        return Round.objects.select_related("item").get(item=item, number=number)
    except Round.DoesNotExist:
        raise Http404("No such round") from None


def get_principle_for(user, pk: int, *, write: bool = False) -> Principle:
    require(is_participant(user))
    if write:
        require(is_chair(user))
    try:
        return Principle.objects.get(pk=pk)
    except Principle.DoesNotExist:
        raise Http404("No such principle") from None
