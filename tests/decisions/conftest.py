"""Decisions fixtures: three seats (the member's PCN seat, the LMC seat with a deputy, the federation seat),
an item in discussion raised by the chair, and a round open on it."""

import pytest
from django.utils import timezone

from decisions import services
from members.models import GroupRole, Organisation, Seat

from ..factories import (
    DecisionItemFactory,
    GroupRoleFactory,
    OrganisationFactory,
    PrincipleFactory,
    SeatFactory,
    UserFactory,
)


@pytest.fixture
def principle(db):
    return PrincipleFactory(title="Continuity of care")


def _group_member(email, name):
    user = UserFactory(email=email, full_name=name)
    GroupRoleFactory(user=user, role=GroupRole.Role.MEMBER)
    return user


@pytest.fixture
def lmc_holder(db):
    return _group_member("lmc@example.nhs.uk", "Lara LMC")


@pytest.fixture
def lmc_deputy(db):
    return _group_member("lmc.deputy@example.nhs.uk", "Dev Deputy")


@pytest.fixture
def fed_holder(db):
    return _group_member("fed@example.nhs.uk", "Fay Federation")


@pytest.fixture
def lmc(db):
    return OrganisationFactory(kind=Organisation.Kind.LMC, name="Testshire LMC", ods_code=None)


@pytest.fixture
def seats(member, lmc, lmc_holder, lmc_deputy, fed_holder):
    pcn_seat = Seat.objects.get(holder=member)
    lmc_seat = SeatFactory(title="Testshire LMC", organisation=lmc, holder=lmc_holder, deputy=lmc_deputy)
    fed = OrganisationFactory(kind=Organisation.Kind.FEDERATION, name="Testshire Federation", ods_code=None)
    fed_seat = SeatFactory(title="Testshire Federation", organisation=fed, holder=fed_holder)
    return {"pcn": pcn_seat, "lmc": lmc_seat, "fed": fed_seat}


@pytest.fixture
def item(chair, principle):
    item = DecisionItemFactory(
        raised_by=chair,
        title="Shared phlebotomy service",
        question="Should the PCNs run one phlebotomy service for Testshire?",
        proposed_wording="The PCNs will run one shared phlebotomy service from April.",
    )
    item.principles.add(principle)
    return item


@pytest.fixture
def deadline():
    return timezone.now() + timezone.timedelta(days=7)


@pytest.fixture
def open_round(chair, item, seats, deadline):
    return services.round_open(item=item, by=chair, deadline=deadline)


@pytest.fixture
def agreed_item(chair, item, seats, deadline):
    """An item that reached consensus in round 1 and was confirmed and published by the chair."""
    the_round = services.round_open(item=item, by=chair, deadline=deadline)
    for seat in seats.values():
        services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")
    return services.item_confirm(item=item, by=chair, statement="The PCNs will run one shared phlebotomy service.",
                                 publish=True)
