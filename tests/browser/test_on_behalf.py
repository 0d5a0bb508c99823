"""The chair records a position a seat's holder gave by phone, by accessible names; axe-clean."""

import pytest
from playwright.sync_api import expect

from decisions import services
from members.models import GroupRole

from ..factories import DecisionItemFactory, GroupRoleFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_chair_records_a_position_given_by_phone(page, sign_in, axe_violations, testshire):
    from django.utils import timezone

    chair = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
    holder = UserFactory(email="lmc@example.nhs.uk", full_name="Lara LMC")
    GroupRoleFactory(user=holder, role=GroupRole.Role.MEMBER)
    SeatFactory(title="Testshire LMC", holder=holder)
    item = DecisionItemFactory(raised_by=chair, title="Shared phlebotomy", status="discussion")
    services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=7))
    sign_in("chair@example.nhs.uk")
    page.goto(f"/decisions/{item.pk}/")
    page.get_by_role("link", name="Record a position given by phone or in the meeting for Testshire LMC").click()
    assert axe_violations() == []
    page.get_by_label("Who gave the position?").select_option(label="Lara LMC (holder)")
    page.get_by_label("By phone").check()
    page.get_by_label("Can live with it").check()
    page.get_by_role("button", name="Record the position for Testshire LMC").click()
    expect(page.get_by_text("By phone, recorded by Clare Chair")).to_be_visible()
    assert axe_violations() == []
