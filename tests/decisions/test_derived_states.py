"""A round's state by its deadline is one QuerySet method with its predicate beside it; whether the chair may
confirm a consensus is one service check, which the item page and the confirmation both ask."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.models import Round

from ..factories import RoundFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.mark.parametrize("deadline_in_hours,closed,overdue,live", [
    (-1, False, True, False),
    (1, False, False, True),
    (-1, True, False, False),
    (1, True, False, False),
])
def test_a_rounds_deadline_state_is_one_rule(deadline_in_hours, closed, overdue, live):
    the_round = RoundFactory(deadline=NOW + timedelta(hours=deadline_in_hours))
    if closed:
        the_round.closed_at, the_round.outcome = NOW, Round.Outcome.CANCELLED
        the_round.save()
    assert (Round.objects.overdue(NOW).filter(pk=the_round.pk).exists(), the_round.is_overdue(NOW)) == (overdue,
                                                                                                      overdue)
    assert (Round.objects.live(NOW).filter(pk=the_round.pk).exists(), the_round.is_live(NOW)) == (live, live)


def _confirmable(item) -> bool:
    last = item.rounds.order_by("-number").first()
    try:
        services.check_confirmable(item=item, last_round=last)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("stances,expected", [
    ({"pcn": "support", "lmc": "live_with", "fed": "stand_aside"}, True),
    ({"pcn": "support", "lmc": "support"}, False),
])
def test_the_chair_may_confirm_exactly_when_the_page_offers_it(client_for, chair, open_round, seats, stances,
                                                                 expected):
    for key, stance in stances.items():
        services.position_record(round=open_round, seat=seats[key], by=seats[key].holder, stance=stance,
                                 reason="Recorded." if stance == "stand_aside" else "")
    item = open_round.item
    html = client_for(chair).get(reverse("decisions:item", args=[item.pk])).content.decode()
    offered = reverse("decisions:confirm", args=[item.pk]) in html
    assert (_confirmable(item), offered) == (expected, expected)


def test_a_round_closed_with_consensus_stays_confirmable(chair, open_round, seats):
    for seat in seats.values():
        services.position_record(round=open_round, seat=seat, by=seat.holder, stance="support")
    services.round_close(round=open_round, by=chair)
    assert _confirmable(open_round.item)
    services.item_confirm(item=open_round.item, by=chair, statement="Agreed.")
    open_round.item.refresh_from_db()
    assert not _confirmable(open_round.item)


@pytest.mark.parametrize("stances,closed,expected", [
    ({"pcn": "support", "lmc": "live_with", "fed": "stand_aside"}, False, True),
    ({"pcn": "support", "lmc": "live_with", "fed": "stand_aside"}, True, True),
    ({"pcn": "support", "lmc": "support"}, False, False),
    ({"pcn": "support", "lmc": "block"}, False, False),
])
def test_awaiting_sign_off_is_the_confirmable_rule(chair, open_round, seats, stances, closed, expected):
    from decisions.models import DecisionItem

    for key, stance in stances.items():
        services.position_record(round=open_round, seat=seats[key], by=seats[key].holder, stance=stance,
                                 reason="" if stance in ("support", "live_with") else "Recorded.")
    if closed:
        services.round_close(round=open_round, by=chair)
    item = open_round.item
    item.refresh_from_db()
    assert (DecisionItem.objects.awaiting_sign_off().filter(pk=item.pk).exists(), _confirmable(item)) == (
        expected, expected)
