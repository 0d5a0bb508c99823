"""The meeting page's agenda is drawn in Python (representation_rows.agenda_items) for speed; its template,
templates/representation/includes/agenda_items.html, stays as the reference. Both must say the same for every kind
of agenda item and every reader: the same elements, attributes and words (spaces between tags aside)."""

import re
from datetime import timedelta

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

from decisions.models import DecisionItem
from priorities.models import AgreedPriority
from representation import selectors, services
from representation.forms import CommentForm
from representation.models import BriefingComment

from .. import paper_files as files
from ..factories import (
    AgendaItemFactory,
    AgreedPriorityFactory,
    BriefingFactory,
    DecisionItemFactory,
    FeedbackFactory,
    MeetingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _agenda(forum, rep, member):
    """A meeting with one item of each kind: fully briefed and fed back, with papers, comments and a draft decision;
    briefed with nothing optional and needing sign-off; neither briefed nor fed back; fed back with nothing to sign
    off. Texts with lines and characters that must be escaped."""
    meeting = MeetingFactory(forum=forum, held_on=timezone.localdate())
    full, bare, empty, settled = (AgendaItemFactory(meeting=meeting, position=n, title=title) for n, title in enumerate(
        ('Estates <b>"plan"</b> & rent', "Access hubs", "Any other business", "Discharge letters"), 1))
    briefing = BriefingFactory(agenda_item=full, written_by=rep, position="Fund it.\nAll of it & <now>.",
                               must_come_back="Relocations", red_lines="No closures\n\nNone at all")
    briefing.decisions.add(DecisionItemFactory(title="Back <the> plan"))
    briefing.priorities.add(AgreedPriorityFactory(title="Premises & estates"))
    for body in ("Push for funding", "Ask about rent\nand rates <soon>"):
        BriefingComment.objects.create(briefing=briefing, author=member, body=body)
    services.meeting_paper_add(meeting=meeting, file=files.upload(), agenda_item=full, uploaded_by=rep)
    from members import papers

    papers.paper_add(owner=briefing, file=files.upload(), uploaded_by=rep)
    FeedbackFactory(agenda_item=full, written_by=rep, needs_sign_off="Sign this\noff",
                    sign_off_decision=DecisionItemFactory(title="Draft & <decision>"))
    BriefingFactory(agenda_item=bare, written_by=UserFactory(full_name="Dr O'Brien & Co"), must_come_back="",
                    red_lines="")
    FeedbackFactory(agenda_item=bare, written_by=rep, needs_sign_off="Do we back the pilot?", agreed="",
                    escalations="")
    FeedbackFactory(agenda_item=settled, written_by=rep, needs_sign_off="")
    assert empty.pk
    return meeting


def _draw(template: str, context: dict) -> str:
    request = RequestFactory().get("/")
    html = engines["django"].from_string(template).render(context, request)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', html)
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("reader", ["writer", "reader", "editor", "one item"])
def test_python_draws_the_agenda_as_its_template_does(reader, forum, rep, member, papers_root):
    meeting = _agenda(forum, rep, member)
    items = selectors.meeting_page(meeting)["items"]
    if reader == "one item":
        items = items[:1]
    if reader in ("writer", "reader"):
        briefing = items[0].the_briefing
        items[0].comment_form = CommentForm(prefix=f"c{briefing.pk}")
    context = {"items": items, "can_write": reader in ("writer", "one item"),
               "can_feed_back": reader in ("writer", "one item"), "can_edit": reader in ("editor", "one item")}
    drawn = _draw("{% load representation_rows %}{% agenda_items %}", context)
    reference = _draw('{% include "representation/includes/agenda_items.html" %}', context)
    assert drawn == reference
    assert drawn.count("<section ") == len(items)
    assert "Estates &lt;b&gt;&quot;plan&quot;&lt;/b&gt; &amp; rent" in drawn and "Fund it.<br>All of it" in drawn
    assert ("Take off the agenda" in drawn) == (reader == "editor")
    assert ("Add your comment" in drawn) == (reader in ("writer", "reader"))
    assert ("Write the feedback" in drawn) == (reader == "writer")


def test_a_briefing_lists_what_it_rests_on_each_kind_in_its_own_order(forum, rep):
    """Decisions (the latest raised first) and priorities (in the exercise's order) come from one query."""
    meeting = MeetingFactory(forum=forum)
    briefing = BriefingFactory(agenda_item=AgendaItemFactory(meeting=meeting), written_by=rep)
    other = BriefingFactory(agenda_item=AgendaItemFactory(meeting=meeting), written_by=rep)
    now = timezone.now()
    older, newer = (DecisionItemFactory(title=title) for title in ("Older", "Newer"))
    DecisionItem.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=3))
    DecisionItem.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=1))
    second, first = AgreedPriorityFactory(title="Second"), AgreedPriorityFactory(title="First")
    AgreedPriority.objects.filter(pk=first.pk).update(exercise=second.exercise, position=1)
    AgreedPriority.objects.filter(pk=second.pk).update(position=2)
    briefing.decisions.add(older, newer)
    briefing.priorities.add(second, first)
    other.decisions.add(older)

    items = selectors.meeting_page(meeting)["items"]

    mine, theirs = items[0].the_briefing, items[1].the_briefing
    assert [(d.pk, d.title) for d in mine.decision_list] == [(newer.pk, "Newer"), (older.pk, "Older")]
    assert [(p.pk, p.title) for p in mine.priority_list] == [(first.pk, "First"), (second.pk, "Second")]
    assert [d.title for d in theirs.decision_list] == ["Older"] and theirs.priority_list == []


def test_a_briefings_comments_come_in_their_order_with_what_it_rests_on(forum, rep, member,
                                                                        django_assert_num_queries):
    """The comments not archived, of items not taken off the agenda, oldest first, each with its author: read in the
    query that reads the decisions, priorities and papers (meeting_page's three queries)."""
    meeting = MeetingFactory(forum=forum)
    briefing = BriefingFactory(agenda_item=AgendaItemFactory(meeting=meeting), written_by=rep)
    gone = BriefingFactory(agenda_item=AgendaItemFactory(meeting=meeting, is_archived=True), written_by=rep)
    elsewhere = BriefingFactory(agenda_item=AgendaItemFactory(), written_by=rep)
    nameless = UserFactory(full_name="")
    now = timezone.now()
    later = BriefingComment.objects.create(briefing=briefing, author=member, body="Later <b>", created_at=now)
    first = BriefingComment.objects.create(briefing=briefing, author=nameless, body="First & foremost",
                                           created_at=now - timedelta(hours=1))
    BriefingComment.objects.create(briefing=briefing, author=member, body="Archived", is_archived=True)
    for other in (gone, elsewhere):
        BriefingComment.objects.create(briefing=other, author=member, body="Not on this agenda")
    briefing.decisions.add(DecisionItemFactory(title="Rests on this"))

    for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
        with django_assert_num_queries(3):
            [item] = selectors.meeting_page(meeting)["items"]
        comments = item.the_briefing.visible_comments
        assert [(c.pk, c.body, c.created_at, c.author.get_full_name()) for c in comments] == [
            (first.pk, "First & foremost", first.created_at, nameless.email),
            (later.pk, "Later <b>", later.created_at, member.get_full_name())]
        assert [d.title for d in item.the_briefing.decision_list] == ["Rests on this"]
