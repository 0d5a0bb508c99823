"""Database rules for the members app: codes, postcodes and the invariants the database itself enforces."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from members.models import InArray, Membership, Organisation, Seat, User, normalise_postcode

from ..factories import MembershipFactory, PCNFactory, PlaceFactory, PracticeFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw, clean", [("l18jq", "L1 8JQ"), (" NB1  1AA ", "NB1 1AA"), ("SW1A1AA", "SW1A 1AA")])
def test_postcodes_are_normalised(raw, clean):
    assert normalise_postcode(raw) == clean


def test_a_practice_code_must_look_like_one():
    practice = PracticeFactory.build(ods_code="U12345", pcn=None, place=PlaceFactory())
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert "ods_code" in error.value.message_dict


def test_a_pcn_code_must_look_like_one():
    pcn = PCNFactory.build(ods_code="N82001", place=PlaceFactory())
    with pytest.raises(ValidationError):
        pcn.full_clean()


def test_a_bad_postcode_is_refused():
    practice = PracticeFactory.build(postcode="NOT A CODE", pcn=None, place=PlaceFactory())
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert "postcode" in error.value.message_dict


def test_ods_codes_are_unique():
    PracticeFactory(ods_code="N82001")
    with pytest.raises(IntegrityError), transaction.atomic():
        PracticeFactory(ods_code="N82001")


def test_only_practices_belong_to_a_pcn():
    pcn = PCNFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(place=pcn.place, kind="lmc", name="LMC", pcn=pcn)


def test_an_organisation_has_one_active_seat():
    pcn = PCNFactory()
    SeatFactory(organisation=pcn)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatFactory(organisation=pcn)
    SeatFactory(organisation=pcn, is_active=False)  # past seats are kept
    assert Seat.objects.filter(organisation=pcn).count() == 2


def test_a_person_has_one_live_membership_per_organisation():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=membership.user, organisation=membership.organisation, role_title="GP")


def test_seat_holder_and_deputy_may_speak_for_it():
    holder, deputy, other = UserFactory(), UserFactory(), UserFactory()
    seat = SeatFactory(holder=holder, deputy=deputy)
    assert seat.is_held_by(holder) and seat.is_held_by(deputy)
    assert not seat.is_held_by(other)


def test_changes_keep_history():
    practice = PracticeFactory(list_size=1000)
    practice.list_size = 1200
    practice.save(update_fields=["list_size"])
    assert [h.list_size for h in practice.history.order_by("history_date")] == [1000, 1200]


def test_in_array_finds_what_in_finds_and_looks_the_ids_up_in_an_array_on_postgresql():
    wanted = [MembershipFactory().user, MembershipFactory().user]
    UserFactory()
    ids = Membership.objects.values("user")
    found = User.objects.filter(InArray(F("pk"), ids)).order_by("pk")
    assert list(found) == list(User.objects.filter(pk__in=ids).order_by("pk")) == sorted(wanted, key=lambda u: u.pk)
    sql = str(found.query)
    assert ("= ANY(ARRAY(SELECT" in sql) == (connection.vendor == "postgresql")
    # A list of values is an IN list, as ever.
    assert list(User.objects.filter(InArray(F("pk"), [wanted[0].pk]))) == [wanted[0]]
