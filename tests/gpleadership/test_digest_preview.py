"""The digest preview: the chair chooses one named recipient and reads that person's email exactly as it will be
sent – subject, text and HTML – and can send a test of it to themselves, through the outbox."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from gpleadership import digest
from members import outbox
from members.models import OutboxEmail

from ..factories import DecisionItemFactory

pytestmark = pytest.mark.django_db


def _published(title="Unfunded work"):
    return DecisionItemFactory(title=title, status="agreed", statement="No.", decided_on=date.today(),
                               published_at=timezone.now())


def _preview(client, person):
    return client.get(reverse("digest_preview") + f"?recipient={person.pk}")


def _lines(text: str) -> str:
    """The text with its one-click links' tokens left out: each is signed with the time it was made."""
    return re.sub(r"/email/([\w-]+)/[^/\s]+/", r"/email/\1/…/", text.replace("\r\n", "\n")).strip()


def test_the_chair_reads_one_named_persons_email_as_it_will_be_sent(client_for, chair, practice_user, smtp_inbox):
    _published()
    response = _preview(client_for(chair), practice_user)
    assert response.status_code == 200
    message = response.context["message"]
    html = response.content.decode()
    assert "The email to Priya Manager" in html
    assert f"<option value=\"{practice_user.pk}\" selected>Priya Manager ({practice_user.email})</option>" in html
    assert html.count("<option ") == response.context["recipients"] and html.count(" selected>") == 1
    assert "Weekly digest, week of" in message.subject and message.to == [practice_user.email]
    assert "Acknowledge for Riverside Surgery" in message.body
    # The same as the Monday send: the text the SMTP server receives is the text the chair read.
    [delivery_id] = [pk for pk in digest.digest_schedule(week=digest.week_starting())
                     if OutboxEmail.objects.get(pk=pk).recipient_id == practice_user.pk]
    assert outbox.send_once(delivery_id) == "sent"
    [sent] = [m for m in smtp_inbox.messages if m["to"] == [practice_user.email]]
    assert _lines(sent["body"]) == _lines(message.body)


def test_the_html_part_is_shown_in_a_sandboxed_frame(client_for, chair, practice_user):
    _published()
    client = client_for(chair)
    page = _preview(client, practice_user).content.decode()
    frame_url = reverse("digest_preview_html") + f"?recipient={practice_user.pk}"
    assert f'src="{frame_url}"' in page.replace("&amp;", "&") and "sandbox" in page
    framed = client.get(frame_url)
    assert framed.status_code == 200 and framed["Content-Type"].startswith("text/html")
    assert "Acknowledge for Riverside Surgery</a>" in framed.content.decode()
    policy = framed["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    # The preview page itself keeps the portal's strict policy.
    assert "unsafe-inline" not in client.get(reverse("digest_preview"))["Content-Security-Policy"]


def test_a_test_goes_to_the_chair_only_marked_test(client_for, chair, practice_user, smtp_inbox, deliver):
    _published()
    client = client_for(chair)
    previewed = _preview(client, practice_user).context["message"]
    response = client.post(reverse("digest_test_send"), {"recipient": practice_user.pk}, follow=True)
    assert f"on its way to you at {chair.email}" in response.content.decode()
    deliver()
    [message] = smtp_inbox.messages
    assert message["to"] == [chair.email]
    subject = " ".join(message["subject"].split())
    assert "Test: Weekly digest, week of" in subject and "as Priya Manager will read it" in subject
    assert _lines(message["body"]) == _lines(previewed.body)
    assert "Acknowledge for Riverside Surgery</a>" in message["html"]


def test_someone_who_does_not_get_the_digest_cannot_be_previewed(client_for, chair, outsider):
    client = client_for(chair)
    assert _preview(client, outsider).status_code == 404
    assert client.post(reverse("digest_test_send"), {"recipient": outsider.pk}).status_code == 404
    assert client.get(reverse("digest_preview") + "?recipient=nobody").status_code == 404
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user", "outsider"])
def test_others_may_not_preview_or_send_a_test(client_for, request, persona, chair):
    client = client_for(request.getfixturevalue(persona))
    assert _preview(client, chair).status_code == 403
    assert client.get(reverse("digest_preview_html") + f"?recipient={chair.pk}").status_code == 403
    assert client.post(reverse("digest_test_send"), {"recipient": chair.pk}).status_code == 403
    assert not OutboxEmail.objects.exists()


def test_anonymous_visitors_may_not_preview_or_send_a_test(client, chair):
    for response in (client.get(reverse("digest_preview_html")),
                     client.post(reverse("digest_test_send"), {"recipient": chair.pk})):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not OutboxEmail.objects.exists()


def test_sending_a_test_is_a_post(client_for, chair):
    assert client_for(chair).get(reverse("digest_test_send")).status_code == 405


def test_the_preview_runs_the_same_number_of_queries_whatever_the_size(client_for, chair, count_queries):
    """Hundreds of recipients to choose from, and every section of the chair's own letter, in a fixed number of
    queries: the chair is a practice's voting contact and holds a seat, so every per-reader query runs."""
    from ..factories import (
        ActionFactory,
        ExerciseFactory,
        LeadershipMeetingFactory,
        MembershipFactory,
        PracticeFactory,
        RoundFactory,
        SeatFactory,
    )

    MembershipFactory(user=chair, organisation=PracticeFactory(), is_voting_contact=True)
    SeatFactory(holder=chair)
    LeadershipMeetingFactory()

    def more():
        MembershipFactory(organisation=PracticeFactory())  # one more practice contact who gets the digest
        _published()
        RoundFactory()
        ExerciseFactory()
        ActionFactory(owner=chair)

    more()
    client = client_for(chair)
    small = count_queries(client, reverse("digest_preview"))
    for _ in range(10):
        more()
    html = client.get(reverse("digest_preview")).content.decode()
    assert count_queries(client, reverse("digest_preview")) == small
    assert html.count("<option ") == 12 and "Open the ballot for" in html and "Respond for" in html


def test_the_page_shows_the_text_the_email_sends_and_leaves_the_html_to_its_frame(client_for, chair, practice_user):
    """The page draws the text only (its frame draws the HTML): the same text, subject and address as the email."""
    from gpleadership import emails

    _published()
    shown = _preview(client_for(chair), practice_user).context["message"]
    sent = emails.digest_message(recipient=practice_user, week=digest.week_starting())
    assert outbox.html_part(shown) == "" and "Acknowledge for Riverside Surgery</a>" in outbox.html_part(sent)
    assert (_lines(shown.body), shown.subject, shown.to) == (_lines(sent.body), sent.subject, sent.to)
