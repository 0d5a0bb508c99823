"""The action log reads only the columns its rows show (selectors.action_list). Its rows must say what they said
when every column was read, and drawing them must never go back to the database for a column left behind."""

from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from representation import selectors
from representation.models import Action

from ..factories import ActionFactory, DecisionItemFactory, ForumFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


def _drawn(actions) -> str:
    return engines["django"].from_string("{% load representation_rows %}{% action_rows actions %}").render(
        {"actions": actions})


def _read_whole(actions) -> list[Action]:
    """The same actions with every column of the four tables, the titles carried over from the log's reading."""
    whole = Action.objects.select_related("owner", "support", "meeting__forum").in_bulk([a.pk for a in actions])
    for action in actions:
        whole[action.pk].decision_title, whole[action.pk].priority_title = action.decision_title, action.priority_title
    return [whole[a.pk] for a in actions]


@pytest.fixture
def me(db):
    today = timezone.localdate()
    person = UserFactory(full_name='Dr Ann "Annie" <Lee> & Co')
    helper = UserFactory(full_name="Bob <b>Smith</b>")
    meeting = MeetingFactory(forum=ForumFactory(name='Board <of> "Health" & Care'), held_on=today - timedelta(days=3))
    ActionFactory(title="Write <the> plan & send", owner=person, support=helper, meeting=meeting,
                  decision=DecisionItemFactory(title="Back the <hub> & spokes"))
    ActionFactory(title="Chase 'the' ICB", owner=helper, support=person, due_on=today - timedelta(days=2))
    ActionFactory(title="Book the room", owner=person, status="in_progress")
    ActionFactory(title="Someone else's", status="done", completion_note="Sent.", completed_at=timezone.now())
    return person


@pytest.mark.parametrize("mine", [True, False])
@pytest.mark.parametrize("show_closed", [False, True])
def test_the_log_draws_the_same_rows_as_from_whole_actions(me, django_assert_num_queries, mine, show_closed):
    listed = selectors.action_list(person=me if mine else None, show_closed=show_closed)
    for actions in (listed["first"](25), list(listed["actions"]())):
        with django_assert_num_queries(0):
            drawn = _drawn(actions)
        assert drawn == _drawn(_read_whole(actions))
        assert len(actions) == (4 if show_closed and not mine else 3)
        assert "&lt;of&gt;" in drawn and "Dr Ann &quot;Annie&quot; &lt;Lee&gt; &amp; Co" in drawn
        assert "Support: Bob &lt;b&gt;Smith&lt;/b&gt;" in drawn and "Overdue" in drawn and "In progress" in drawn
