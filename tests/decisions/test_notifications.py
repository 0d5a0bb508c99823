"""A block closes a round → every seat asked hears; a round reaches consensus → the group hears (once)."""

from decisions import services
from members import notifications


def told(smtp_inbox, subject_start):
    return {to for m in smtp_inbox.messages if m["subject"].startswith(f"[GP Leadership] {subject_start}")
            for to in m["to"]}


def test_a_block_reaches_every_seat_asked(open_round, seats, lmc_holder, smtp_inbox, deliver, member, fed_holder,
                                          lmc_deputy):
    notifications.choose(user=fed_holder, kind="decisions.round_blocked", immediate=False)
    services.position_record(round=open_round, seat=seats["lmc"], by=lmc_holder, stance="block",
                             reason="Not without the contract review.")
    deliver()
    assert told(smtp_inbox, "Blocked: Shared phlebotomy service") == {
        member.email, lmc_holder.email, lmc_deputy.email}
    [message] = [m for m in smtp_inbox.messages if member.email in m["to"]]
    assert "Testshire LMC blocked it" in message["body"] and "Not without the contract review." in message["body"]


def test_consensus_reaches_the_group_once(open_round, seats, chair, smtp_inbox, deliver, member, observer):
    for seat in seats.values():
        services.position_record(round=open_round, seat=seat, by=seat.holder, stance="support")
    deliver()
    first = told(smtp_inbox, "Consensus reached: Shared phlebotomy service")
    assert {chair.email, member.email, observer.email} <= first
    # A seat changing its mind and back again does not tell the group twice.
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="live_with")
    deliver()
    reached = [m for m in smtp_inbox.messages if m["subject"].startswith("[GP Leadership] Consensus reached")]
    assert len(reached) == len(first)


def test_no_consensus_news_while_seats_are_missing(open_round, seats, smtp_inbox, deliver, member):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    deliver()
    assert told(smtp_inbox, "Consensus reached") == set()
