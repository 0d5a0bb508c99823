"""The representation demo data covers every state the issue asks for, and loading it twice changes nothing."""

import pytest
from django.core import mail

from members.demo import load_members
from representation import selectors
from representation.demo import load_representation
from representation.models import (
    Action,
    Feedback,
    Forum,
    LeadershipAgendaItem,
    Meeting,
    Representative,
    Request,
    Review,
)

pytestmark = pytest.mark.django_db

MODELS = [Forum, Representative, Meeting, Feedback, Action, Request, Review, LeadershipAgendaItem]


def test_the_demo_has_every_state_and_is_idempotent():
    people = load_members(password_hash=None)
    load_representation(people)
    counts = {model: model.objects.count() for model in MODELS}
    assert set(Request.objects.values_list("outcome", flat=True)) == {"", *Request.Outcome.values}
    assert Representative.objects.current().filter(role="deputy").exists()
    assert Meeting.objects.filter(feedback_completed_at__isnull=False).exists()
    assert selectors.late_feedback() and selectors.overdue_actions() and selectors.requests_past_target()
    assert Action.objects.open().exclude(pk__in=[a.pk for a in selectors.overdue_actions()]).exists()
    assert Review.objects.exists() and selectors.next_agenda().items
    assert mail.outbox == []  # the demo emails nobody

    load_representation(load_members(password_hash=None))
    assert {model: model.objects.count() for model in MODELS} == counts
