"""What is waiting for this person, first on their home page: counts and links, from every app.

Only what is theirs to do: a seat is mentioned only to its holder or deputy (an observer holds none), a vote only to
its practice's voting contact, triage only to those who triage. A fixed number of queries (about a dozen).
"""

from django.urls import reverse
from django.utils import timezone

from decisions import selectors as decision_selectors
from priorities import selectors as priority_selectors
from representation import access as representation_access
from representation import selectors as representation_selectors


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def waiting_for(user) -> list[dict]:
    """Each thing waiting, as {"text", "url", "count"}, most pressing first; empty when nothing waits."""
    now, today = timezone.now(), timezone.localdate()
    decisions = decision_selectors.waiting_on(user, now=now)
    ballots = priority_selectors.ballots_waiting(user=user, now=now)
    representation = representation_selectors.waiting_on(user, today=today)
    triage = representation_selectors.requests_waiting() if representation_access.can_triage(user) else 0
    items = [
        (decisions["seats"], _plural(decisions["seats"], "consensus check needs your seat's position",
                                     "consensus checks need your seats' positions"), reverse("decisions:log")),
        (ballots, _plural(ballots, "priority vote is open and your practice has not voted",
                          "priority votes are open and your practices have not voted"), reverse("priorities:list")),
        (representation["overdue"], _plural(representation["overdue"], "of your actions is overdue",
                                            "of your actions are overdue"), reverse("representation:my_actions")),
        (representation["due_soon"], _plural(representation["due_soon"], "of your actions is due this week",
                                             "of your actions are due this week"),
         reverse("representation:my_actions")),
        (representation["feedback"], _plural(representation["feedback"], "meeting you attended needs your feedback",
                                             "meetings you attended need your feedback"),
         reverse("representation:forums")),
        (triage, _plural(triage, "request from system partners waits for triage",
                         "requests from system partners wait for triage"), reverse("representation:requests")),
        (decisions["acknowledge"], _plural(decisions["acknowledge"], "published decision to acknowledge",
                                           "published decisions to acknowledge"),
         reverse("decisions:published") + "?show=unseen"),  # only those their practice has not yet acknowledged
    ]
    return [{"count": count, "text": text, "url": url} for count, text, url in items if count]

