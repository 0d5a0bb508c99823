"""The chair's weekly dashboard: what is stuck, overdue or unheard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services

from ..factories import PracticeFactory, SeatFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["chair", "gatekeeper"])
def test_the_chair_and_gatekeepers_see_the_dashboard(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user", "outsider"])
def test_others_may_not_see_the_dashboard(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("dashboard")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(reverse("dashboard")).status_code == 302


def test_it_lists_practices_with_no_voting_contact(client_for, chair, practice_user):
    silent = PracticeFactory(name="Silent Surgery")
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    assert "Silent Surgery" in html
    assert "Riverside Surgery" not in html  # it has a voting contact
    assert str(silent.pcn.name) in html


def test_it_lists_vacant_seats_and_lapsed_invitations(client_for, chair, practice):
    SeatFactory(title="Eastfield PCN seat", holder=None)
    invitation, _ = services.invitation_create(
        invited_by=chair, email="late@example.nhs.uk", full_name="Lee Late", organisation=practice,
        role_title="GP partner",
    )
    invitation.expires_at = timezone.now() - timedelta(days=1)
    invitation.save(update_fields=["expires_at"])
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    assert "Eastfield PCN seat" in html
    assert "Lee Late" in html


def test_it_runs_the_same_number_of_queries_whatever_the_size(client_for, chair):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from decisions import services as decision_services

    from ..factories import ActionFactory, DecisionItemFactory, PlanItemFactory, RequestFactory

    def more(weeks_ago: int):
        # A practice in a PCN of its own that saw a decision, a seat, an overdue action, a request, a red plan item:
        # the charts draw a bar per PCN and per week, each from a query that groups.
        practice = PracticeFactory()
        SeatFactory(holder=None)
        item = DecisionItemFactory(status="agreed", published_at=timezone.now() - timedelta(weeks=weeks_ago))
        decision_services.acknowledgement_record(item=item, practice=practice, by=chair)
        ActionFactory(created_at=timezone.now() - timedelta(weeks=weeks_ago + 1),
                      due_on=timezone.localdate() - timedelta(weeks=weeks_ago))
        RequestFactory(received_at=timezone.now() - timedelta(weeks=weeks_ago, days=1))
        PlanItemFactory(rag_status="red")

    client = client_for(chair)
    more(0)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboard"))
    for n in range(10):
        more(n + 1)
    with CaptureQueriesContext(connection) as large:
        html = client.get(reverse("dashboard")).content.decode()
    assert html.count('class="portal-chart__bar"') > 11 * 3
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.parametrize("persona", ["chair", "gatekeeper"])
def test_the_chair_and_gatekeepers_preview_the_digest(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("digest_preview")).status_code == 200


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user", "outsider"])
def test_others_may_not_preview_the_digest(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("digest_preview")).status_code == 403


def test_anonymous_visitors_cannot_preview_the_digest(client):
    assert client.get(reverse("digest_preview")).status_code == 302


def test_the_preview_shows_published_news_and_last_weeks_deliveries(client_for, chair, practice_user, testshire):
    from datetime import date

    from gpleadership import digest, emails
    from members.models import OutboxEmail

    from ..factories import DecisionItemFactory

    DecisionItemFactory(title="Unfunded work", status="agreed", statement="No.", decided_on=date.today(),
                        published_at=timezone.now())
    last_week = digest.week_starting() - timedelta(days=7)
    for person, fields in [(chair, {"status": "sent", "sent_at": timezone.now()}),
                           (practice_user, {"status": "failed", "last_error": "SMTPRecipientsRefused: no such user"})]:
        OutboxEmail.objects.create(key=emails.digest_key(week=last_week, recipient_id=person.pk, place_id=testshire.pk),
                                   kind=emails.DIGEST, params={"week": last_week.isoformat(), "recipient": person.pk},
                                   recipient=person, place=testshire, **fields)
    html = client_for(chair).get(reverse("digest_preview")).content.decode()
    assert "Unfunded work" in html
    assert "1 of 2 sent" in html
    assert "1 failed" in html
    assert "Digests that could not be sent last week" in html and practice_user.email in html
    assert "no such user" in html
    # The chair's dashboard lists the failed email too.
    dashboard = client_for(chair).get(reverse("dashboard")).content.decode()
    assert "Emails that could not be sent" in dashboard and "Weekly digest to" in dashboard
