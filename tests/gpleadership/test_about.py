"""The public About page: what the group is, how it decides, who is on it, and what it chose to publish."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import DecisionItemFactory

pytestmark = pytest.mark.django_db


def test_it_shows_public_decisions_only(client, chair):
    shared = dict(status="agreed", statement="We agreed it.", decided_on=timezone.localdate(),
                  published_at=timezone.now())
    DecisionItemFactory(title="Shared with the public", is_public=True, **shared)
    DecisionItemFactory(title="For practices only", is_public=False, **shared)
    html = client.get(reverse("about")).content.decode()
    assert "Shared with the public" in html
    assert "For practices only" not in html
    assert "Clare Chair" in html
    assert reverse("representation:request_new") in html
