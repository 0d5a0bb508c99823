"""members.audit: many audited rows written at once keep one history row each, as saves would."""

import pytest
from django.utils import timezone

from members import audit
from members.models import Seat

from ..factories import SeatFactory

pytestmark = pytest.mark.django_db


def test_it_sets_one_field_on_many_rows_and_records_each_change(chair):
    seats = [SeatFactory(title=f"Seat {n}") for n in range(3)]
    before = {seat.pk: seat.history.count() for seat in seats}
    for seat in seats[:2]:
        seat.title = seat.title + " (renamed)"
    when = timezone.now()
    assert audit.set_with_history(seats[:2], "title", user=chair, when=when) == 2
    assert sorted(Seat.objects.values_list("title", flat=True)) == ["Seat 0 (renamed)", "Seat 1 (renamed)", "Seat 2"]
    for seat in seats[:2]:
        latest = seat.history.order_by("-history_id").first()
        assert (latest.title, latest.history_type, latest.history_user, latest.history_date) == (
            seat.title, "~", chair, when)
        assert latest.holder_id == seat.holder_id and latest.place_id == seat.place_id  # the whole row, copied
        assert seat.history.count() == before[seat.pk] + 1
    assert seats[2].history.count() == before[seats[2].pk]


def test_nothing_to_write_writes_nothing():
    assert audit.set_with_history([], "title") == 0


def test_it_sets_values_by_id_without_instances_and_records_each_change(chair):
    seats = [SeatFactory(title=f"Seat {n}") for n in range(3)]
    when = timezone.now()
    changed = {seats[0].pk: "Place board", seats[2].pk: "Acute trust"}
    assert audit.set_values_with_history(Seat, "title", changed, user=chair, when=when) == 2
    assert dict(Seat.objects.filter(pk__in=changed).values_list("pk", "title")) == changed
    for pk, title in changed.items():
        latest = Seat.history.filter(id=pk).order_by("-history_id").first()
        assert (latest.title, latest.history_type, latest.history_user, latest.history_date) == (
            title, "~", chair, when)
    assert Seat.history.filter(id=seats[1].pk).count() == 1  # only its creation
    assert audit.set_values_with_history(Seat, "title", {}) == 0
