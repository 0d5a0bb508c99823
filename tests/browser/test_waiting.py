"""A seat holder signs in and the home page opens with what waits for them, linked to where it is done."""

import pytest
from playwright.sync_api import expect

from members.models import GroupRole

from ..factories import GroupRoleFactory, RoundFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_home_page_opens_with_what_is_waiting(page, sign_in, axe_violations, testshire):
    holder = UserFactory(email="holder@example.nhs.uk", full_name="Hana Holder")
    GroupRoleFactory(user=holder, role=GroupRole.Role.MEMBER)
    seat = SeatFactory(holder=holder, title="Riverside PCN")
    RoundFactory(seats=[seat], item__title="Shared phlebotomy")
    sign_in("holder@example.nhs.uk")
    waiting = page.get_by_role("region", name="Waiting for you")
    expect(waiting).to_be_visible()
    assert axe_violations() == []
    waiting.get_by_role("link", name="1 consensus check needs your seat's position").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision log")
    expect(page.get_by_text("Shared phlebotomy").first).to_be_visible()
