"""Who reads the group's private business: reviews of representatives, and drafts (briefings with their mandate,
draft and discussion decision items). The decision, stated in the README: reviews are for the acting group and the
person reviewed; the group's working papers are read by everyone on the group, observers included (the chair
appoints observers to sit in the group's private meetings), and by nobody outside it."""

import pytest
from django.urls import reverse

from ..factories import BriefingFactory, DecisionItemFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

CAN_READ_REVIEWS = {"chair", "gatekeeper", "member"}
GROUP = {"chair", "gatekeeper", "member", "observer"}
PERSONAS = ["chair", "gatekeeper", "member", "observer", "practice_user", "outsider"]


@pytest.fixture
def review(db):
    return ReviewFactory(overstepped_mandate="Agreed a date without asking the group")


@pytest.mark.parametrize("persona", PERSONAS)
def test_reviews_are_read_by_the_acting_group_only(client_for, request, review, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("representation:reviews"))
    page = client.get(reverse("representation:representative", args=[review.representative_id]))
    if persona in CAN_READ_REVIEWS:
        assert response.status_code == 200
        assert page.status_code == 200 and "Agreed a date without asking" in page.content.decode()
    else:
        assert response.status_code == 403
        assert page.status_code in (403, 404)
        assert "Agreed a date without asking" not in page.content.decode()


def test_the_reviewed_representative_reads_their_own_review_even_if_not_on_the_acting_group(client_for, review):
    person = review.representative.user
    page = client_for(person).get(reverse("representation:representative", args=[review.representative_id]))
    assert page.status_code == 200
    assert "Agreed a date without asking" in page.content.decode()
    other = ReviewFactory(overstepped_mandate="Someone else's review")
    assert "Someone else" not in client_for(person).get(
        reverse("representation:representative", args=[other.representative_id])).content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_briefing_and_its_red_lines_are_read_by_the_group_only(client_for, request, persona):
    briefing = BriefingFactory(red_lines="No new unfunded work")
    response = client_for(request.getfixturevalue(persona)).get(
        reverse("representation:meeting", args=[briefing.agenda_item.meeting_id]))
    if persona in GROUP:
        assert response.status_code == 200 and "No new unfunded work" in response.content.decode()
    else:
        assert response.status_code in (403, 404)
        assert "No new unfunded work" not in response.content.decode()


@pytest.mark.parametrize("status", ["draft", "discussion"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_decisions_are_read_by_the_group_only(client_for, request, persona, status):
    item = DecisionItemFactory(status=status, raised_by=UserFactory(), background="Private argument here")
    response = client_for(request.getfixturevalue(persona)).get(reverse("decisions:item", args=[item.pk]))
    if persona in GROUP:
        assert response.status_code == 200 and "Private argument here" in response.content.decode()
    else:
        assert response.status_code in (403, 404)
        assert "Private argument here" not in response.content.decode()
