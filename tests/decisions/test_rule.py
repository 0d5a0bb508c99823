"""The consensus rule and every transition of an item, through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from decisions import services
from decisions.models import Acknowledgement, DecisionItem, Position, Round

from ..factories import DecisionItemFactory, PositionFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = DecisionItem.Status


# The rule on its own -------------------------------------------------------------------------------------


def verdict(stances, seats=(1, 2, 3), deadline_passed=False):
    return services.consensus_verdict(seat_ids=seats, stances=stances, deadline_passed=deadline_passed)


def test_every_seat_supporting_is_consensus():
    assert verdict({1: "support", 2: "support", 3: "support"}).outcome == "consensus"


def test_living_with_it_and_standing_aside_still_reach_consensus_and_stand_asides_are_kept():
    result = verdict({1: "support", 2: "live_with", 3: "stand_aside"})
    assert result.is_consensus
    assert result.stand_aside_seat_ids == {3}


def test_a_round_with_seats_missing_waits_until_the_deadline():
    result = verdict({1: "support", 2: "support"})
    assert result.outcome == ""
    assert result.missing_seat_ids == {3}


def test_a_deadline_passing_with_seats_missing_ends_without_consensus():
    assert verdict({1: "support", 2: "support"}, deadline_passed=True).outcome == "lapsed"


def test_a_deadline_passing_with_every_seat_in_and_no_block_is_consensus():
    assert verdict({1: "support", 2: "support", 3: "live_with"}, deadline_passed=True).is_consensus


def test_a_block_that_arrives_after_all_others_supported_stops_consensus():
    result = verdict({1: "support", 2: "support", 3: "block"})
    assert result.outcome == "blocked"
    assert result.blocking_seat_ids == {3}


def test_a_block_stops_consensus_even_with_seats_missing():
    assert verdict({1: "block"}).outcome == "blocked"


def test_answers_from_seats_not_asked_do_not_count():
    assert verdict({1: "support", 2: "support", 3: "support", 99: "block"}).is_consensus


# Opening a round ------------------------------------------------------------------------------------------


def test_opening_a_round_freezes_the_wording_and_asks_every_active_seat(chair, item, seats, deadline):
    SeatFactory(title="Retired seat", is_active=False)
    the_round = services.round_open(item=item, by=chair, deadline=deadline)
    item.refresh_from_db()
    assert item.status == Status.CONSENSUS_CHECK
    assert the_round.number == 1
    assert the_round.wording == "The PCNs will run one shared phlebotomy service from April."
    assert set(the_round.seats.all()) == set(seats.values())
    assert DecisionItem.objects.in_consensus_check().get() == item
    assert Round.objects.open().get() == the_round


def test_a_seat_added_mid_round_does_not_change_the_rule(chair, open_round, seats):
    SeatFactory(title="New co-opted seat")
    for seat in seats.values():
        services.position_record(round=open_round, seat=seat, by=seat.holder, stance="support")
    assert services.round_verdict(round=open_round).is_consensus


@pytest.mark.parametrize("problem", ["no_wording", "past_deadline", "vacant_seat", "already_open"])
def test_a_round_is_not_opened_when_it_could_not_work(chair, item, seats, deadline, problem):
    if problem == "no_wording":
        item.proposed_wording = ""
        item.save()
    if problem == "past_deadline":
        deadline = timezone.now() - timezone.timedelta(minutes=1)
    if problem == "vacant_seat":
        SeatFactory(title="Vacant seat", holder=None)
    if problem == "already_open":
        services.round_open(item=item, by=chair, deadline=deadline)
    with pytest.raises(ValidationError):
        services.round_open(item=item, by=chair, deadline=deadline)
    assert Round.objects.count() == (1 if problem == "already_open" else 0)


def test_the_deadline_is_the_end_of_the_chosen_day():
    deadline = services.deadline_from_date(timezone.localdate())
    local = timezone.localtime(deadline)
    assert (local.hour, local.minute) == (23, 59)


# Positions ------------------------------------------------------------------------------------------------


def test_the_holder_records_a_position(open_round, seats, member):
    position = services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    assert position.responded_by == member
    assert position.history.count() == 1


def test_holder_and_deputy_both_responding_leave_one_position_the_later_and_both_in_history(
    open_round, seats, lmc_holder, lmc_deputy
):
    services.position_record(round=open_round, seat=seats["lmc"], by=lmc_holder, stance="support")
    services.position_record(round=open_round, seat=seats["lmc"], by=lmc_deputy, stance="stand_aside",
                             reason="The LMC has not met on it yet.")
    position = Position.objects.get(round=open_round, seat=seats["lmc"])
    assert position.stance == "stand_aside"
    assert position.responded_by == lmc_deputy
    history = list(position.history.order_by("history_date"))
    assert [(h.stance, h.responded_by_id, h.history_user_id) for h in history] == [
        ("support", lmc_holder.pk, lmc_holder.pk),
        ("stand_aside", lmc_deputy.pk, lmc_deputy.pk),
    ]


def test_only_the_holder_or_deputy_speaks_for_a_seat(open_round, seats, member, chair):
    for person in (chair, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.position_record(round=open_round, seat=seats["lmc"], by=person, stance="support")
    assert not Position.objects.exists()


@pytest.mark.parametrize("stance", ["stand_aside", "block"])
def test_standing_aside_or_blocking_needs_a_reason(open_round, seats, member, stance):
    with pytest.raises(ValidationError):
        services.position_record(round=open_round, seat=seats["pcn"], by=member, stance=stance, reason="  ")
    assert not Position.objects.exists()


def test_the_database_refuses_a_block_without_a_reason(open_round, seats, member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(round=open_round, seat=seats["pcn"], stance="block", reason="", responded_by=member)


def test_the_database_refuses_a_second_position_for_a_seat_in_a_round(open_round, seats, member):
    PositionFactory(round=open_round, seat=seats["pcn"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionFactory(round=open_round, seat=seats["pcn"], stance="live_with")
    assert Position.objects.count() == 1


def test_a_block_after_all_others_supported_closes_the_round_without_consensus(
    open_round, seats, member, lmc_holder, fed_holder, principle
):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    services.position_record(round=open_round, seat=seats["lmc"], by=lmc_holder, stance="support")
    services.position_record(round=open_round, seat=seats["fed"], by=fed_holder, stance="block",
                             reason="It would take work from practices without their agreement.", principle=principle)
    open_round.refresh_from_db()
    assert open_round.outcome == "blocked"
    assert open_round.closed_at is not None
    assert DecisionItem.objects.get().status == Status.DISCUSSION
    assert Position.objects.get(seat=seats["fed"]).principle == principle
    with pytest.raises(ValidationError):
        services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="live_with")


def test_a_position_may_change_until_the_round_closes(open_round, seats, member, chair):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="live_with")
    assert Position.objects.get().stance == "live_with"
    services.round_close(round=open_round, by=chair)
    with pytest.raises(ValidationError):
        services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")


def test_no_position_is_taken_after_the_deadline(open_round, seats, member):
    later = open_round.deadline + timezone.timedelta(minutes=1)
    with pytest.raises(ValidationError):
        services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support", now=later)


def test_a_position_on_an_item_with_a_related_declared_interest_is_flagged(open_round, seats, member, lmc):
    from ..factories import DeclarationFactory

    open_round.item.organisations.add(lmc)
    DeclarationFactory(user=member, interest="Sessional GP for the LMC", organisation=lmc)
    services.interest_declare(item=open_round.item, user=member, interest="My practice would host the hub.")
    position = services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    assert "Sessional GP for the LMC" in position.interest_flag
    assert "host the hub" in position.interest_flag


# Closing rounds -------------------------------------------------------------------------------------------


def test_the_deadline_passing_with_seats_missing_closes_the_round_without_consensus(open_round, seats, member):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    assert services.rounds_close_overdue(now=open_round.deadline + timezone.timedelta(seconds=1)) == 1
    open_round.refresh_from_db()
    assert open_round.outcome == "lapsed"
    assert open_round.closed_by is None
    assert DecisionItem.objects.get().status == Status.DISCUSSION


def test_the_deadline_passing_with_every_seat_in_closes_with_consensus_awaiting_the_chair(open_round, seats):
    for seat in seats.values():
        services.position_record(round=open_round, seat=seat, by=seat.holder, stance="live_with")
    services.rounds_close_overdue(now=open_round.deadline + timezone.timedelta(seconds=1))
    open_round.refresh_from_db()
    assert open_round.outcome == "consensus"
    # Reaching consensus is not the decision: the chair confirms it as a separate step.
    assert DecisionItem.objects.get().status == Status.CONSENSUS_CHECK


def test_closing_early_with_seats_missing_is_without_consensus_and_closing_twice_changes_nothing(
    open_round, chair
):
    services.round_close(round=open_round, by=chair)
    first = Round.objects.get().closed_at
    services.round_close(round=open_round, by=chair)
    closed = Round.objects.get()
    assert (closed.outcome, closed.closed_by, closed.closed_at) == ("lapsed", chair, first)


def test_the_lead_revises_and_round_two_reaches_consensus(chair, open_round, seats, member, fed_holder):
    services.position_record(round=open_round, seat=seats["fed"], by=fed_holder, stance="block",
                             reason="Practices must opt in.")
    item = DecisionItem.objects.get()
    services.item_update(item=item, by=chair, title=item.title, question=item.question, background="",
                         proposed_wording="Practices may opt in to one shared phlebotomy service from April.",
                         lead=member)
    second = services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
    assert second.number == 2
    assert second.wording.startswith("Practices may opt in")
    assert Round.objects.get(number=1).wording.startswith("The PCNs will run")
    for seat in seats.values():
        services.position_record(round=second, seat=seat, by=seat.holder, stance="support")
    assert services.round_verdict(round=second).is_consensus


# The chair's outcome --------------------------------------------------------------------------------------


def test_the_chair_confirms_a_consensus_and_publishes(chair, open_round, seats, principle):
    for seat in seats.values():
        services.position_record(round=open_round, seat=seat, by=seat.holder, stance="support")
    item = services.item_confirm(item=open_round.item, by=chair, statement="We will run one service.",
                                 principles=[principle], publish=True, is_public=True)
    item.refresh_from_db()
    assert (item.status, item.statement, item.decided_on) == ("agreed", "We will run one service.",
                                                              timezone.localdate())
    assert item.published_at and item.is_public
    assert Round.objects.get().outcome == "consensus"
    assert list(DecisionItem.objects.published()) == [item]
    assert list(DecisionItem.objects.public()) == [item]


def test_the_chair_cannot_confirm_without_consensus(chair, open_round, seats, member):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    with pytest.raises(ValidationError):
        services.item_confirm(item=open_round.item, by=chair, statement="We agree.")
    assert DecisionItem.objects.get().status == Status.CONSENSUS_CHECK


def test_confirming_without_publishing_keeps_it_from_practices_until_the_chair_publishes(chair, open_round, seats):
    for seat in seats.values():
        services.position_record(round=open_round, seat=seat, by=seat.holder, stance="support")
    item = services.item_confirm(item=open_round.item, by=chair, statement="We agree.")
    assert not DecisionItem.objects.published().exists()
    services.item_publish(item=item, by=chair)
    assert DecisionItem.objects.published().get() == item


def test_the_chair_parks_an_item_with_a_reason_and_the_open_round_is_cancelled(chair, open_round):
    with pytest.raises(ValidationError):
        services.item_park(item=open_round.item, by=chair, reason="")
    item = services.item_park(item=open_round.item, by=chair, reason="Wait for the ICB's estates review.")
    assert (item.status, item.outcome_reason) == ("not_agreed", "Wait for the ICB's estates review.")
    assert Round.objects.get().outcome == "cancelled"


def test_the_chair_redirects_a_contract_matter_to_the_lmc(chair, item, lmc):
    item = services.item_redirect(item=item, by=chair, organisation=lmc, reason="A GMS contract matter.")
    assert (item.status, item.redirected_to) == ("redirected", lmc)


def test_an_item_with_an_outcome_cannot_be_ended_again_or_reopened(chair, item, deadline):
    services.item_withdraw(item=item, by=chair, reason="Overtaken by events.")
    with pytest.raises(ValidationError):
        services.item_park(item=item, by=chair, reason="Again")
    with pytest.raises(ValidationError):
        services.round_open(item=item, by=chair, deadline=deadline)


def test_the_wording_cannot_change_during_a_consensus_check(chair, open_round):
    item = open_round.item
    with pytest.raises(ValidationError):
        services.item_update(item=item, by=chair, title="x", question="y", background="", proposed_wording="z",
                             lead=None)


def test_a_draft_is_created_and_opened_for_discussion(chair):
    item = services.item_create(raised_by=chair, title="Flu clinics", question="Shall we share flu clinics?")
    assert item.status == Status.DRAFT
    services.item_start_discussion(item=item, by=chair)
    item.refresh_from_db()
    assert item.status == Status.DISCUSSION
    assert item.history.count() == 2


# The golden thread ----------------------------------------------------------------------------------------


def test_a_practice_acknowledges_a_published_decision_once(agreed_item, practice, practice_user):
    services.acknowledgement_record(item=agreed_item, practice=practice, by=practice_user)
    services.acknowledgement_record(item=agreed_item, practice=practice, by=practice_user)
    assert Acknowledgement.objects.count() == 1


def test_an_unpublished_decision_cannot_be_acknowledged(item, practice, practice_user):
    with pytest.raises(ValidationError):
        services.acknowledgement_record(item=item, practice=practice, by=practice_user)


def test_the_database_refuses_a_second_acknowledgement_for_a_practice(agreed_item, practice, practice_user):
    Acknowledgement.objects.create(item=agreed_item, practice=practice, acknowledged_by=practice_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgement.objects.create(item=agreed_item, practice=practice, acknowledged_by=practice_user)


def test_visible_to_hides_unpublished_items_from_practices(item, agreed_item, practice_user, outsider, observer):
    other = DecisionItemFactory()
    assert set(DecisionItem.objects.visible_to(observer)) == {item, other}
    assert list(DecisionItem.objects.visible_to(practice_user)) == [agreed_item]
    assert not DecisionItem.objects.visible_to(outsider).exists()
