"""Representation personas on top of the shared ones: a forum's representative and a representation lead."""

import pytest

from members.models import GroupRole
from representation.models import RepresentationLead

from ..factories import ForumFactory, GroupRoleFactory, RepresentativeFactory, UserFactory


@pytest.fixture
def forum(db):
    return ForumFactory(name="Acute trust interface group")


@pytest.fixture
def rep(db, forum):
    """A group member who is the forum's representative."""
    user = UserFactory(email="rep@example.nhs.uk", full_name="Rhea Representative")
    GroupRoleFactory(user=user, role=GroupRole.Role.MEMBER)
    RepresentativeFactory(forum=forum, user=user)
    return user


@pytest.fixture
def lead(db):
    user = UserFactory(email="lead@example.nhs.uk", full_name="Lee Lead")
    GroupRoleFactory(user=user, role=GroupRole.Role.MEMBER)
    RepresentationLead.objects.create(user=user, slot=1)
    return user
