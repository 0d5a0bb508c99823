"""The ICS leaders' page: who reads it, each place's figures against hand-counted fixtures, and a fixed number of
queries however many places the system has."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions import selectors as decision_selectors
from decisions import services as decision_services
from members import access, places
from members.models import ICS, GroupRole, ICSLeader, Organisation
from priorities import services as priority_services
from priorities.models import Ballot
from representation import services as representation_services
from representation.models import Forum

from ..factories import (
    ActionFactory,
    AgreedPriorityFactory,
    CandidateFactory,
    DecisionItemFactory,
    ExerciseFactory,
    GroupRoleFactory,
    PartnerFactory,
    PlaceFactory,
    PlanItemFactory,
    PracticeFactory,
    RepresentativeFactory,
    RequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/ics/north-shire/"
NEEDED_BY = timezone.localdate() + timedelta(days=30)


# Who may read it -------------------------------------------------------------------------------------------------


def test_the_chair_of_a_place_of_the_ics_reads_it(client_for, chair, ics, riverton):
    response = client_for(chair).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "North Shire" in html and 'href="/riverton/"' in html and 'href="/testshire/"' in html


def test_a_named_ics_leader_reads_it(client_for, ics):
    leader = UserFactory(email="lmc@example.nhs.uk")
    ICSLeader.objects.create(ics=ics, user=leader)
    assert client_for(leader).get(URL).status_code == 200


def test_an_ended_or_archived_leader_does_not(client_for, ics):
    ended = UserFactory(email="ended@example.nhs.uk")
    ICSLeader.objects.create(ics=ics, user=ended, ended_on=timezone.localdate())
    archived = UserFactory(email="archived@example.nhs.uk")
    ICSLeader.objects.create(ics=ics, user=archived, is_archived=True)
    for user in (ended, archived):
        assert client_for(user).get(URL).status_code == 403


def test_the_chair_of_a_place_in_another_ics_is_forbidden(client_for, ics, farland):
    with places.using(farland):
        far_chair = UserFactory(email="far-chair@example.nhs.uk")
        GroupRoleFactory(user=far_chair, role=GroupRole.Role.CHAIR)
    assert client_for(far_chair).get(URL).status_code == 403
    assert client_for(far_chair).get("/ics/far-country/").status_code == 200


def test_a_leader_named_for_another_ics_is_forbidden(client_for, ics, farland):
    leader = UserFactory(email="far-leader@example.nhs.uk")
    ICSLeader.objects.create(ics=farland.ics, user=leader)
    assert client_for(leader).get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["gatekeeper", "member", "observer", "practice_user", "outsider"])
def test_everyone_else_is_forbidden(client_for, request, ics, persona):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_a_chair_whose_role_ended_is_forbidden(client_for, ics):
    former = UserFactory(email="former@example.nhs.uk")
    GroupRoleFactory(user=former, role=GroupRole.Role.CHAIR, ended_on=timezone.localdate())
    assert client_for(former).get(URL).status_code == 403


def test_anonymous_people_are_asked_to_sign_in(client, ics):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_unknown_ics_is_not_found(client_for, chair, ics):
    assert client_for(chair).get("/ics/nowhere-shire/").status_code == 404


def test_a_system_with_no_places_yet_says_so(client_for):
    empty = ICS.objects.create(name="Far Shire", slug="far-shire", ods_code="QFS")
    leader = UserFactory(email="far@example.nhs.uk")
    ICSLeader.objects.create(ics=empty, user=leader)
    response = client_for(leader).get("/ics/far-shire/")
    assert response.status_code == 200
    assert "No places belong to Far Shire yet." in response.content.decode()


def test_the_rule_is_the_same_from_every_scope(chair, ics, riverton):
    """A chair of Testshire is an ICS leader when asked from Riverton's pages, or from no place."""
    with places.using(riverton):
        assert access.is_ics_leader(chair, ics)
    with places.nowhere():
        assert access.is_ics_leader(chair, ics)
    assert not access.is_ics_leader(chair, None)


def test_a_place_home_page_links_ics_leaders_to_the_page(client_for, chair, member, ics):
    html = client_for(chair).get("/testshire/").content.decode()
    assert f'href="{URL}"' in html and "North Shire: ICS leaders" in html
    assert URL not in client_for(member).get("/testshire/").content.decode()


def test_a_place_with_no_ics_shows_no_link(client_for, chair):
    assert "/ics/" not in client_for(chair).get("/testshire/").content.decode()


def test_the_admin_adds_leaders_and_deletes_none(client_for, ics):
    admin_user = UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)
    client = client_for(admin_user)
    leader = UserFactory(email="new-leader@example.nhs.uk")
    response = client.post("/admin/members/icsleader/add/", {
        "ics": ics.pk, "user": leader.pk, "started_on": timezone.localdate().isoformat(), "ended_on": "",
    })
    assert response.status_code == 302
    row = ICSLeader.objects.get(user=leader)
    assert row.history.count() == 1
    assert client.get(f"/admin/members/icsleader/{row.pk}/delete/").status_code == 403


# The figures, against hand-counted fixtures ----------------------------------------------------------------------


def _close_with_ballots(*, practices_voting, created_by, closed_ago_days=1):
    """A ranked exercise closed by the real service after the given practices voted."""
    exercise = ExerciseFactory(created_by=created_by)
    candidate = CandidateFactory(exercise=exercise)
    for practice in practices_voting:
        Ballot.objects.create(exercise=exercise, practice=practice, cast_by=created_by, choices=[candidate.pk],
                              receipt_code=f"R-{practice.pk}")
    return priority_services.exercise_close(
        exercise=exercise, now=timezone.now() - timedelta(days=closed_ago_days)
    )


def _publish(*, days_ago=1, is_public=True, **kwargs):
    return DecisionItemFactory(status="agreed", published_at=timezone.now() - timedelta(days=days_ago),
                               is_public=is_public, **kwargs)


def _routed(*, ics, to_places, summary):
    return representation_services.request_submit_routed(
        ics=ics, to_places=to_places, requester_name="Ivy ICB", requester_email="ivy@icb.example.nhs.uk",
        requester_role="Director of primary care", organisation_name="North Shire ICB", summary=summary,
        details="Please tell us what general practice thinks.", needed_by=NEEDED_BY,
    )


@pytest.fixture
def system(testshire, ics, riverton, lakeside, chair, gatekeeper):
    """Three places with different numbers of everything, counted by hand in the test below.

    Testshire: 2 open practices (and a closed one); 2 agreed priorities (red, no plan) and an archived one;
    3 decisions published this year (2 public) and 1 public last year; acknowledgements by open practices 3 (and 1 by
    the closed practice); an exercise closed yesterday with 1 of 2 practices voting, and an older one with 2 of 2;
    open routed requests 2 (and a place's own request, and a routed one it triaged).
    Riverton: 1 open practice; no priorities; 1 public decision, acknowledged by its practice; no vote; 3 open
    routed requests; a representative on the ICS's forum.
    Lakeside: no practices; 1 agreed priority (amber); nothing published; 1 open routed request.
    """
    author = UserFactory(email="author@example.nhs.uk")
    # Testshire
    a, b = PracticeFactory(name="Abbey Surgery"), PracticeFactory(name="Brook Surgery")
    closed = PracticeFactory(name="Closed Surgery", status=Organisation.Status.CLOSED)
    _close_with_ballots(practices_voting=[a, b], created_by=author, closed_ago_days=200)
    _close_with_ballots(practices_voting=[a], created_by=author, closed_ago_days=1)
    red = AgreedPriorityFactory(title="Same-day access", confirmed_by=author)
    PlanItemFactory(priority=red, rag_status="red")
    PlanItemFactory(priority=red, rag_status="green")
    PlanItemFactory(priority=red, rag_status="red", is_archived=True)
    AgreedPriorityFactory(title="Workforce", confirmed_by=author)
    AgreedPriorityFactory(title="Dropped priority", confirmed_by=author, is_archived=True)
    first = _publish(title="Discharge letters", raised_by=author, days_ago=3)
    second = _publish(title="Phlebotomy", raised_by=author, days_ago=2)
    _publish(title="Last year's decision", raised_by=author, days_ago=400)
    DecisionItemFactory(title="Still a draft", raised_by=author)
    _publish(title="Premises", raised_by=author, is_public=False)
    for item, practice in [(first, a), (first, b), (second, a), (first, closed)]:
        decision_services.acknowledgement_record(item=item, practice=practice, by=author)
    # Riverton
    with places.using(riverton):
        river_practice = PracticeFactory(name="River Surgery", place=riverton, pcn__place=riverton)
        river_decision = _publish(title="Riverton's parking rule", raised_by=author)
        decision_services.acknowledgement_record(item=river_decision, practice=river_practice, by=author)
        rep = UserFactory(email="rep@example.nhs.uk", full_name="Rhea Representative")
        GroupRoleFactory(user=rep, role=GroupRole.Role.MEMBER)
    # Lakeside
    with places.using(lakeside):
        amber = AgreedPriorityFactory(title="Care homes", confirmed_by=author)
        PlanItemFactory(priority=amber, rag_status="amber")
        PlanItemFactory(priority=amber, rag_status="complete")
    # The ICS's forum, shared by every place.
    with places.unscoped():
        forum = Forum.objects.create(ics=ics, name="ICB primary care committee", host=PartnerFactory(place=riverton),
                                     cadence="Monthly")
        RepresentativeFactory(forum=forum, user=rep)
    # Requests from ICS-level partners.
    _routed(ics=ics, to_places=[testshire, riverton], summary="Winter plan")
    _routed(ics=ics, to_places=[testshire, riverton, lakeside], summary="Vaccination")
    triaged = _routed(ics=ics, to_places=[testshire, riverton], summary="Estates survey")
    representation_services.request_triage(request=triaged[0], triaged_by=gatekeeper, outcome="paper")
    RequestFactory(summary="Testshire's own request")
    return {"forum": forum, "rep": rep}


def test_each_place_shows_its_own_figures(chair, ics, system):
    from gpleadership.ics import ics_page

    page = ics_page(ics, list(ics.places.order_by("name")))
    rows = {row["place"].name: row for row in page["rows"]}
    assert list(rows) == ["Lakeside", "Riverton", "Testshire"]

    testshire = rows["Testshire"]
    assert [(p.title, p.rag) for p in testshire["priorities"]] == [("Same-day access", "red"), ("Workforce", "")]
    assert testshire["decisions_public"] == 2
    assert [d.title for d in testshire["latest_public"]] == ["Phlebotomy", "Discharge letters"]
    assert testshire["decisions_published"] == 3 and testshire["practices"] == 2
    assert (testshire["acknowledged"], testshire["expected_acknowledgements"]) == (3, 6)
    assert testshire["acknowledgement_percent"] == 50
    assert (testshire["turnout"]["voted"], testshire["turnout"]["eligible"], testshire["turnout"]["percent"]) == (
        1, 2, 50)
    assert testshire["open_requests"] == 2
    assert testshire["representatives"] == []

    riverton = rows["Riverton"]
    assert riverton["priorities"] == []
    assert riverton["decisions_public"] == 1 and riverton["acknowledgement_percent"] == 100
    assert riverton["turnout"] is None
    assert riverton["open_requests"] == 3
    assert [r["representative"].user for r in riverton["representatives"]] == [system["rep"]]

    lakeside = rows["Lakeside"]
    assert [(p.title, p.rag) for p in lakeside["priorities"]] == [("Care homes", "amber")]
    assert lakeside["decisions_public"] == 0 and lakeside["acknowledgement_percent"] is None
    assert lakeside["practices"] == 0 and lakeside["turnout"] is None
    assert lakeside["open_requests"] == 1

    [forum] = page["forums"]
    assert forum == system["forum"] and [r.user for r in forum.current_representatives] == [system["rep"]]


def test_each_forum_lists_its_representatives_in_post_and_a_forum_with_none_says_so(client_for, chair, ics, system,
                                                                                  riverton):
    from gpleadership.ics import ics_page

    rep, host = system["rep"], system["forum"].host
    with places.unscoped():
        RepresentativeFactory(forum=system["forum"], user=UserFactory(full_name="Dee Deputy"),
                              role="deputy")
        # Only a stood-down and an archived representative: in post, nobody.
        empty = Forum.objects.create(ics=ics, name="Acute interface group", host=host, cadence="Monthly")
        RepresentativeFactory(forum=empty, user=rep, stood_down_on=timezone.localdate())
        RepresentativeFactory(forum=empty, user=rep, role="deputy", is_archived=True)
    page = ics_page(ics, list(ics.places.order_by("name")))
    assert [(f.name, [(r.user.get_full_name(), r.role) for r in f.current_representatives])
            for f in page["forums"]] == [
        ("Acute interface group", []),
        ("ICB primary care committee", [("Dee Deputy", "deputy"), ("Rhea Representative", "representative")])]
    # A forum shows once however many representatives it has; each representative is shown for their own place.
    [riverton_row] = [row for row in page["rows"] if row["place"] == riverton]
    assert [r["representative"].user for r in riverton_row["representatives"]] == [rep]
    html = client_for(chair).get(URL).content.decode()
    assert "Acute interface group</th>" in html and "Nobody appointed" in html
    assert "Dee Deputy (deputy), Rhea Representative (representative)" in html


def test_the_acknowledgements_of_both_windows_are_those_of_acknowledgement_rates(ics, system):
    # A decision of four months ago: in the year's window, not in the charts' twelve weeks.
    older = _publish(title="Older decision", days_ago=120)
    practice = Organisation.objects.open_practices().first()
    decision_services.acknowledgement_record(item=older, practice=practice, by=older.raised_by)
    now = timezone.now()
    year, weeks = now - timedelta(days=365), now - timedelta(weeks=12)
    with places.across(ics.places.all()):
        both = decision_selectors.acknowledgement_rates_by_place(since=year, recent_since=weeks)
        assert both == (decision_selectors.acknowledgement_rates(since=year, by="place"),
                        decision_selectors.acknowledgement_rates(since=weeks, by="place"))
    assert both[0][practice.place_id]["acknowledged"] == both[1][practice.place_id]["acknowledged"] + 1


def test_every_query_of_the_figures_is_compiled_once(ics, system):
    from gpleadership.ics import ics_page

    system_places = list(ics.places.order_by("name"))
    first = ics_page(ics, system_places)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        again = ics_page(ics, system_places)
    assert as_sql.call_count == 0
    assert [(row["place"], row["acknowledged"], row["open_requests"]) for row in again["rows"]] == [
        (row["place"], row["acknowledged"], row["open_requests"]) for row in first["rows"]]


def test_decisions_published_at_the_same_moment_come_the_newest_first(ics, testshire):
    from gpleadership.ics import ics_page

    moment = timezone.now() - timedelta(days=1)
    titles = [f"Decision {n}" for n in range(5)]
    for title in titles:
        DecisionItemFactory(title=title, status="agreed", published_at=moment, is_public=True)
    [row] = [row for row in ics_page(ics, list(ics.places.order_by("name")))["rows"] if row["place"] == testshire]
    assert row["decisions_public"] == 5
    assert [d.title for d in row["latest_public"]] == ["Decision 4", "Decision 3", "Decision 2"]


def test_the_figures_are_read_through_their_indexes(ics, system):
    """The published decisions' stored counts and the latest published to the system are read from their indexes
    alone, and the actions open and done from partial indexes (issue 12: not every decision or action of a place,
    each asked its rules)."""
    from django.test.utils import override_settings

    from gpleadership.ics import ics_page

    with override_settings(DATABASE_SERVER_PREPARE=False), CaptureQueriesContext(connection) as captured:
        ics_page(ics, list(ics.places.order_by("name")))
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    plan = "\n".join(plans)
    for index in ("decision_place_published", "decision_place_public"):
        assert f"Index Only Scan using {index} on" in plan, plan
    # The actions are counted from partial indexes (which, with this handful of rows, PostgreSQL picks as it likes;
    # at national scale action_place_open_due and action_place_done), never every action of the place.
    assert "representation_action_place_id" not in plan, plan


def test_the_page_shows_the_figures(client_for, chair, ics, system):
    html = client_for(chair).get(URL).content.decode()
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "Same-day access" in html and "nhsuk-tag--red" in html and "No plan yet" in html
    assert "50%</strong> (3 of 6: 3 decisions × 2 open practices)" in html
    assert "50%</strong> (1 of 2 practices" in html
    assert "no decisions to acknowledge" in html and "no vote closed yet" in html
    assert "Rhea Representative" in html and "ICB primary care committee" in html
    assert "Premises" not in html  # published to practices but not to the system
    assert "Last year&#x27;s decision" not in html


def _without_spaces_between_tags(html: str) -> str:
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


def test_python_draws_the_places_as_their_template_does(ics, system):
    """gpleadership.templatetags.ics_rows writes the places' rows; templates/gpleadership/includes/ics_place_rows.html
    stays as the reference: the same elements, attributes and words (spaces between tags aside), for places with
    and without priorities, decisions, representatives, acknowledgements and votes."""
    from gpleadership.ics import ics_page

    AgreedPriorityFactory(title="Estates <&> \"rent\"", confirmed_by=system["rep"])  # complete and plain rag
    rows = ics_page(ics, list(ics.places.order_by("name")))["rows"]
    rows[0]["priorities"][0] = rows[0]["priorities"][0]._replace(rag="complete")
    rows[2]["priorities"][-1] = rows[2]["priorities"][-1]._replace(rag="green")
    def draw(template, shown):
        return _without_spaces_between_tags(engines["django"].from_string(template).render({"rows": shown}))

    for shown in (rows, rows[:1], []):
        assert draw("{% load ics_rows %}{% ics_place_rows rows %}", shown) == draw(
            '{% include "gpleadership/includes/ics_place_rows.html" %}', shown)
    drawn = draw("{% load ics_rows %}{% ics_place_rows rows %}", rows)
    assert drawn.count('scope="row"') == 3 and "nhsuk-tag--blue" in drawn and "nhsuk-tag--green" in drawn
    assert "Estates &lt;&amp;&gt; &quot;rent&quot;" in drawn


def test_the_request_form_link_is_on_the_page(client_for, chair, ics):
    assert 'href="/ics/north-shire/request/"' in client_for(chair).get(URL).content.decode()


# A fixed number of queries ---------------------------------------------------------------------------------------


def _add_places(ics, start, count, author, forum):
    for n in range(start, start + count):
        place = PlaceFactory(slug=f"place-{n}", name=f"Place {n:02d}", commissioner_codes=f"Z{n:02d}", ics=ics)
        with places.using(place):
            practice = PracticeFactory(place=place, pcn__place=place)
            priority = AgreedPriorityFactory(confirmed_by=author)
            PlanItemFactory(priority=priority, rag_status="amber")
            item = _publish(raised_by=author)
            decision_services.acknowledgement_record(item=item, practice=practice, by=author)
            _close_with_ballots(practices_voting=[practice], created_by=author)
            rep = UserFactory()
            GroupRoleFactory(user=rep, role=GroupRole.Role.MEMBER)
            ActionFactory(owner=rep, created_by=author, due_on=timezone.localdate() - timedelta(days=1))
        with places.unscoped():
            RepresentativeFactory(forum=Forum.objects.create(
                ics=ics, name=f"ICS forum {n}", host=forum.host, cadence="Monthly"), user=rep)
        _routed(ics=ics, to_places=[place], summary=f"Request {n}")


def test_the_page_runs_the_same_queries_for_two_places_and_for_twenty(client_for, chair, ics):
    author = UserFactory(email="author@example.nhs.uk")
    with places.unscoped():
        forum = Forum.objects.create(ics=ics, name="ICS board", host=PartnerFactory(), cadence="Monthly")
    _add_places(ics, 1, 1, author, forum)  # with Testshire, two places
    client = client_for(chair)
    client.get(URL)  # the session and the like, once
    with CaptureQueriesContext(connection) as at_two:
        response = client.get(URL)
    # Two places, in the places' table and in each of the four charts' tables; two forums.
    assert response.content.decode().count('scope="row"') == 2 * 5 + 2
    _add_places(ics, 2, 18, author, forum)
    with CaptureQueriesContext(connection) as at_twenty:
        response = client.get(URL)
    assert response.content.decode().count('scope="row"') == 20 * 5 + 20
    assert len(at_twenty) == len(at_two), "\n".join(q["sql"] for q in at_twenty.captured_queries)
