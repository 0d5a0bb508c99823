"""Holder and deputy submitting at the same moment for one seat leave exactly one position."""

import threading

import pytest
from django.db import connection

from decisions import services
from decisions.models import Position

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_submissions_for_one_seat_leave_one_position(open_round, seats, lmc_holder, lmc_deputy):
    barrier = threading.Barrier(2)
    errors = []

    def submit(person, stance):
        try:
            barrier.wait(timeout=10)
            services.position_record(round=open_round, seat=seats["lmc"], by=person, stance=stance,
                                     reason="Concern" if stance == "stand_aside" else "")
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(lmc_holder, "support")),
               threading.Thread(target=submit, args=(lmc_deputy, "stand_aside"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    position = Position.objects.get(round=open_round, seat=seats["lmc"])
    assert Position.objects.count() == 1
    # Both answers are in the history; the later one stands.
    history = list(position.history.order_by("history_date"))
    assert len(history) == 2
    assert history[-1].stance == position.stance


def test_concurrent_first_answers_without_the_lock_are_still_stopped_by_the_database(open_round, seats, lmc_holder,
                                                                                   lmc_deputy):
    from django.db import IntegrityError, transaction

    barrier = threading.Barrier(2)
    outcomes = []

    def insert(person):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                Position.objects.create(round=open_round, seat=seats["lmc"], stance="support", responded_by=person)
            outcomes.append("saved")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=insert, args=(person,)) for person in (lmc_holder, lmc_deputy)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "saved"]
    assert Position.objects.count() == 1
