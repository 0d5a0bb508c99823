"""The decision log and an item page run the same number of queries whatever the number of decisions,
rounds and positions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.models import Acknowledgement, Comment

from ..factories import DecisionItemFactory, PracticeFactory, PrincipleFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:  # the CSV export's queries run as it is read
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_decisions(n, chair, practices, principles):
    """n items across every status: agreed and published ones with acknowledgements, some with rounds."""
    for i in range(n):
        kind = i % 4
        item = DecisionItemFactory(raised_by=chair, lead=chair, status="discussion" if kind else "agreed",
                                   statement="Agreed words" if not kind else "",
                                   decided_on=timezone.localdate() if not kind else None,
                                   published_at=timezone.now() if not kind else None)
        item.principles.set(principles[: 1 + i % len(principles)])
        if not kind:
            for practice in practices[: 1 + i % len(practices)]:
                Acknowledgement.objects.create(item=item, practice=practice, acknowledged_by=chair)


@pytest.mark.parametrize("persona", ["chair", "practice_user"])
def test_the_decision_log_runs_constant_queries_for_10_and_200_decisions(client_for, request, chair, practice,
                                                                         persona, monkeypatch):
    # The CSV streams a chunk of items at a time: 200 items are four chunks of 50, so a query per chunk would show.
    monkeypatch.setattr("decisions.views.CSV_CHUNK", 50)
    client = client_for(request.getfixturevalue(persona))
    practices = [practice] + [PracticeFactory(pcn=practice.pcn) for _ in range(3)]
    principles = [PrincipleFactory() for _ in range(3)]
    filtered = reverse("decisions:log") + f"?q=Decision&status=agreed&principle={principles[0].pk}"
    pages = [reverse("decisions:log"), filtered, reverse("decisions:published"), reverse("decisions:log_csv")]
    _add_decisions(10, chair, practices, principles)
    small = [_count_queries(client, url) for url in pages]
    _add_decisions(190, chair, practices, principles)
    large = [_count_queries(client, url) for url in pages]
    print(f"\nlog, filtered log, published, CSV queries ({persona}): 10 decisions={small}, 200 decisions={large}")
    assert small == large


def _item_with_history(chair, seats_count, rounds_count, comments):
    seats = [SeatFactory(holder=UserFactory()) for _ in range(seats_count)]
    item = DecisionItemFactory(raised_by=chair, lead=chair)
    item.principles.set([PrincipleFactory() for _ in range(2)])
    for n in range(rounds_count):
        the_round = services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
        for seat in seats[:-1]:
            services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")
            services.position_record(round=the_round, seat=seat, by=seat.holder, stance="stand_aside",
                                     reason="Changed our mind")
        if n < rounds_count - 1:
            services.position_record(round=the_round, seat=seats[-1], by=seats[-1].holder, stance="block",
                                     reason="Not yet")
            item.refresh_from_db()
            services.item_update(item=item, by=chair, title=item.title, question=item.question, background="",
                                 lead=chair, proposed_wording=f"Wording version {n + 2} with more words")
    for i in range(comments):
        Comment.objects.create(item=item, author=chair, body=f"Comment {i}")
    return item


def test_an_item_page_runs_constant_queries_whatever_its_rounds_and_positions(client_for, chair):
    client = client_for(chair)
    small = _item_with_history(chair, seats_count=2, rounds_count=1, comments=1)
    large = _item_with_history(chair, seats_count=12, rounds_count=6, comments=30)
    small_count = _count_queries(client, reverse("decisions:item", args=[small.pk]))
    large_count = _count_queries(client, reverse("decisions:item", args=[large.pk]))
    print(f"item page queries: 1 round x 2 seats={small_count}, 6 rounds x 12 seats={large_count}")
    assert small_count == large_count


def test_a_published_item_page_runs_constant_queries_whatever_the_practices(client_for, chair, member, practice,
                                                                           practice_user):
    seats = {"pcn": SeatFactory(holder=UserFactory())}

    def agreed():
        item = DecisionItemFactory(raised_by=chair)
        the_round = services.round_open(item=item, by=chair,
                                        deadline=timezone.now() + timezone.timedelta(days=3))
        for seat in [member.seats_held.get(), seats["pcn"]]:
            services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")
        return services.item_confirm(item=item, by=chair, statement="Agreed.", publish=True)

    first, second = agreed(), agreed()
    for _ in range(20):
        other = PracticeFactory()
        Acknowledgement.objects.create(item=second, practice=other, acknowledged_by=chair)
    for persona in (chair, practice_user):
        client = client_for(persona)
        assert _count_queries(client, reverse("decisions:item", args=[first.pk])) == _count_queries(
            client, reverse("decisions:item", args=[second.pk]))


def test_an_items_papers_comments_and_interests_are_read_together_in_order(chair, django_assert_num_queries,
                                                                            papers_root):
    from datetime import timedelta

    from decisions import selectors
    from decisions.models import ItemInterest
    from members import papers

    from .. import paper_files as files

    item, other = DecisionItemFactory(raised_by=chair), DecisionItemFactory(raised_by=chair)
    nameless = UserFactory(full_name="")
    start = timezone.now()
    later = Comment.objects.create(item=item, author=chair, body="Second <b>", created_at=start + timedelta(hours=1))
    first = Comment.objects.create(item=item, author=nameless, body="First", created_at=start)
    Comment.objects.create(item=item, author=chair, body="Withdrawn", created_at=start, is_withdrawn=True)
    Comment.objects.create(item=other, author=chair, body="Elsewhere", created_at=start)
    declared = ItemInterest.objects.create(item=item, user=nameless, interest="Partner", declared_at=start)
    ItemInterest.objects.create(item=item, user=chair, interest="Gone", declared_at=start, is_withdrawn=True)
    old = papers.paper_add(owner=item, file=files.upload(), title="Plan & <costs>", uploaded_by=nameless)
    papers.paper_add(owner=item, file=files.upload("v2.pdf"), uploaded_by=chair, supersedes=old)
    papers.paper_add(owner=item, file=files.upload("notes.pdf"), title="Notes")
    papers.paper_add(owner=other, file=files.upload(), title="Not this item's")

    def described(listed):
        return [(p.pk, p.title, p.file.name, p.original_name, p.content_type, p.size, p.sha256, p.uploaded_at,
                 p.supersedes_id, p.uploaded_by and p.uploaded_by.get_full_name(), p.get_absolute_url(),
                 [e.pk for e in p.earlier]) for p in listed]

    for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
        with django_assert_num_queries(1):
            read = selectors.item_papers_and_discussion(item)
        assert [(c.pk, c.body, c.created_at, c.author.get_full_name()) for c in read["comments"]] == [
            (first.pk, "First", first.created_at, nameless.email),
            (later.pk, "Second <b>", later.created_at, chair.get_full_name())]
        assert [(i.pk, i.interest, i.declared_at, i.user.get_full_name()) for i in read["interests"]] == [
            (declared.pk, "Partner", declared.declared_at, nameless.email)]
        assert described(read["papers"]) == described(selectors.item_papers(item))
    assert [p.title for p in read["papers"]] == ["Notes", "Plan & <costs>"]
    assert [p.title for p in read["papers"][1].earlier] == ["Plan & <costs>"]
    assert selectors.item_papers_and_discussion(other)["interests"] == []


def test_an_items_history_and_its_positions_history_are_read_together(chair, django_assert_num_queries):
    """One query for both histories; what it gives is what the two tables read with the ORM give."""
    from decisions import selectors
    from decisions.models import DecisionItem, Position

    from ..factories import OrganisationFactory

    nameless = UserFactory(full_name="")
    seats = [SeatFactory(holder=UserFactory(full_name="A <b>&amp; 'seat'</b>"), title="PCN <one> & \"two\""),
             SeatFactory(holder=nameless)]
    item = DecisionItemFactory(raised_by=chair, lead=chair, title="First & <title>")
    other = DecisionItemFactory(raised_by=chair)
    for n in range(2):
        the_round = services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
        for seat in seats:
            services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")
        services.position_record(round=the_round, seat=seats[0], by=seats[0].holder, stance="block",
                                 reason="Not yet")
        item.refresh_from_db()
        services.item_update(item=item, by=chair, title=f"Version {n} <&>", question=item.question, background="",
                             lead=nameless if n else chair, proposed_wording=f"Wording {n}")
    item.refresh_from_db()
    services.item_redirect(item=item, by=chair, organisation=OrganisationFactory(name="Trust <&> \"A\""),
                           reason="Theirs")
    services.round_open(item=other, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
    item_versions = list(DecisionItem.history.filter(id=item.pk).select_related("history_user", "lead",
                                                                               "redirected_to")
                         .order_by("history_date", "history_id"))
    positions = list(Position.history.filter(round__item=item).select_related(
        "seat", "responded_by", "history_user", "round").order_by("-history_date", "-history_id"))
    assert len(item_versions) > 3 and len(positions) == 6
    for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
        with django_assert_num_queries(1):
            read = selectors.item_history(item)
        assert read["history"] == selectors._changes(item_versions)
        assert any(change["label"] == "Redirected to" and change["value"] == "Trust <&> \"A\""
                   for row in read["history"] for change in row["changes"])
        assert [(r.history_id, r.history_date, r.round.number, r.seat.title, r.get_stance_display(),
                 r.responded_by.get_full_name(), r.history_user) for r in read["position_history"]] == [
            (r.history_id, r.history_date, r.round.number, r.seat.title, r.get_stance_display(),
             r.responded_by.get_full_name(), r.history_user) for r in positions]
    assert selectors.item_history(other)["history"][-1]["created"]
    assert selectors.item_history(other)["position_history"] == []
