"""The decision log's search, filters and CSV export; the read functions for the digest and the chair."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from decisions import selectors, services
from decisions.diff import word_diff
from decisions.models import DecisionItem, log_date
from members.models import Seat
from representation.selectors import next_agenda

from ..factories import DecisionItemFactory, PracticeFactory, PrincipleFactory, RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_items(chair, agreed_item, lmc):
    parked = DecisionItemFactory(raised_by=chair, title="Pharmacy lead", question="Recruit one lead?")
    services.item_park(item=parked, by=chair, reason="Wait for budgets")
    redirected = DecisionItemFactory(raised_by=chair, title="LES contract variation", question="Respond how?")
    services.item_redirect(item=redirected, by=chair, organisation=lmc, reason="A contract matter")
    draft = services.item_create(raised_by=chair, title="Website standard", question="One standard?",
                                 proposed_wording="=HYPERLINK(\"http://evil\")")
    return {"agreed": agreed_item, "parked": parked, "redirected": redirected, "draft": draft}


def _titles(client, query=""):
    response = client.get(reverse("decisions:log") + query)
    assert response.status_code == 200
    return {item.title for item in response.context["page"]}


def test_the_log_searches_and_filters(client_for, chair, log_items, principle, lmc):
    client = client_for(chair)
    assert len(_titles(client)) == 4
    assert _titles(client, "?q=pharmacy") == {"Pharmacy lead"}
    assert _titles(client, "?status=redirected") == {"LES contract variation"}
    assert _titles(client, f"?principle={principle.pk}") == {"Shared phlebotomy service"}
    assert _titles(client, f"?organisation={lmc.pk}") == {"LES contract variation"}
    today = timezone.localdate().isoformat()
    assert len(_titles(client, f"?date_from={today}&date_to={today}")) == 4
    assert _titles(client, "?date_to=2000-01-01") == set()


def test_a_bad_date_range_is_refused_with_the_error_summary(client_for, chair, log_items):
    response = client_for(chair).get(reverse("decisions:log") + "?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "The end date must be on or after the start date." in html
    # What was typed is kept, in the day, month and year boxes of the NHS.UK date input.
    assert [re.search(rf'name="date_from_{part}"[^>]*value="(\w+)"', html)[1] for part in ("day", "month", "year")] \
        == ["01", "05", "2026"]


def test_practices_see_only_published_decisions_in_the_log(client_for, practice_user, log_items):
    assert _titles(client_for(practice_user)) == {"Shared phlebotomy service"}
    # Drafts are not even a choice for them; asking anyway is bad input and still shows nothing private.
    response = client_for(practice_user).get(reverse("decisions:log") + "?status=draft")
    assert response.status_code == 400
    assert {item.title for item in response.context["page"]} == {"Shared phlebotomy service"}


def test_the_csv_export_follows_the_filters_and_defuses_formulas(client_for, chair, log_items):
    response = client_for(chair).get(reverse("decisions:log_csv") + "?q=phlebotomy")
    assert response["Content-Type"].startswith("text/csv")
    # Streamed, and read after the view has returned: the rows are still the place's (members.places.carried).
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["Title"] for row in rows] == ["Shared phlebotomy service"]
    assert rows[0]["Status"] == "Agreed"
    assert rows[0]["Principles"] == "Continuity of care"
    assert rows[0]["Link"].endswith(reverse("decisions:item", args=[log_items["agreed"].pk]))
    assert rows[0]["Practices"] == "0"
    everything = b"".join(client_for(chair).get(reverse("decisions:log_csv")).streaming_content).decode()
    assert "=HYPERLINK" not in everything.replace("'=HYPERLINK", "")


def test_the_item_page_shows_who_changed_what(client_for, chair, log_items):
    html = client_for(chair).get(reverse("decisions:item", args=[log_items["parked"].pk])).content.decode()
    assert "Raised the item." in html
    assert "Status: Not agreed (parked)" in html
    assert "Reason: Wait for budgets" in html
    assert "Clare Chair" in html


def test_the_word_diff_marks_added_and_removed_words():
    pieces = [(p.kind, p.text) for p in word_diff("a b c", "a x c d")]
    assert pieces == [("same", "a "), ("removed", "b "), ("added", "x "), ("same", "c "), ("added", "d")]


def test_the_public_decisions_tag_lists_only_public_decisions(chair, agreed_item):
    template = Template("{% load decisions_public %}{% public_decisions %}")
    assert "phlebotomy" not in template.render(Context())
    services.item_set_public(item=agreed_item, by=chair, is_public=True)
    assert "The PCNs will run one shared phlebotomy service." in template.render(Context())


def test_public_decisions_name_the_principles_they_rest_on_in_order(chair, agreed_item, testshire):
    services.item_set_public(item=agreed_item, by=chair, is_public=True)
    agreed_item.principles.set([PrincipleFactory(title="Subsidiarity"), PrincipleFactory(title="Equity")])
    # A decision that is not public: its principle is not read with the public ones.
    DecisionItemFactory(raised_by=chair, title="Private").principles.set([PrincipleFactory(title="Hidden")])
    for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
        [shown] = selectors.public_decisions(limit=10)
        assert shown == agreed_item and shown.principle_titles == ["Equity", "Subsidiarity"]
    html = Template("{% load decisions_public %}{% public_decisions %}").render(Context())
    assert "Rests on: Equity; Subsidiarity." in html and "Hidden" not in html
    agreed_item.principles.clear()
    assert selectors.public_decisions(limit=10)[0].principle_titles == []


def test_the_digest_has_new_decisions_and_live_consensus_checks(chair, agreed_item, seats, deadline):
    live = DecisionItemFactory(raised_by=chair, title="Live one")
    opened = services.round_open(item=live, by=chair, deadline=deadline)
    week_ago = timezone.now() - timezone.timedelta(days=7)
    for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
        found = selectors.digest_decisions(since=week_ago)
        assert [(item.pk, item.title, item.statement) for item in found["published"]] == [
            (agreed_item.pk, agreed_item.title, agreed_item.statement)]
        assert [(c.pk, c.item_id, c.item__title, c.number, c.deadline) for c in found["consensus_checks"]] == [
            (opened.pk, live.pk, "Live one", 1, opened.deadline)]
        # A practice's digest asks no consensus checks or sign-offs: the decisions alone.
        assert selectors.digest_decisions(since=week_ago, group=False) == {
            "published": found["published"], "consensus_checks": [], "sign_offs": []}
        assert selectors.digest_decisions(since=timezone.now()) == {
            "published": [], "consensus_checks": found["consensus_checks"], "sign_offs": []}


def test_the_digest_tells_the_latest_decisions_first_and_the_nearest_deadlines_first(chair, seats, deadline,
                                                                                       django_assert_num_queries):
    now = timezone.now()
    for n, days in enumerate((3, 1, 2)):
        DecisionItemFactory(raised_by=chair, title=f"Decision {n}", status=DecisionItem.Status.AGREED,
                            published_at=now - timezone.timedelta(days=days))
    for title, extra in (("Later", 2), ("Sooner", 1)):
        services.round_open(item=DecisionItemFactory(raised_by=chair, title=title), by=chair,
                            deadline=deadline + timezone.timedelta(days=extra))
    for group in (True, True, False, False):  # each compiled once, then prepared (members.prepared)
        with django_assert_num_queries(1):
            found = selectors.digest_decisions(since=now - timezone.timedelta(days=7), group=group)
        assert [item.title for item in found["published"]] == ["Decision 1", "Decision 2", "Decision 0"]
        assert [c.item__title for c in found["consensus_checks"]] == (["Sooner", "Later"] if group else [])


def test_the_chair_sees_overdue_rounds_missing_seats_and_unseen_decisions(chair, agreed_item, seats, deadline,
                                                                          member, practice, practice_user):
    open_round = services.round_open(item=DecisionItemFactory(raised_by=chair), by=chair, deadline=deadline)
    PracticeFactory(pcn=practice.pcn)
    DecisionItem.objects.filter(pk=agreed_item.pk).update(published_at=timezone.now() - timezone.timedelta(days=30))
    services.acknowledgement_record(item=agreed_item, practice=practice, by=practice_user)
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    attention = selectors.chair_attention(now=open_round.deadline + timezone.timedelta(hours=1))
    assert attention["overdue_rounds"] == [open_round]
    assert [s.title for s in attention["seats_not_responded"][0]["seats"]] == ["Testshire Federation",
                                                                              "Testshire LMC"]
    # Half the practices have seen it: not below the 50% line.
    assert attention["low_acknowledgement"] == []
    PracticeFactory(pcn=practice.pcn)
    low = selectors.chair_attention()["low_acknowledgement"]
    assert [(row["item"].pk, row["item"].title, row["acknowledged"], row["practices"]) for row in low] == [
        (agreed_item.pk, agreed_item.title, 1, 3)]


def test_a_closed_practices_acknowledgement_no_longer_counts_towards_a_decision_being_seen(chair, agreed_item, practice,
                                                                                           practice_user):
    from members.models import Organisation

    DecisionItem.objects.filter(pk=agreed_item.pk).update(published_at=timezone.now() - timezone.timedelta(days=30))
    closing = PracticeFactory(pcn=practice.pcn)
    services.acknowledgement_record(item=agreed_item, practice=closing, by=practice_user)
    # One of two open practices has seen it: not below the 50% line.
    assert selectors.chair_attention()["low_acknowledgement"] == []
    Organisation.objects.filter(pk=closing.pk).update(status=Organisation.Status.CLOSED)
    # Its practice has closed: nobody open has seen it, of the one open practice left.
    low = selectors.chair_attention()["low_acknowledgement"]
    assert [(row["item"].pk, row["acknowledged"], row["practices"]) for row in low] == [(agreed_item.pk, 0, 1)]


def test_principles_are_listed_with_their_adoption_dates(client_for, practice_user):
    PrincipleFactory(title="Subsidiarity", adopted_on="2024-09-04")
    html = client_for(practice_user).get(reverse("decisions:principles")).content.decode()
    assert "Subsidiarity" in html and "4 September 2024" in html


def test_the_csv_export_lists_each_items_principles_in_one_cell_whatever_the_chunk(client_for, chair, monkeypatch):
    monkeypatch.setattr("decisions.views.CSV_CHUNK", 1)  # every item in a chunk of its own
    first = DecisionItemFactory(raised_by=chair, title="First")
    first.principles.set([PrincipleFactory(title="Subsidiarity"), PrincipleFactory(title="Equity")])
    DecisionItemFactory(raised_by=chair, title="Second")
    response = client_for(chair).get(reverse("decisions:log_csv"))
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}
    assert rows["First"]["Principles"] == "Equity; Subsidiarity"
    assert rows["Second"]["Principles"] == ""


def test_the_digest_lists_as_consensus_checks_only_rounds_still_asking_seats(chair, agreed_item, seats, deadline):
    asking = services.round_open(item=DecisionItemFactory(raised_by=chair, title="Still asking"), by=chair,
                                 deadline=deadline)
    heard = services.round_open(item=DecisionItemFactory(raised_by=chair, title="All heard"), by=chair,
                                deadline=deadline)
    for seat in seats.values():
        services.position_record(round=heard, seat=seat, by=seat.holder, stance="support")
    confirmed = services.round_open(item=DecisionItemFactory(raised_by=chair, title="Confirmed"), by=chair,
                                    deadline=deadline)
    for seat in seats.values():
        services.position_record(round=confirmed, seat=seat, by=seat.holder, stance="support")
    services.item_confirm(item=confirmed.item, by=chair, statement="Agreed.", publish=True)
    found = selectors.digest_decisions(since=timezone.now() - timezone.timedelta(days=7))
    assert [c.item__title for c in found["consensus_checks"]] == [asking.item.title]
    # Every seat heard: it waits for the chair, and the digest says so apart, as the agenda's sign-offs (read with
    # the digest's other decisions, by the same rule).
    assert [item.title for item in next_agenda().sign_offs] == ["All heard"]
    assert [(item.pk, item.title) for item in found["sign_offs"]] == [
        (item.pk, item.title) for item in next_agenda().sign_offs] == [(heard.item.pk, "All heard")]
    assert next_agenda(sign_offs=False).sign_offs == []
    assert "Confirmed" in [item.title for item in found["published"]]


def _log_rows(client, query=""):
    response = client.get(reverse("decisions:log") + query)
    assert response.status_code == 200
    return [(item.title, item.principle_titles, item.acknowledged if item.published_at else None)
            for item in response.context["page"]]


def test_the_whole_log_comes_a_page_at_a_time_with_the_same_columns_on_every_page(
        client_for, chair, practice_user, practice, testshire):
    from decisions.views import LOG_PAGE_SIZE

    principle = PrincipleFactory(title="Equity")
    last = LOG_PAGE_SIZE + 1  # published, alone on the second page with the one before it, which is not
    items = []
    for n in range(last + 1):  # every other one published
        item = DecisionItemFactory(title=f"Item {n:02d}", status="agreed", statement="Agreed.",
                                   decided_on=timezone.localdate() - timezone.timedelta(days=n),
                                   published_at=timezone.now() if n % 2 == last % 2 else None)
        item.principles.add(principle)
        items.append(item)
    first_published = last % 2
    for item in (items[first_published], items[last]):
        services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    client = client_for(chair)
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        first = _log_rows(client)
        assert [title for title, _, _ in first] == [f"Item {n:02d}" for n in range(LOG_PAGE_SIZE)]
        assert [seen for _, _, seen in first[first_published:first_published + 4]] == [1, None, 0, None]
        assert {tuple(principles) for _, principles, _ in first} == {("Equity",)}
        assert 'href="?page=2"' in client.get(reverse("decisions:log")).content.decode()
        assert _log_rows(client, "?page=2") == [(f"Item {last - 1:02d}", ["Equity"], None),
                                                (f"Item {last:02d}", ["Equity"], 1)]
        # A practice sees only the published ones, in the same order, counted and paged for them.
        published = [f"Item {n:02d}" for n in range(first_published, last + 1, 2)]
        assert [title for title, _, _ in _log_rows(client_for(practice_user))] == published


def test_the_log_and_its_csv_name_where_a_redirected_item_went(client_for, chair, log_items):
    client = client_for(chair)
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        html = client.get(reverse("decisions:log")).content.decode()
        assert "To Testshire LMC" in html.split("LES contract variation", 1)[1].split("</tr>", 1)[0]
        assert html.count("To Testshire LMC") == 1
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(
        b"".join(client.get(reverse("decisions:log_csv")).streaming_content).decode()))}
    assert rows["LES contract variation"]["Redirected to"] == "Testshire LMC"
    assert rows["Shared phlebotomy service"]["Redirected to"] == ""


def test_every_page_of_the_log_counts_it_counts_the_practices_and_marks_what_waits_for_my_seat(
        client_for, member, practice):
    from decisions.views import LOG_PAGE_SIZE

    def published(title):
        return DecisionItemFactory(title=title, status="agreed", statement="Agreed.",
                                   decided_on=timezone.localdate(), published_at=timezone.now())

    # Newest first: the first two made are on the second page.
    published("Published early")
    mine = RoundFactory(seats=[Seat.objects.get(holder=member)], item__title="Asked of my seat")
    RoundFactory(seats=[], item__title="Asked of others")
    for n in range(LOG_PAGE_SIZE - 2):
        DecisionItemFactory(title=f"Filler {n}")
    published("Published late")
    seen = f"0 of {selectors.practice_count()}"
    assert selectors.practice_count() == 1
    client = client_for(member)
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        first = client.get(reverse("decisions:log")).content.decode()
        assert f"<p>{LOG_PAGE_SIZE + 2} items." in first
        assert "Published late" in first and seen in first and "Waiting for your seat" not in first
        assert client.get(reverse("decisions:log") + "?page=x").content.decode().count("Filler") == LOG_PAGE_SIZE - 2
        for number in ("2", "0", "99"):  # below one or past the end: the last page
            last = client.get(reverse("decisions:log") + f"?page={number}").content.decode()
            assert f"<p>{LOG_PAGE_SIZE + 2} items match" in last
            assert "Filler" not in last and seen in last
            assert "Waiting for your seat" in last.split("Asked of my seat", 1)[1].split("</tr>", 1)[0]
            assert last.count("Waiting for your seat") == 1
    services.position_record(round=mine, seat=Seat.objects.get(holder=member), by=member, stance="support")
    assert "Waiting for your seat" not in client.get(reverse("decisions:log") + "?page=2").content.decode()


def test_an_item_raised_late_on_a_summer_evening_is_logged_on_that_days_date(chair):
    # 23:30 UTC in British Summer Time is half past midnight the next day: the log's date is the local one, as
    # TruncDate gives it (LocalDate writes the zone into the SQL; the value is the same).
    item = DecisionItemFactory(raised_by=chair, created_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    from django.db.models.functions import TruncDate

    dated = DecisionItem.objects.filter(pk=item.pk).annotate(log_date=log_date(), truncated=TruncDate("created_at"))
    assert dated.values_list("log_date", "truncated").get() == (date(2026, 7, 1), date(2026, 7, 1))


def test_the_log_can_be_read_in_order_from_the_index_of_the_places_log_dates(chair, testshire):
    # Its first page is read from decision_place_log_date (newest first, no sort of the place's every item) even
    # by the generic plan of its prepared statement (members.prepared), which compares the expression the log sorts
    # by with the index's as written: the zone is written into both, not sent as a value.
    import itertools

    from django.db import connection, transaction

    DecisionItemFactory(raised_by=chair)
    queryset = selectors.with_log_columns(DecisionItem.objects.all()).order_by("-log_date", "-pk")[:25]
    sql, params = queryset.query.sql_with_params()
    numbers = itertools.count(1)
    body = re.sub(r"%([s%])", lambda found: f"${next(numbers)}" if found.group(1) == "s" else "%", sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off;"
                       " SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE log_first_page AS {body}")
        cursor.execute(f"EXPLAIN EXECUTE log_first_page ({', '.join(['%s'] * len(params))})", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE log_first_page")
    assert "decision_place_log_date" in plan and "Sort Key: (COALESCE" not in plan, plan


def test_the_log_published_decisions_and_csv_count_only_open_practices_that_have_seen_a_decision(
        client_for, chair, agreed_item, practice, practice_user):
    # From the decision's stored count, less the acknowledgements of practices no longer open.
    from members.models import Organisation

    DecisionItem.objects.filter(pk=agreed_item.pk).update(published_at=timezone.now())
    closing = PracticeFactory(pcn=practice.pcn)
    for seen_by in (practice, closing):
        services.acknowledgement_record(item=agreed_item, practice=seen_by, by=practice_user)
    Organisation.objects.filter(pk=closing.pk).update(status=Organisation.Status.CLOSED)
    for client in (client_for(chair), client_for(practice_user)):
        for _ in range(2):  # the second time from the prepared SQL (members.prepared)
            assert [seen for title, _, seen in _log_rows(client) if title == agreed_item.title] == [1]
            published = client.get(reverse("decisions:published"))
            assert [item.acknowledged for item in published.context["page"]] == [1]
    rows = list(csv.DictReader(io.StringIO(
        b"".join(client_for(chair).get(reverse("decisions:log_csv")).streaming_content).decode())))
    assert [row["Practices acknowledged"] for row in rows if row["Title"] == agreed_item.title] == ["1"]
