"""Who may see and do what with decisions. Every decisions view asks these functions.

Role checks come from members.access; this module only adds what depends on a decision item or a round. The
getters follow members.access's policy: an item, round or principle a person may not see is not found (404); one
they may see but may not do this to is forbidden (403).
"""

from django.db.models import OuterRef, Subquery
from django.http import Http404

from members import prepared
from members.access import (
    allow_to,
    get_visible,
    get_visible_by_pk,
    is_acting_member,
    is_chair,
    is_gatekeeper,
    is_group,
    is_participant,
    practice_ids,
)
from members.models import Organisation, Seat

from .models import DecisionItem, JSONListInOrder, OrderedJSONList, Principle, Round


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


def can_record_for_seats(user) -> bool:
    """The chair and the gatekeepers write down a position a seat gave by phone or in the meeting."""
    return is_chair(user) or is_gatekeeper(user)


def _item_rules(user, item: DecisionItem) -> dict:
    """What a person may do to an item they can see, by what the view wants to do."""
    return {
        "read": lambda: True,
        "edit": lambda: can_edit(user, item),
        "comment": lambda: can_comment(user, item),
        "declare": lambda: can_declare_interest(user, item),
        "acknowledge": lambda: can_acknowledge(user, item),
        "withdraw": lambda: can_withdraw(user, item),
        # The chair runs the consensus check; the services say whether the item is at that stage.
        "open_round": lambda: is_chair(user),
        "confirm": lambda: is_chair(user),
        "publish": lambda: is_chair(user),
        "end": lambda: is_chair(user) and item.is_open,
    }


def _named(queryset, name: str):
    """The [name, id] pairs of the rows of `queryset` (related to the item by `decisions` or
    `decisions_concerning`) for the item of the outer query, as a subquery of the item's own row."""
    related = "decisions" if queryset.model is Principle else "decisions_concerning"
    return Subquery(queryset.filter(**{related: OuterRef("pk")}).order_by().values(related)
                    .annotate(pairs=JSONListInOrder(name, "pk")).values("pairs"), output_field=OrderedJSONList())


def get_item_for(user, pk: int, *, to: str = "read") -> DecisionItem:
    """The one way views fetch a decision item. Drafts, discussion and positions are the group's: anyone else
    sees only what has been published, and an item they may not see is not found. From prepared SQL
    (members.prepared), with its principles and the organisations it concerns read in its own row (the ids and the
    titles and names that pages show; any other field is read when asked for): two queries of their own before."""
    group, participant = is_group(user), is_participant(user)
    item = get_visible_by_pk(
        ("access.item", group, participant),
        lambda: DecisionItem.objects.visible_as(group=group, participant=participant)
        .select_related("raised_by", "lead", "redirected_to")
        .annotate(principle_pairs=_named(Principle.objects.all(), "title"),
                  organisation_pairs=_named(Organisation.objects.all(), "name")),
        visible=participant, label="decision", pk=pk,
    )
    db = item._state.db
    prepared.prefetched(item, "principles", [Principle.from_db(db, ["id", "title"], [principle_id, title])
                                             for title, principle_id in item.principle_pairs])
    prepared.prefetched(item, "organisations", [Organisation.from_db(db, ["id", "name"], [organisation_id, name])
                                                for name, organisation_id in item.organisation_pairs])
    allow_to(to, _item_rules(user, item))
    return item


def get_round_for(user, pk: int, number: int, *, to: str = "read") -> Round:
    """A round of an item, with the item. Rounds and positions are the group's: anyone else finds none."""
    the_round = get_visible(Round.objects.select_related("item"), visible=is_group(user), label="round",
                            item_id=pk, number=number)
    allow_to(to, {"read": lambda: True, "close": lambda: is_chair(user)})
    return the_round


def get_asked_seat_for(user, pk: int, number: int, seat_pk: int, *, to: str = "respond") -> tuple[Round, Seat]:
    """A seat asked in a round, with the round: only the seat's holder or deputy speaks for it."""
    the_round = get_round_for(user, pk, number)
    try:
        seat = the_round.seats.select_related("holder", "deputy").get(pk=seat_pk)
    except Seat.DoesNotExist:
        raise Http404("This seat was not asked in this round") from None
    allow_to(to, {"respond": lambda: can_respond(user, the_round, seat), "record": lambda: can_record_for_seats(user)})
    return the_round, seat


def get_principle_for(user, pk: int, *, to: str = "read") -> Principle:
    """Participants read the group's principles (the group sees retired ones too); only the chair changes them."""
    queryset = Principle.objects.all() if is_group(user) else Principle.objects.current()
    principle = get_visible(queryset, visible=is_participant(user), label="principle", pk=pk)
    allow_to(to, {"read": lambda: True, "edit": lambda: is_chair(user), "retire": lambda: is_chair(user)})
    return principle
