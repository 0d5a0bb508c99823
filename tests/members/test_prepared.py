"""The layout's one query per page (members.access.standing) runs SQL compiled once a day (members.prepared): it
must answer exactly what the QuerySet rules answer, for every person, and follow the date."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members import access, places, prepared
from members.models import GroupRole, Membership
from tests.factories import (
    GroupRoleFactory,
    MembershipFactory,
    PCNFactory,
    PlaceFactory,
    PracticeFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _fresh(user):
    user.__dict__.pop("_access_cache", None)
    return user


def _orm_standing(user):
    with places.unscoped():
        roles = {(r.place_id, r.role) for r in GroupRole.objects.live().filter(user=user)}
        memberships = {(m.organisation.place_id, m.organisation_id, m.organisation.kind)
                       for m in Membership.objects.current().filter(user=user).select_related("organisation")}
    return roles, memberships


def _split(rows):
    return ({(row.place, row.detail) for row in rows if row.fact == access.ROLE},
            {(row.place, row.ref, row.detail) for row in rows if row.fact == access.MEMBER})


def test_standing_is_what_the_queryset_rules_say_for_each_person():
    north, south = PlaceFactory(name="North", slug="north"), PlaceFactory(name="South", slug="south")
    chair, manager, nobody = UserFactory(), UserFactory(), UserFactory()
    GroupRoleFactory(user=chair, place=north, role=GroupRole.Role.CHAIR)
    GroupRoleFactory(user=chair, place=south, role=GroupRole.Role.MEMBER)
    GroupRoleFactory(user=chair, place=south, role=GroupRole.Role.GATEKEEPER, ended_on=timezone.localdate())
    with places.using(south):
        practice = PracticeFactory(place=south)
    MembershipFactory(user=manager, organisation=practice, is_voting_contact=True)
    with places.using(south):
        pcn = PCNFactory(place=south)
    MembershipFactory(user=chair, organisation=pcn, role_title="Clinical Director", is_voting_contact=True)
    MembershipFactory(user=chair, organisation=practice, is_archived=True)
    for person in (chair, manager, nobody):
        assert _split(access.standing(_fresh(person))) == _orm_standing(person)
    with places.using(south):
        seat = SeatFactory(place=south, holder=manager)
        deputised = SeatFactory(place=south, title="Deputy's seat", holder=nobody, deputy=chair, is_active=False)
    with places.using(south):
        assert access.voting_practice_ids(_fresh(manager)) == {practice.pk}
        # A voting contact of a PCN is not one (only practices vote), though the PCN is theirs.
        assert access.voting_practice_ids(_fresh(chair)) == frozenset()
        assert access.organisation_ids(_fresh(chair)) == {pcn.pk}
        assert access.seat_ids(_fresh(manager)) == {seat.pk}
        assert access.seat_ids(_fresh(chair)) == {deputised.pk}
    with places.using(north):
        assert access.seat_ids(_fresh(manager)) == frozenset()
    assert access.place_ids_of(_fresh(chair)) == {north.pk, south.pk}
    assert access.place_ids_of(_fresh(manager)) == {south.pk}
    with places.using(north):
        assert access.group_roles(_fresh(chair)) == {GroupRole.Role.CHAIR}
        assert access.practice_ids(_fresh(manager)) == frozenset()
        assert not access.is_participant(_fresh(manager))
    with places.using(south):
        assert access.group_roles(_fresh(chair)) == {GroupRole.Role.MEMBER}
        assert access.practice_ids(_fresh(manager)) == {practice.pk}
        assert access.is_participant(_fresh(manager))


def test_standing_is_one_query_read_once_per_request():
    place = PlaceFactory()
    person = UserFactory()
    GroupRoleFactory(user=person, place=place, role=GroupRole.Role.MEMBER)
    _fresh(person)
    with CaptureQueriesContext(connection) as captured, places.using(place):
        access.group_roles(person), access.practice_ids(person), access.is_participant(person)
        access.place_ids_of(person)
    assert len(captured.captured_queries) == 1


def test_the_compiled_query_follows_the_date():
    """A role ending tomorrow is live today and gone tomorrow, although the SQL was compiled today."""
    place = PlaceFactory()
    person = UserFactory()
    today = timezone.localdate()
    GroupRoleFactory(user=person, place=place, role=GroupRole.Role.CHAIR, ended_on=today + timedelta(days=1))
    with places.using(place):
        assert access.is_chair(_fresh(person))
        with mock.patch("members.prepared.timezone.localdate", return_value=today + timedelta(days=1)), \
                mock.patch("members.models.timezone.localdate", return_value=today + timedelta(days=1)):
            assert not access.is_chair(_fresh(person))
        assert access.is_chair(_fresh(person))


def test_a_query_that_ignores_the_id_is_refused():
    with pytest.raises(ValueError, match="does not use the id"):
        prepared.rows("not-using-the-id", lambda pk: GroupRole.objects.values_list("pk"), 1)



def test_ics_leadership_is_read_with_the_rest_of_the_standing():
    """A chair of a place of the ICS, or a named ICS leader, is an ICS leader; an ended chair role, a member role, a
    chair of another ICS's place or an ended leadership is not."""
    from members.models import ICS, ICSLeader

    ics = ICS.objects.create(name="North ICS", slug="north-ics", ods_code="QAA")
    other_ics = ICS.objects.create(name="South ICS", slug="south-ics", ods_code="QBB")
    place = PlaceFactory(name="North", slug="north", ics=ics)
    elsewhere = PlaceFactory(name="South", slug="south", ics=other_ics)
    chair, named, ended, member, foreign = (UserFactory() for _ in range(5))
    GroupRoleFactory(user=chair, place=place, role=GroupRole.Role.CHAIR)
    ICSLeader.objects.create(user=named, ics=ics)
    GroupRoleFactory(user=ended, place=place, role=GroupRole.Role.CHAIR, ended_on=timezone.localdate())
    ICSLeader.objects.create(user=ended, ics=ics, ended_on=timezone.localdate())
    GroupRoleFactory(user=member, place=place, role=GroupRole.Role.MEMBER)
    GroupRoleFactory(user=foreign, place=elsewhere, role=GroupRole.Role.CHAIR)
    assert access.is_ics_leader(_fresh(chair), ics) and access.is_ics_leader(_fresh(named), ics)
    assert not any(access.is_ics_leader(_fresh(person), ics) for person in (ended, member, foreign))
    assert access.is_ics_leader(_fresh(foreign), other_ics)
    assert access.place_ids_of(_fresh(named)) == frozenset()


def _open_actions():
    from representation.models import Action

    return Action.objects.open().order_by().values_list("title")


def test_a_place_query_is_compiled_once_and_answers_for_each_place():
    from tests.factories import ActionFactory

    north, south = PlaceFactory(name="North", slug="north"), PlaceFactory(name="South", slug="south")
    for place, titles in ((north, ["N1", "N2"]), (south, ["S1"])):
        with places.using(place):
            for title in titles:
                ActionFactory(title=title)
    built = []

    def build():
        built.append(places.current_scope())
        return _open_actions()

    with places.using(north):
        assert sorted(prepared.place_rows("open-actions", build)) == [("N1",), ("N2",)]
    with places.using(south):
        assert prepared.place_rows("open-actions", build) == [("S1",)]
    assert len(built) == 1 and built[0].place_ids == {prepared.STAND_IN}
    # Outside a single place there is nothing to stand in for: the query runs as built, in that scope.
    with places.across([north, south]):
        assert sorted(prepared.place_rows("open-actions", build)) == [("N1",), ("N2",), ("S1",)]


def test_a_model_with_rows_of_a_whole_ics_is_not_prepared_per_place():
    from representation.models import Forum

    place = PlaceFactory()
    with places.using(place), pytest.raises(ValueError, match="rows of a whole ICS"):
        prepared.place_rows("forums", lambda: Forum.objects.order_by().values_list("pk"))
