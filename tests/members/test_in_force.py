"""One rule says whether a membership, a group role or an ICS leadership is in force today (members.models.in_force,
with its instance predicate InForce.is_in_force): the QuerySets and the services ask it, and the two forms agree."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import GroupRole, ICSLeader, Membership, in_force

from ..factories import GroupRoleFactory, MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ENDINGS = {"no end": (None, False), "ends tomorrow": (TODAY + timedelta(days=1), False),
           "ended today": (TODAY, False), "ended yesterday": (TODAY - timedelta(days=1), False),
           "archived": (None, True)}
IN_FORCE = {"no end", "ends tomorrow"}


def _rows(make):
    return {name: make(ended_on=ended_on, is_archived=archived) for name, (ended_on, archived) in ENDINGS.items()}


def _agree(model, rows):
    by_query = set(model.objects.filter(in_force(), pk__in=[r.pk for r in rows.values()]).values_list("pk", flat=True))
    assert {name for name, row in rows.items() if row.pk in by_query} == IN_FORCE
    assert {name for name, row in rows.items() if row.is_in_force()} == IN_FORCE


def test_memberships(testshire):
    _agree(Membership, _rows(lambda **kw: MembershipFactory(organisation=PracticeFactory(), **kw)))
    assert set(Membership.objects.current()) == {m for m in Membership.objects.all() if m.is_in_force()}


def test_group_roles(testshire):
    _agree(GroupRole, _rows(lambda **kw: GroupRoleFactory(user=UserFactory(), role=GroupRole.Role.MEMBER, **kw)))
    assert set(GroupRole.objects.live()) == {r for r in GroupRole.objects.all() if r.is_in_force()}


def test_ics_leaderships(testshire, ics):
    _agree(ICSLeader, _rows(lambda **kw: ICSLeader.objects.create(ics=ics, user=UserFactory(), **kw)))


def test_declarations_in_force_today(testshire):
    """A declaration of interest counts from its first day to its last (declared_to) inclusive, unless archived:
    DeclarationQuerySet.current and Declaration.is_current agree, and a decision item names the current ones."""
    from members.models import Declaration

    from ..factories import DeclarationFactory

    person = UserFactory()
    day = timedelta(days=1)
    spans = {"open-ended": (TODAY - day, None, False), "ends today": (TODAY - day, TODAY, False),
             "ended yesterday": (TODAY - 2 * day, TODAY - day, False), "starts tomorrow": (TODAY + day, None, False),
             "starts today": (TODAY, None, False), "archived": (TODAY - day, None, True)}
    rows = {name: DeclarationFactory(user=person, interest=name, declared_from=start, declared_to=end,
                                     is_archived=archived) for name, (start, end, archived) in spans.items()}
    current = {"open-ended", "ends today", "starts today"}
    assert set(Declaration.objects.current().filter(user=person).values_list("interest", flat=True)) == current
    assert {name for name, row in rows.items() if row.is_current()} == current
