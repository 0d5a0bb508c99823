"""Charts on the chair's dashboard and the ICS leaders' page: each chart's figures against hand-counted fixtures,
the SVG's bars and labels against its table's cells, the empty states, the windows' edges, the grouped rules
adding up to the rules they group, and who may see them."""

import re
from datetime import datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from decisions import selectors as decision_selectors
from decisions import services as decision_services
from decisions.models import Acknowledgement, DecisionItem
from gpleadership import charts
from members import places
from members.models import Organisation
from priorities import selectors as priority_selectors
from priorities import services as priority_services
from priorities.models import Ballot
from representation.models import Action, Request, add_working_days, weekly_status_from

from ..factories import (
    ActionFactory,
    CandidateFactory,
    DecisionItemFactory,
    ExerciseFactory,
    PCNFactory,
    PracticeFactory,
    RequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ICS_URL = "/ics/north-shire/"


# Reading a rendered chart ----------------------------------------------------------------------------------------


class _Charts(HTMLParser):
    """Each chart section of a page: its bars' values and labels, its table's cells, its empty sentence."""

    def __init__(self, html: str):
        super().__init__()
        self.charts: dict[str, dict] = {}
        self._chart = None
        self._text_key = None  # where the text being read goes
        self._row: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section" and "portal-chart" in classes:
            self._chart = self.charts.setdefault(attrs["id"], {"bars": {}, "labels": {}, "header": [], "rows": [],
                                                               "empty": None, "svg": False})
        elif self._chart is None:
            return
        elif tag == "svg":
            self._chart["svg"] = True
        elif tag == "rect" and "portal-chart__bar" in classes:
            self._chart["bars"][(attrs["data-category"], attrs["data-series"])] = int(attrs["data-value"])
        elif tag == "text" and "portal-chart__value" in classes:
            self._text_key = ("label", (attrs["data-category"], attrs["data-series"]))
        elif tag == "p" and "portal-chart__empty" in classes:
            self._text_key = ("empty", None)
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._text_key = ("cell", None)
            self._row.append("")

    def handle_endtag(self, tag):
        if self._chart is None:
            return
        if tag in ("text", "p", "th", "td"):
            self._text_key = None
        elif tag == "tr":
            if not self._chart["header"]:
                self._chart["header"] = self._row
            else:
                self._chart["rows"].append(self._row)
        elif tag == "section":
            self._chart = None

    def handle_data(self, data):
        if self._chart is None or self._text_key is None:
            return
        kind, key = self._text_key
        if kind == "label":
            self._chart["labels"][key] = self._chart["labels"].get(key, "") + data.strip()
        elif kind == "empty":
            self._chart["empty"] = (self._chart["empty"] or "") + data.strip()
        else:
            self._row[-1] += data.strip()


def _charts(html: str) -> dict[str, dict]:
    return _Charts(html).charts


def _table(chart: dict) -> dict[tuple[str, str], str]:
    """{(category, series): the cell's words}."""
    series = chart["header"][1:]
    return {(row[0], name): cell for row in chart["rows"] for name, cell in zip(series, row[1:], strict=True)}


def _table_value(cell: str) -> int:
    """A bar's value as the table says it: the percentage of "7 of 9 (78%)", a count, or 0 for a missing figure."""
    if match := re.search(r"\((\d+)%\)", cell):
        return int(match.group(1))
    return int(cell) if cell.isdigit() else 0


def _assert_svg_matches_table(chart: dict):
    table = _table(chart)
    assert chart["svg"] and set(chart["bars"]) == set(table), "every bar has its cell and every cell its bar"
    for key, value in chart["bars"].items():
        assert value == _table_value(table[key]), key
        label = chart["labels"][key]
        assert label in (f"{value}%", str(value), "none"), (key, label)
        if label == "none":
            assert value == 0 and "%" not in table[key]


def _dashboard(client_for, chair) -> dict[str, dict]:
    response = client_for(chair).get(reverse("dashboard"))
    assert response.status_code == 200
    return _charts(response.content.decode())


# Fixtures counted by hand ----------------------------------------------------------------------------------------


def _publish(*, days_ago: float, **kwargs) -> DecisionItem:
    return DecisionItemFactory(status="agreed", statement="Agreed.", published_at=timezone.now() - timedelta(
        days=days_ago), **kwargs)


@pytest.fixture
def reach(chair):
    """Alpha PCN: 3 open practices and a closed one; Beta PCN: 1; one open practice in no PCN. Two decisions in
    the window (10 and 83 days ago) and one just outside it (13 weeks ago), and a draft. In the window Alpha's
    practices acknowledged 3 times (of 3 × 2), Beta's twice (of 1 × 2), the practice in no PCN never (of 2); the
    closed practice's acknowledgement and those of the old decision do not count."""
    alpha, beta = PCNFactory(name="Alpha PCN"), PCNFactory(name="Beta PCN")
    a1, a2, a3 = (PracticeFactory(name=f"Alpha {n}", pcn=alpha) for n in (1, 2, 3))
    closed = PracticeFactory(name="Alpha closed", pcn=alpha, status=Organisation.Status.CLOSED)
    b1 = PracticeFactory(name="Beta 1", pcn=beta)
    PracticeFactory(name="Loner Surgery", pcn=None)
    recent, edge = _publish(days_ago=10, title="Recent"), _publish(days_ago=83, title="Edge")
    old = _publish(days_ago=7 * 13, title="Old")
    DecisionItemFactory(title="Draft")
    for item, practice in [(recent, a1), (recent, a2), (edge, a1), (recent, b1), (edge, b1), (recent, closed),
                           (old, a3), (old, b1)]:
        decision_services.acknowledgement_record(item=item, practice=practice, by=chair)
    return {"alpha": alpha, "beta": beta, "practices": [a1, a2, a3, b1]}


def _vote(exercise, practices, by):
    candidate = CandidateFactory(exercise=exercise)
    for practice in practices:
        Ballot.objects.create(exercise=exercise, practice=practice, cast_by=by, choices=[candidate.pk],
                              receipt_code=f"R-{exercise.pk}-{practice.pk}")


def _days(n: int):
    """Noon, `n` days ago: the local date is certain whatever the hour the test runs and the clocks changed."""
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=n), time(12)))


@pytest.fixture
def actions(chair):
    """Today T. On time since T-30; due T-10 (made T-20); due T-30 and done T-3 (made T-40); dropped T-1; archived
    and overdue. By the end of each week: see test_actions_week_by_week."""
    today = timezone.localdate()
    ActionFactory(title="Long job", created_at=_days(30), due_on=today + timedelta(days=7))
    ActionFactory(title="Slipping", created_at=_days(20), due_on=today - timedelta(days=10))
    ActionFactory(title="Late but done", created_at=_days(40), due_on=today - timedelta(days=30), status="done",
                  completion_note="Done.", completed_at=_days(3))
    ActionFactory(title="Dropped", created_at=_days(5), due_on=today + timedelta(days=5), status="dropped",
                  completion_note="Not needed.", completed_at=_days(1))
    ActionFactory(title="Archived", created_at=_days(20), due_on=today - timedelta(days=10), is_archived=True)


def _request(*, received_days_ago: int, triaged_days_ago: int | None = None, by=None, **kwargs) -> Request:
    received = _days(received_days_ago)
    fields = {"received_at": received, "triage_due_on": add_working_days(timezone.localtime(received).date(), 5)}
    if triaged_days_ago is not None:
        fields |= {"outcome": "paper", "triaged_at": _days(triaged_days_ago), "triaged_by": by}
    return RequestFactory(**fields, **kwargs)


@pytest.fixture
def requests_received(chair):
    """Week ending T: one triaged the next day, one waiting within its target. Week ending T-14: one received T-20
    and triaged T-5, late. Week ending T-28: one received T-30 still waiting, late. Outside the window: one
    received 90 days ago; an archived one."""
    _request(received_days_ago=2, triaged_days_ago=1, by=chair)
    _request(received_days_ago=1)
    _request(received_days_ago=20, triaged_days_ago=5, by=chair)
    _request(received_days_ago=30)
    _request(received_days_ago=90)
    _request(received_days_ago=3, is_archived=True)


# Acknowledgement by PCN ------------------------------------------------------------------------------------------


def test_acknowledgement_by_pcn_counts_open_practices_and_the_window(client_for, chair, reach):
    chart = _dashboard(client_for, chair)["chart-acknowledgement"]
    assert chart["header"] == ["PCN", "Acknowledged"]
    assert chart["rows"] == [["Alpha PCN", "3 of 6 (50%)"], ["Beta PCN", "2 of 2 (100%)"],
                             ["Not in a PCN", "0 of 2 (0%)"]]
    _assert_svg_matches_table(chart)


def test_the_grouped_acknowledgement_adds_up_to_the_rule(reach, django_assert_num_queries):
    since = timezone.now() - timedelta(weeks=charts.WINDOW_WEEKS)
    with django_assert_num_queries(1):  # the decisions, the open practices and their acknowledgements together
        groups = decision_selectors.acknowledgement_rates(since=since, by="pcn")
    published = DecisionItem.objects.published().filter(published_at__gte=since)
    open_practices = Organisation.objects.open_practices()
    assert sum(g["acknowledged"] for g in groups.values()) == Acknowledgement.objects.filter(
        item__in=published, practice__in=open_practices).count() == 5
    assert sum(g["expected"] for g in groups.values()) == published.count() * decision_selectors.practice_count()
    # Each decision's own count by PCN (the decision page's rule), added up, gives the same figures.
    for pcn in (reach["alpha"], reach["beta"]):
        per_item = [decision_selectors.acknowledgement_by_pcn(item)[0] for item in published]
        acknowledged = sum(row["acknowledged"] for rows in per_item for row in rows if row["pcn_id"] == pcn.pk)
        practices = sum(row["practices"] for rows in per_item for row in rows if row["pcn_id"] == pcn.pk)
        assert (groups[pcn.pk]["acknowledged"], groups[pcn.pk]["expected"]) == (acknowledged, practices)


# Turnout by PCN --------------------------------------------------------------------------------------------------


def test_turnout_by_pcn_is_of_the_open_vote_and_leaves_out_closed_practices(client_for, chair, reach):
    a1, a2, _, b1 = reach["practices"]
    older = ExerciseFactory(title="Last year's vote")
    _vote(older, [a1, b1], chair)
    priority_services.exercise_close(exercise=older, now=_days(100))
    ExerciseFactory(title="Draft vote", status="draft")
    exercise = ExerciseFactory(title="This year's vote")
    closed = Organisation.objects.get(name="Alpha closed")
    _vote(exercise, [a1, a2, closed], chair)
    chart = _dashboard(client_for, chair)["chart-turnout"]
    assert chart["rows"] == [["Alpha PCN", "2 of 3 (67%)"], ["Beta PCN", "0 of 1 (0%)"],
                             ["Not in a PCN", "0 of 1 (0%)"]]
    assert "This year&#x27;s vote" in client_for(chair).get(reverse("dashboard")).content.decode()
    _assert_svg_matches_table(chart)


def test_without_an_open_vote_turnout_is_of_the_one_closed_last(client_for, chair, reach):
    a1, a2, a3, b1 = reach["practices"]
    for title, voters, days in [("Older", [a1], 100), ("Newer", [a1, a2, a3, b1], 10)]:
        exercise = ExerciseFactory(title=title)
        _vote(exercise, voters, chair)
        priority_services.exercise_close(exercise=exercise, now=_days(days))
    exercise, turnout = priority_selectors.latest_turnout()
    assert exercise.title == "Newer" and turnout["voted"] == 4
    chart = _dashboard(client_for, chair)["chart-turnout"]
    assert chart["rows"][0] == ["Alpha PCN", "3 of 3 (100%)"]
    _assert_svg_matches_table(chart)


# Actions week by week --------------------------------------------------------------------------------------------


def test_actions_week_by_week(client_for, chair, actions):
    today = timezone.localdate()
    chart = _dashboard(client_for, chair)["chart-actions"]
    assert chart["header"] == ["Week ending", "Open, on time", "Overdue", "Done that week"]
    assert len(chart["rows"]) == charts.WINDOW_WEEKS
    by_week = {row[0]: row[1:] for row in chart["rows"]}

    def week(days_ago):
        return by_week[charts._day(today - timedelta(days=days_ago))]

    assert week(0) == ["1", "1", "1"]
    assert week(7) == ["1", "2", "0"]
    assert week(14) == ["2", "1", "0"]
    assert week(21) == week(28) == ["1", "1", "0"]
    assert week(35) == ["1", "0", "0"]
    assert week(42) == week(77) == ["0", "0", "0"]
    _assert_svg_matches_table(chart)


def _weekly_status(ends):
    return weekly_status_from(ends, list(Action.objects.weekly_status_counts(ends)))


def test_the_weekly_status_of_today_is_the_overdue_rule(actions):
    today = timezone.localdate()
    [this_week] = _weekly_status([today])
    assert this_week["overdue"] == Action.objects.overdue(today).count() == 1
    assert this_week["on_time"] + this_week["overdue"] == Action.objects.open().count()
    assert Action.objects.overdue_at_end_of(today).count() == Action.objects.overdue(today).count()
    assert sorted(a.title for a in Action.objects.overdue_at_end_of(today - timedelta(days=7))) == [
        "Late but done", "Slipping"]


def test_the_weekly_status_splits_weeks_at_local_midnight(chair):
    """A week ends at midnight where the group is (Europe/London, on summer time here), not at midnight UTC."""
    end = datetime(2026, 7, 12).date()  # a Sunday in British Summer Time
    late = timezone.make_aware(datetime.combine(end, time(23, 30)))  # 22:30 UTC: still the week's
    early = timezone.make_aware(datetime.combine(end + timedelta(days=1), time(0, 30)))  # 23:30 UTC the day before
    ActionFactory(title="Done late Sunday", created_at=late - timedelta(days=9), due_on=end, status="done",
                  completion_note="Done.", completed_at=late)
    ActionFactory(title="Done early Monday", created_at=late - timedelta(days=9), due_on=end, status="done",
                  completion_note="Done.", completed_at=early)
    ActionFactory(title="Made early Monday", created_at=early, due_on=end + timedelta(days=7))
    [week] = _weekly_status([end])
    assert week["done"] == 1
    # At the end of Sunday the Monday one was still open (not yet done) and on time; the one made on Monday
    # did not exist yet.
    assert week["on_time"] == 1 and week["overdue"] == 0


def test_the_weekly_status_agrees_with_the_status_counts_of_each_week(chair):
    """The weeks are counted from groups of actions (weekly_status_counts), not rule by rule: for every week they
    give what with_status_counts (the rules, for one day) gives, around each week's edges and beyond the window."""
    today = timezone.localdate()
    ends = charts._week_ends(today)
    moments = [timezone.make_aware(datetime.combine(ends[0] - timedelta(days=9), time(12)))]
    for end in ends[:4] + ends[-2:]:
        edge = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
        moments += [edge - timedelta(minutes=1), edge, edge + timedelta(hours=30)]
    days = [ends[0] - timedelta(days=8), ends[0], ends[0] + timedelta(days=1), ends[5], ends[-1],
            ends[-1] + timedelta(days=3)]
    n = 0
    for made in moments:
        for due in days[n % 2::2]:
            n += 1
            ActionFactory(title=f"Open {n}", created_at=made, due_on=due, status="in_progress" if n % 3 else "open")
        for done in [m for m in moments if m >= made][:4]:
            n += 1
            ActionFactory(title=f"Closed {n}", created_at=made, due_on=days[n % len(days)],
                          status="done" if n % 4 else "dropped", completion_note="Closed.", completed_at=done)
    ActionFactory(title="Archived", created_at=moments[1], due_on=today, is_archived=True)
    weeks = _weekly_status(ends)
    assert sum(w["done"] for w in weeks) and sum(w["overdue"] for w in weeks) and sum(w["on_time"] for w in weeks)
    for week in weeks:
        end = week["week_end"]
        [expected] = Action.objects.order_by().values("place").with_status_counts(
            on=end, done_since=end - timedelta(days=7))
        assert (week["on_time"], week["overdue"], week["done"]) == (
            expected["on_time"], expected["overdue"], expected["done"]), end


def test_todays_open_and_done_counts_are_the_status_counts_of_today(chair, actions):
    """The ICS page counts today's actions from two indexes (with_open_counts, with_done_count): for actions made
    and closed by now, the figures of with_status_counts for today, around the window's first edge too."""
    today = timezone.localdate()
    since = today - timedelta(weeks=charts.WINDOW_WEEKS)
    edge = timezone.make_aware(datetime.combine(since + timedelta(days=1), time.min))
    for n, done in enumerate([edge - timedelta(minutes=1), edge, edge + timedelta(minutes=1), _days(0)]):
        ActionFactory(title=f"Done {n}", created_at=edge - timedelta(days=2), due_on=since, status="done",
                      completion_note="Done.", completed_at=min(done, timezone.now()))
    ActionFactory(title="Due today", created_at=_days(2), due_on=today, status="in_progress")
    ActionFactory(title="Done, archived", created_at=_days(9), due_on=today, status="done", completion_note="Done.",
                  completed_at=_days(2), is_archived=True)
    [expected] = Action.objects.order_by().values("place").with_status_counts(on=today, done_since=since)
    [open_counts] = Action.objects.order_by().values("place").with_open_counts(today)
    [done] = Action.objects.order_by().values("place").with_done_count(since=since, on=today)
    assert (open_counts["on_time"], open_counts["overdue"], done["done"]) == (
        expected["on_time"], expected["overdue"], expected["done"]) == (2, 1, 4)


# Requests triaged within target ----------------------------------------------------------------------------------


def test_requests_by_week_received(client_for, chair, requests_received):
    today = timezone.localdate()
    chart = _dashboard(client_for, chair)["chart-requests"]
    assert chart["header"] == ["Week ending", "Triaged within target", "Late", "Not yet triaged"]
    by_week = {row[0]: row[1:] for row in chart["rows"]}
    assert by_week[charts._day(today)] == ["1", "0", "1"]
    assert by_week[charts._day(today - timedelta(days=14))] == ["0", "1", "0"]
    assert by_week[charts._day(today - timedelta(days=28))] == ["0", "1", "0"]
    assert sum(int(n) for row in chart["rows"] for n in row[1:]) == 4
    _assert_svg_matches_table(chart)


def test_the_triage_counts_share_out_requests_by_the_target_rule(requests_received):
    today = timezone.localdate()
    counts = Request.objects.order_by().values("is_archived").with_triage_counts(today).get()
    live = Request.objects.filter(is_archived=False)
    assert counts["late"] == Request.objects.past_target(today).count() == sum(
        r.is_past_target(today) for r in live) == 3
    assert counts["within_target"] + counts["late"] + counts["waiting"] == live.count() == 5
    assert counts["waiting"] == Request.objects.awaiting_triage().count() - Request.objects.awaiting_triage(
    ).past_target(today).count()


def test_the_weeks_are_named_as_each_day_is():
    ends = charts._week_ends(timezone.localdate())
    assert charts._day_names(ends) == [charts._day(end) for end in ends]
    # Across a year's end, and in another language.
    days = [datetime(2026, 12, 28).date() + timedelta(weeks=n) for n in range(6)]
    assert charts._day_names(days)[0:2] == ["28 Dec 2026", "4 Jan 2027"]
    with translation.override("fr"):
        assert charts._day_names(days) == [charts._day(day) for day in days]


def test_the_dashboards_figures_are_each_apps_rules_read_in_one_query(chair, reach, actions, requests_received,
                                                                     django_assert_num_queries):
    today, now = timezone.localdate(), timezone.now()
    since, ends = now - timedelta(weeks=charts.WINDOW_WEEKS), charts._week_ends(today)
    exercise = ExerciseFactory(title="Open vote")
    _vote(exercise, reach["practices"][:2], chair)
    with django_assert_num_queries(1):  # every chart's grouped reads joined by UNION ALL
        rates, turnout, weeks, received = charts._dashboard_figures(since=since, ends=ends, today=today,
                                                                     exercise=exercise)
    assert rates == decision_selectors.acknowledgement_rates(since=since, by="pcn")
    assert turnout == priority_selectors.exercise_turnout(exercise) and turnout["voted"] == 2
    assert weeks == _weekly_status(ends)
    assert received == {ends[n]: {"within_target": within_target, "late": late, "waiting": waiting}
                        for n, within_target, late, waiting in Request.objects.weekly_triage_counts(ends, today)}
    assert sum(rate["acknowledged"] for rate in rates.values()) == 5
    assert sum(w["on_time"] + w["overdue"] + w["done"] for w in weeks) > 0
    assert sum(sum(week.values()) for week in received.values()) == 4


def test_a_counted_votes_turnout_is_the_stored_one_and_its_ballots_are_not_read(chair, reach,
                                                                               django_assert_num_queries):
    exercise = ExerciseFactory(title="Last vote")
    _vote(exercise, reach["practices"][:3], chair)
    priority_services.exercise_close(exercise=exercise, now=_days(10))
    exercise.refresh_from_db()
    today, now = timezone.localdate(), timezone.now()
    with django_assert_num_queries(1) as captured:
        _, turnout, _, _ = charts._dashboard_figures(since=now - timedelta(weeks=charts.WINDOW_WEEKS),
                                                     ends=charts._week_ends(today), today=today, exercise=exercise)
    assert turnout == exercise.result["turnout"] and turnout["voted"] == 3
    assert "priorities_ballot" not in captured.captured_queries[0]["sql"]


def test_the_dashboards_four_charts_take_two_queries(chair, reach, actions, requests_received,
                                                    django_assert_num_queries):
    _vote(ExerciseFactory(title="Open vote"), reach["practices"][:2], chair)
    # The latest vote, then every chart's figures.
    with django_assert_num_queries(2):
        drawn = charts.for_dashboard(today=timezone.localdate(), now=timezone.now())
    assert [chart.slug for chart in drawn if not chart.is_empty] == [
        "chart-acknowledgement", "chart-turnout", "chart-actions", "chart-requests"]


# Empty states and permissions ------------------------------------------------------------------------------------


def test_each_chart_says_when_there_is_nothing_to_draw(client_for, chair):
    found = _dashboard(client_for, chair)
    assert {slug: chart["empty"] for slug, chart in found.items()} == {
        "chart-acknowledgement": "No decisions were published in the last 12 weeks.",
        "chart-turnout": "No priority vote has opened yet.",
        "chart-actions": "No actions were open or done in the last 12 weeks.",
        "chart-requests": "No requests were received in the last 12 weeks.",
    }
    assert not any(chart["svg"] or chart["rows"] for chart in found.values())


def test_a_decision_published_thirteen_weeks_ago_draws_no_chart(client_for, chair, practice):
    decision_services.acknowledgement_record(item=_publish(days_ago=7 * 13), practice=practice, by=chair)
    chart = _dashboard(client_for, chair)["chart-acknowledgement"]
    assert chart["empty"] == "No decisions were published in the last 12 weeks." and not chart["svg"]


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user", "outsider"])
def test_only_the_chair_and_gatekeepers_see_the_dashboards_charts(client_for, request, persona, reach):
    response = client_for(request.getfixturevalue(persona)).get(reverse("dashboard"))
    assert response.status_code == 403 and b"portal-chart" not in response.content


def test_anonymous_visitors_see_no_charts(client, reach):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and b"portal-chart" not in response.content


# The ICS page: the same four by place ----------------------------------------------------------------------------


@pytest.fixture
def system(testshire, ics, riverton, lakeside, chair):
    """Testshire: 2 open practices, a decision 10 days ago seen by one (and one 100 days ago), an open vote with 1
    of 2 voting, an overdue action, a request triaged late. Riverton: 1 practice that saw its decision, a vote
    closed 5 days ago with its practice voting, an action done 5 days ago, a request waiting within target.
    Lakeside: nothing at all."""
    a, b = PracticeFactory(name="Abbey Surgery"), PracticeFactory(name="Brook Surgery")
    item = _publish(days_ago=10)
    decision_services.acknowledgement_record(item=item, practice=a, by=chair)
    decision_services.acknowledgement_record(item=_publish(days_ago=100), practice=b, by=chair)
    _vote(ExerciseFactory(title="Testshire vote"), [a], chair)
    ActionFactory(due_on=timezone.localdate() - timedelta(days=1))
    _request(received_days_ago=20, triaged_days_ago=5, by=chair)
    with places.using(riverton):
        river = PracticeFactory(name="River Surgery", place=riverton, pcn__place=riverton)
        decision_services.acknowledgement_record(item=_publish(days_ago=3), practice=river, by=chair)
        exercise = ExerciseFactory(title="Riverton vote")
        _vote(exercise, [river], chair)
        priority_services.exercise_close(exercise=exercise, now=_days(5))
        ActionFactory(status="done", completion_note="Done.", created_at=_days(10), completed_at=_days(5))
        _request(received_days_ago=1, place=riverton)
    return {"places": [lakeside, riverton, testshire]}


def test_the_ics_page_charts_each_place(client_for, chair, system):
    found = _charts(client_for(chair).get(ICS_URL).content.decode())
    assert found["chart-acknowledgement"]["rows"] == [
        ["Lakeside", "No open practices"], ["Riverton", "1 of 1 (100%)"], ["Testshire", "1 of 2 (50%)"]]
    turnout = found["chart-turnout"]["rows"]
    assert turnout[0] == ["Lakeside", "No vote yet"]
    assert turnout[1][1].startswith("1 of 1 (100%) in “Riverton vote” (closed ")
    assert turnout[2] == ["Testshire", "1 of 2 (50%) in “Testshire vote” (open now)"]
    assert found["chart-actions"]["rows"] == [["Lakeside", "0", "0", "0"], ["Riverton", "0", "0", "1"],
                                              ["Testshire", "0", "1", "0"]]
    assert found["chart-requests"]["rows"] == [["Lakeside", "0", "0", "0"], ["Riverton", "0", "0", "1"],
                                               ["Testshire", "0", "1", "0"]]
    for chart in found.values():
        _assert_svg_matches_table(chart)


def test_turnout_by_place_is_each_places_own_rule(system):
    with places.across(system["places"]):
        # The ICS page hands it the open practices it counted for the acknowledgements: the same electorate.
        now = timezone.now()
        rates, _ = decision_selectors.acknowledgement_rates_by_place(since=now - timedelta(days=365),
                                                                     recent_since=now - timedelta(weeks=12))
        by_place, _ = priority_selectors.latest_exercises_by_place(
            eligible={place: row["practices"] for place, row in rates.items()})
    assert len(by_place) == 2
    for place in system["places"][1:]:
        with places.using(place):
            exercise, turnout = priority_selectors.latest_turnout()
        assert by_place[place.pk][0] == exercise
        assert by_place[place.pk][1] == {k: turnout[k] for k in ("eligible", "voted", "percent")}


def test_the_latest_exercises_are_the_latest_turnout_and_the_latest_counted_vote(system):
    lakeside, riverton, testshire = system["places"]
    with places.across(system["places"]):
        now = timezone.now()
        rates, _ = decision_selectors.acknowledgement_rates_by_place(since=now - timedelta(days=365),
                                                                     recent_since=now - timedelta(weeks=12))
        eligible = {place: row["practices"] for place, row in rates.items()}
        turnout, counted = priority_selectors.latest_exercises_by_place(eligible=eligible)
    # Riverton's vote is closed: its latest vote and its latest counted one; Testshire's is open, and none counted.
    assert counted == {riverton.pk: turnout[riverton.pk][0]}
    assert counted[riverton.pk].is_counted and not turnout[testshire.pk][0].is_counted


def test_the_ics_page_says_when_nothing_is_charted(client_for, chair, ics, riverton):
    found = _charts(client_for(chair).get(ICS_URL).content.decode())
    assert found["chart-turnout"]["empty"] == "No place has opened a priority vote yet."
    assert all(chart["empty"] and not chart["svg"] for chart in found.values())


def test_people_who_do_not_lead_the_ics_see_no_charts(client_for, member, system):
    response = client_for(member).get(ICS_URL)
    assert response.status_code == 403 and b"portal-chart" not in response.content


# The chart's geometry --------------------------------------------------------------------------------------------


def test_a_count_chart_scales_to_a_round_axis_and_labels_every_bar():
    chart = charts.BarChart(
        slug="t", title="T", caption="C", category_heading="Week ending",
        series=[charts.Series("On time", charts.BLUE), charts.Series("Overdue", charts.RED)],
        rows=[("A very long primary care network name indeed", [charts.Figure.count(7), charts.Figure.count(0)]),
              ("Short", [charts.Figure.count(3), charts.Figure.count(1)])],
        empty_text="Nothing.",
    )
    assert chart.axis_max == 8 and [t.label for t in chart.ticks] == ["0", "2", "4", "6", "8"]
    widths = {(b.category, b.series): b.width for b in chart.bars}
    assert widths[("Short", "On time")] == pytest.approx(charts.PLOT_WIDTH * 3 / 8, abs=0.1)
    assert widths[("Short", "Overdue")] * 3 == pytest.approx(widths[("Short", "On time")], abs=0.2)
    assert all(bar.label_x > bar.x + bar.width for bar in chart.bars)
    assert chart.labels[0]["text"].endswith("…") and len(chart.labels[0]["text"]) == charts.LONGEST_NAME
    assert [s.label for s in chart.legend] == ["On time", "Overdue"]
    assert len({p.kind for p in chart.patterns}) == 2 and len({p.id for p in chart.patterns}) == 2
    assert chart.width >= chart.left + charts.PLOT_WIDTH and chart.height > chart.plot_bottom


def test_a_share_is_told_in_words_and_in_percent():
    assert charts.Figure.share(7, 9) == charts.Figure(78, "7 of 9 (78%)", "78%")
    assert charts.Figure.share(0, 0, nothing="No open practices") == charts.Figure(0, "No open practices", "none")
    chart = charts.BarChart(slug="p", title="P", caption="C", category_heading="PCN",
                            series=[charts.Series("Voted", charts.BLUE)], rows=[("X", [charts.Figure.share(1, 4)])],
                            empty_text="", is_percent=True)
    assert chart.axis_max == 100 and chart.ticks[-1].label == "100%" and chart.legend == [charts.Swatch(
        "Voted", "url(#p-fill-0)", 0, 22)]


def test_an_empty_chart_has_no_geometry():
    chart = charts.BarChart(slug="e", title="E", caption="", category_heading="PCN",
                            series=[charts.Series("Voted", charts.BLUE)], rows=[], empty_text="Nothing yet.")
    assert chart.is_empty and chart.bars == [] and chart.ticks == []


def test_the_dashboard_charts_run_no_query_per_pcn_or_week(client_for, chair, reach, actions, requests_received):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(chair)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboard"))
    author = UserFactory()
    for n in range(5):
        practice = PracticeFactory(pcn=PCNFactory(name=f"More PCN {n}"))
        decision_services.acknowledgement_record(item=_publish(days_ago=n + 1), practice=practice, by=author)
        ActionFactory(created_at=_days(7 * n + 1), due_on=timezone.localdate() - timedelta(days=n))
        _request(received_days_ago=7 * n + 3)
    with CaptureQueriesContext(connection) as large:
        html = client.get(reverse("dashboard")).content.decode()
    assert len(_charts(html)["chart-acknowledgement"]["rows"]) == 8
    assert len(small.captured_queries) == len(large.captured_queries)
