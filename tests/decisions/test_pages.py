"""Decisions pages: who may see and do what (role × page × method), bad input, and the stored effect."""

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions import selectors, services
from decisions.models import Acknowledgement, Comment, DecisionItem, ItemInterest, Position, Principle, Round

pytestmark = pytest.mark.django_db

PERSONAS = ["chair", "gatekeeper", "member", "observer", "practice_user", "outsider", "anonymous"]


@pytest.fixture
def as_persona(request, client, client_for):
    def _as(persona):
        if persona == "anonymous":
            return client
        return client_for(request.getfixturevalue(persona))

    return _as


def _expect(response, expected):
    if expected == 302:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content.decode()[:400]


# Who may see which page (GET) -----------------------------------------------------------------------------

LIST_PAGES = {
    # page: expected status for chair, gatekeeper, member, observer, practice_user, outsider, anonymous
    "decisions:log": [200, 200, 200, 200, 200, 403, 302],
    "decisions:log_csv": [200, 200, 200, 200, 200, 403, 302],
    "decisions:published": [200, 200, 200, 200, 200, 403, 302],
    "decisions:principles": [200, 200, 200, 200, 200, 403, 302],
    "decisions:public": [200, 200, 200, 200, 200, 200, 200],
    "decisions:item_create": [200, 200, 200, 403, 403, 403, 302],
}


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_list_pages_by_role(as_persona, name, index):
    _expect(as_persona(PERSONAS[index]).get(reverse(name)), LIST_PAGES[name][index])


ITEM_PAGES = {
    # (url name, extra args): expected for chair, gatekeeper, member, observer, practice_user, outsider, anonymous
    # An item in discussion is the group's: to anyone else it is not there (404), as a missing one would be.
    ("decisions:item", ()): [200, 200, 200, 200, 404, 404, 302],
    ("decisions:item_edit", ()): [200, 403, 403, 403, 404, 404, 302],
    ("decisions:round_open", ()): [200, 403, 403, 403, 404, 404, 302],
    ("decisions:confirm", ()): [200, 403, 403, 403, 404, 404, 302],
    ("decisions:item_end", ("park",)): [200, 403, 403, 403, 404, 404, 302],
    ("decisions:item_end", ("redirect",)): [200, 403, 403, 403, 404, 404, 302],
    ("decisions:item_end", ("withdraw",)): [200, 403, 403, 403, 404, 404, 302],
}


@pytest.mark.parametrize("page", ITEM_PAGES, ids=lambda p: "-".join([p[0], *p[1]]))
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_item_pages_by_role(as_persona, item, page, index):
    name, extra = page
    _expect(as_persona(PERSONAS[index]).get(reverse(name, args=[item.pk, *extra])), ITEM_PAGES[page][index])


@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_a_published_decision_is_seen_by_practices_but_not_outsiders(as_persona, agreed_item, index):
    expected = [200, 200, 200, 200, 200, 404, 302][index]
    response = as_persona(PERSONAS[index]).get(reverse("decisions:item", args=[agreed_item.pk]))
    _expect(response, expected)


def test_a_practice_sees_the_statement_but_never_positions_or_discussion(client_for, practice_user, agreed_item):
    Comment.objects.create(item=agreed_item, author=agreed_item.raised_by, body="Private argument")
    html = client_for(practice_user).get(reverse("decisions:item", args=[agreed_item.pk])).content.decode()
    assert "The PCNs will run one shared phlebotomy service." in html
    assert "Continuity of care" in html
    assert "Private argument" not in html
    assert "Round 1" not in html
    assert "Our practice has seen this" in html


@pytest.mark.parametrize("persona,expected", [("member", 200), ("lmc_deputy", 200), ("chair", 403),
                                              ("observer", 403), ("practice_user", 404), ("outsider", 404)])
def test_only_the_holder_or_deputy_opens_a_seats_response_page(client_for, request, open_round, seats, persona,
                                                                 expected):
    url = reverse("decisions:respond", args=[open_round.item_id, 1, seats["lmc" if persona == "lmc_deputy"
                                                                          else "pcn"].pk])
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in_from_the_response_page(client, open_round, seats):
    response = client.get(reverse("decisions:respond", args=[open_round.item_id, 1, seats["pcn"].pk]))
    assert response.status_code == 302


def test_unknown_items_rounds_and_seats_are_not_found(client_for, chair, item, open_round, seats):
    client = client_for(chair)
    assert client.get(reverse("decisions:item", args=[999999])).status_code == 404
    assert client.get(reverse("decisions:respond", args=[item.pk, 7, seats["pcn"].pk])).status_code == 404
    assert client.get(reverse("decisions:item_end", args=[item.pk, "explode"])).status_code == 404


# Raising and revising -------------------------------------------------------------------------------------


def test_a_member_raises_a_draft(client_for, member, principle):
    response = client_for(member).post(reverse("decisions:item_create"), {
        "title": "Shared flu clinics", "question": "Shall PCNs share flu clinics?", "principles": [principle.pk],
    })
    item = DecisionItem.objects.get()
    assert response.status_code == 302 and response.url == reverse("decisions:item", args=[item.pk])
    assert (item.status, item.raised_by, list(item.principles.all())) == ("draft", member, [principle])
    assert {record.history_user for record in item.history.all()} == {member}


def test_a_draft_without_a_question_is_refused_and_keeps_what_was_typed(client_for, member):
    response = client_for(member).post(reverse("decisions:item_create"), {"title": "Shared flu clinics"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "Shared flu clinics" in html
    assert not DecisionItem.objects.exists()


def test_the_lead_revises_the_wording(client_for, item, member):
    item.lead = member
    item.save()
    response = client_for(member).post(reverse("decisions:item_edit", args=[item.pk]), {
        "title": item.title, "question": item.question, "proposed_wording": "Revised words.", "lead": member.pk,
    })
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.proposed_wording == "Revised words."
    assert item.history.first().history_user == member


def test_a_revision_without_a_title_is_refused(client_for, chair, item):
    response = client_for(chair).post(reverse("decisions:item_edit", args=[item.pk]),
                                      {"title": "", "question": "Still asking?", "proposed_wording": "New words"})
    assert response.status_code == 400
    assert "New words" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Shared phlebotomy service"


def test_nobody_edits_during_a_consensus_check(client_for, chair, open_round):
    assert client_for(chair).get(reverse("decisions:item_edit", args=[open_round.item_id])).status_code == 403


@pytest.mark.parametrize("persona,expected", [("chair", 302), ("member", 403), ("anonymous", 302)])
def test_opening_a_draft_for_discussion(as_persona, chair, persona, expected):
    item = services.item_create(raised_by=chair, title="Draft", question="Q?")
    response = as_persona(persona).post(reverse("decisions:item_start_discussion", args=[item.pk]))
    assert response.status_code == expected
    item.refresh_from_db()
    assert item.status == ("discussion" if persona == "chair" else "draft")


# Rounds ---------------------------------------------------------------------------------------------------


def test_the_chair_opens_a_round(client_for, chair, item, seats):
    day = timezone.localdate() + timezone.timedelta(days=7)
    response = client_for(chair).post(reverse("decisions:round_open", args=[item.pk]), {"deadline": day.isoformat()})
    assert response.status_code == 302
    the_round = Round.objects.get()
    assert timezone.localtime(the_round.deadline).date() == day
    assert the_round.seats.count() == 3


def test_a_round_with_a_past_deadline_is_refused(client_for, chair, item, seats):
    response = client_for(chair).post(reverse("decisions:round_open", args=[item.pk]), {"deadline": "2020-01-01"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert 'name="deadline_year" type="text" inputmode="numeric" value="2020"' in response.content.decode()
    assert not Round.objects.exists()


@pytest.mark.parametrize("persona", ["member", "gatekeeper", "observer", "practice_user", "outsider"])
def test_only_the_chair_opens_a_round(client_for, request, item, seats, persona):
    day = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("decisions:round_open", args=[item.pk]), {"deadline": day})
    assert response.status_code == (404 if persona in ("practice_user", "outsider") else 403)
    assert not Round.objects.exists()


def test_a_seat_holder_records_a_position(client_for, member, open_round, seats):
    response = client_for(member).post(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["pcn"].pk]), {"stance": "live_with"})
    assert response.status_code == 302
    assert Position.objects.get().stance == "live_with"


def test_a_block_without_a_reason_is_refused_and_keeps_what_was_chosen(client_for, member, open_round, seats):
    response = client_for(member).post(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["pcn"].pk]),
        {"stance": "block", "block_reason": "", "stand_aside_reason": "typed under stand aside"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "a block needs a reason" in html
    assert 'value="block" checked' in html
    assert "typed under stand aside" in html
    assert not Position.objects.exists()


def test_a_position_without_a_stance_is_refused(client_for, member, open_round, seats):
    response = client_for(member).post(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["pcn"].pk]), {})
    assert response.status_code == 400
    assert "Choose your seat&#x27;s position." in response.content.decode()


def test_a_block_through_the_page_closes_the_round(client_for, lmc_deputy, open_round, seats, principle):
    response = client_for(lmc_deputy).post(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["lmc"].pk]),
        {"stance": "block", "block_reason": "Contract matter", "block_principle": principle.pk})
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert open_round.outcome == "blocked"
    position = Position.objects.get()
    assert (position.responded_by, position.principle, position.reason) == (lmc_deputy, principle, "Contract matter")


def test_a_position_cannot_be_posted_for_someone_elses_seat(client_for, member, open_round, seats):
    response = client_for(member).post(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["lmc"].pk]), {"stance": "support"})
    assert response.status_code == 403
    assert not Position.objects.exists()


def test_a_closed_round_takes_no_more_positions(client_for, chair, member, open_round, seats):
    services.round_close(round=open_round, by=chair)
    response = client_for(member).post(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["pcn"].pk]), {"stance": "support"})
    assert response.status_code == 302
    assert not Position.objects.exists()


@pytest.mark.parametrize("persona,expected", [("chair", 302), ("member", 403), ("observer", 403),
                                              ("practice_user", 404), ("anonymous", 302)])
def test_only_the_chair_closes_a_round(as_persona, open_round, persona, expected):
    response = as_persona(persona).post(reverse("decisions:round_close", args=[open_round.item_id, 1]))
    assert response.status_code == expected
    open_round.refresh_from_db()
    assert open_round.is_open == (persona != "chair")


def test_the_item_page_shows_who_has_not_responded_and_the_rule(client_for, observer, member, open_round, seats):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    html = client_for(observer).get(reverse("decisions:item", args=[open_round.item_id])).content.decode()
    assert "2 of 3 seats still to respond" in html
    assert "Not responded yet:</strong> Testshire Federation, Testshire LMC" in html
    assert "every seat</strong> asked has responded and <strong>none blocks" in html


def test_the_item_page_shows_the_difference_between_rounds(client_for, chair, fed_holder, open_round, seats):
    services.position_record(round=open_round, seat=seats["fed"], by=fed_holder, stance="block", reason="Opt in")
    item = DecisionItem.objects.get()
    services.item_update(item=item, by=chair, title=item.title, question=item.question, background="", lead=None,
                         proposed_wording="Practices may opt in to one shared phlebotomy service from April.")
    services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
    html = client_for(chair).get(reverse("decisions:item", args=[item.pk])).content.decode()
    assert "What changed from round 1" in html
    assert '<del><span class="nhsuk-u-visually-hidden">[removed: </span>The PCNs will run' in html
    assert '<ins><span class="nhsuk-u-visually-hidden">[added: </span>Practices may opt in to' in html


# Outcomes -------------------------------------------------------------------------------------------------


def _all_support(the_round, seats):
    for seat in seats.values():
        services.position_record(round=the_round, seat=seat, by=seat.holder, stance="support")


def test_the_chair_confirms_and_publishes(client_for, chair, open_round, seats, principle):
    _all_support(open_round, seats)
    response = client_for(chair).post(reverse("decisions:confirm", args=[open_round.item_id]), {
        "statement": "We run one service.", "decided_on": "2026-11-20", "principles": [principle.pk],
        "publish": "on", "is_public": "on",
    })
    assert response.status_code == 302
    item = DecisionItem.objects.get()
    assert (item.status, item.statement, str(item.decided_on), item.is_public) == (
        "agreed", "We run one service.", "2026-11-20", True)
    assert item.published_at is not None


def test_a_confirmation_without_a_statement_is_refused(client_for, chair, open_round, seats):
    _all_support(open_round, seats)
    response = client_for(chair).post(reverse("decisions:confirm", args=[open_round.item_id]),
                                      {"statement": "", "decided_on": "2026-11-20", "publish": "on"})
    assert response.status_code == 400
    assert "Write the decision statement." in response.content.decode()
    assert DecisionItem.objects.get().status == "consensus_check"


def test_confirming_before_consensus_is_refused(client_for, chair, open_round, seats):
    response = client_for(chair).post(reverse("decisions:confirm", args=[open_round.item_id]),
                                      {"statement": "We agree", "decided_on": "2026-11-20"})
    assert response.status_code == 400
    assert "has not reached consensus" in response.content.decode()


def test_the_chair_publishes_later_and_chooses_the_public_page(client_for, chair, open_round, seats, client):
    _all_support(open_round, seats)
    item = services.item_confirm(item=open_round.item, by=chair, statement="We agree on one service.")
    assert "We agree on one service." not in client.get(reverse("decisions:public")).content.decode()
    client_for(chair).post(reverse("decisions:publish", args=[item.pk]), {"is_public": "on"})
    item.refresh_from_db()
    assert item.published_at and item.is_public
    assert "We agree on one service." in client.get(reverse("decisions:public")).content.decode()


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user"])
def test_only_the_chair_publishes(client_for, request, chair, open_round, seats, persona):
    _all_support(open_round, seats)
    item = services.item_confirm(item=open_round.item, by=chair, statement="We agree.")
    response = client_for(request.getfixturevalue(persona)).post(reverse("decisions:publish", args=[item.pk]))
    assert response.status_code == (404 if persona == "practice_user" else 403)  # unpublished: not theirs to see
    assert not DecisionItem.objects.published().exists()


def test_the_chair_parks_with_a_reason(client_for, chair, item):
    response = client_for(chair).post(reverse("decisions:item_end", args=[item.pk, "park"]),
                                      {"reason": "Wait for the budget."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.outcome_reason) == ("not_agreed", "Wait for the budget.")


def test_parking_without_a_reason_is_refused(client_for, chair, item):
    response = client_for(chair).post(reverse("decisions:item_end", args=[item.pk, "park"]), {"reason": " "})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "discussion"


def test_the_chair_redirects_to_the_lmc(client_for, chair, item, lmc):
    response = client_for(chair).post(reverse("decisions:item_end", args=[item.pk, "redirect"]),
                                      {"organisation": lmc.pk, "reason": "Contract matter."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.redirected_to) == ("redirected", lmc)


def test_whoever_raised_an_item_may_withdraw_it(client_for, member):
    item = services.item_create(raised_by=member, title="Mine", question="Q?")
    response = client_for(member).post(reverse("decisions:item_end", args=[item.pk, "withdraw"]),
                                       {"reason": "Not needed."})
    assert response.status_code == 302
    assert DecisionItem.objects.get().status == "withdrawn"


@pytest.mark.parametrize("outcome", ["park", "redirect", "withdraw"])
def test_members_cannot_end_someone_elses_item(client_for, member, item, lmc, outcome):
    response = client_for(member).post(reverse("decisions:item_end", args=[item.pk, outcome]),
                                       {"reason": "x", "organisation": lmc.pk})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "discussion"


# Discussion, interests, acknowledgements -------------------------------------------------------------------


def test_a_member_comments(client_for, member, item):
    response = client_for(member).post(reverse("decisions:comment_add", args=[item.pk]), {"body": "I agree."})
    assert response.status_code == 302
    assert Comment.objects.get().author == member


def test_an_empty_comment_is_refused(client_for, member, item):
    response = client_for(member).post(reverse("decisions:comment_add", args=[item.pk]), {"body": ""})
    assert response.status_code == 400
    assert "Write your comment." in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("persona,expected", [("observer", 403), ("practice_user", 404), ("outsider", 404),
                                              ("anonymous", 302)])
def test_observers_practices_and_outsiders_do_not_comment(as_persona, item, persona, expected):
    _expect(as_persona(persona).post(reverse("decisions:comment_add", args=[item.pk]), {"body": "Hi"}), expected)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("persona,expected", [("observer", 302), ("member", 302), ("practice_user", 404),
                                              ("outsider", 404), ("anonymous", 302)])
def test_anyone_on_the_group_declares_an_interest_on_an_item(as_persona, item, persona, expected):
    response = as_persona(persona).post(reverse("decisions:interest_declare", args=[item.pk]),
                                        {"interest": "My practice would host it."})
    if persona == "anonymous" or expected == 404:
        _expect(response, expected)
    else:
        assert response.status_code == 302
    assert ItemInterest.objects.count() == (1 if persona in ("observer", "member") else 0)


def test_an_empty_interest_is_refused(client_for, member, item):
    response = client_for(member).post(reverse("decisions:interest_declare", args=[item.pk]), {"interest": ""})
    assert response.status_code == 400
    assert not ItemInterest.objects.exists()


def test_a_responder_with_a_declared_interest_is_flagged(client_for, member, open_round, seats):
    services.interest_declare(item=open_round.item, user=member, interest="Partner at the hub practice")
    html = client_for(member).get(
        reverse("decisions:respond", args=[open_round.item_id, 1, seats["pcn"].pk])).content.decode()
    assert "You have a declared interest" in html and "Partner at the hub practice" in html


def test_a_practice_acknowledges_a_published_decision(client_for, practice_user, practice, agreed_item):
    response = client_for(practice_user).post(reverse("decisions:acknowledge", args=[agreed_item.pk]),
                                              {"practice": practice.pk})
    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.practice, ack.acknowledged_by) == (practice, practice_user)
    html = client_for(practice_user).get(reverse("decisions:item", args=[agreed_item.pk])).content.decode()
    assert "1 of 1 practices (100%)" in html
    assert "Riverside Surgery has acknowledged this decision" in html


def test_a_practice_cannot_acknowledge_for_another_practice(client_for, practice_user, agreed_item):
    from ..factories import PracticeFactory

    other = PracticeFactory()
    response = client_for(practice_user).post(reverse("decisions:acknowledge", args=[agreed_item.pk]),
                                              {"practice": other.pk})
    assert response.status_code == 400
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("persona,expected", [("member", 403), ("outsider", 404), ("anonymous", 302)])
def test_only_practice_people_acknowledge(as_persona, practice, agreed_item, persona, expected):
    _expect(as_persona(persona).post(reverse("decisions:acknowledge", args=[agreed_item.pk]),
                                     {"practice": practice.pk}), expected)
    assert not Acknowledgement.objects.exists()


def test_an_unpublished_item_cannot_be_acknowledged(client_for, practice_user, practice, item):
    response = client_for(practice_user).post(reverse("decisions:acknowledge", args=[item.pk]),
                                              {"practice": practice.pk})
    assert response.status_code == 404  # an unpublished item is not the practice's to see


def test_acknowledgement_is_shown_by_pcn(client_for, chair, agreed_item, practice, practice_user):
    from ..factories import PracticeFactory

    PracticeFactory(pcn=practice.pcn)
    services.acknowledgement_record(item=agreed_item, practice=practice, by=practice_user)
    html = client_for(chair).get(reverse("decisions:item", args=[agreed_item.pk])).content.decode()
    assert "1 of 2 practices (50%)" in html
    assert practice.pcn.name in html


# GET never changes anything ---------------------------------------------------------------------------------

POST_ONLY = ["decisions:item_start_discussion", "decisions:comment_add", "decisions:interest_declare",
             "decisions:acknowledge", "decisions:publish"]


@pytest.mark.parametrize("name", POST_ONLY)
def test_actions_refuse_get(client_for, chair, item, name):
    assert client_for(chair).get(reverse(name, args=[item.pk])).status_code == 405


# Principles -----------------------------------------------------------------------------------------------


def test_the_chair_adds_a_principle(client_for, chair):
    response = client_for(chair).post(reverse("decisions:principles"),
                                      {"title": "Continuity of care", "adopted_on": "2026-04-01"})
    assert response.status_code == 302
    assert Principle.objects.get().history.first().history_user == chair


def test_a_duplicate_principle_is_refused(client_for, chair, principle):
    response = client_for(chair).post(reverse("decisions:principles"),
                                      {"title": "continuity of care", "adopted_on": "2026-04-01"})
    assert response.status_code == 400
    assert "already has a principle" in response.content.decode()
    assert Principle.objects.count() == 1


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user"])
def test_only_the_chair_changes_principles(client_for, request, principle, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(reverse("decisions:principles"), {"title": "New", "adopted_on": "2026-04-01"}).status_code \
        == 403
    assert client.get(reverse("decisions:principle_edit", args=[principle.pk])).status_code == 403
    assert client.post(reverse("decisions:principle_archive", args=[principle.pk])).status_code == 403
    assert Principle.objects.get().title == "Continuity of care" and not Principle.objects.get().is_archived


def test_the_chair_edits_and_retires_a_principle_keeping_its_history(client_for, chair, principle):
    client = client_for(chair)
    response = client.post(reverse("decisions:principle_edit", args=[principle.pk]),
                           {"title": "Continuity of care", "description": "Reworded", "adopted_on": "2024-06-12"})
    assert response.status_code == 302
    client.post(reverse("decisions:principle_archive", args=[principle.pk]))
    principle.refresh_from_db()
    assert principle.is_archived and principle.description == "Reworded"
    assert principle.history.count() == 3


def _published_decisions(count: int) -> list[DecisionItem]:
    from ..factories import DecisionItemFactory

    now = timezone.now()
    return [DecisionItemFactory(title=f"Decision {n:02d}", status="agreed", statement=f"Statement {n:02d}.",
                                published_at=now - timezone.timedelta(days=n)) for n in range(count)]


def _titles(html: str) -> list[str]:
    import re

    return re.findall(r'class="nhsuk-card__link" href="[^"]+">(Decision \d+)</a>', html)


def test_published_decisions_come_a_page_at_a_time_the_latest_first(client_for, member):
    from decisions.selectors import PUBLISHED_PAGE_SIZE

    from ..factories import PracticeFactory

    PracticeFactory()
    _published_decisions(PUBLISHED_PAGE_SIZE + 2)
    client, url = client_for(member), reverse("decisions:published")
    client.get(url)  # the second time from the prepared SQL (members.prepared)
    first = client.get(url).content.decode()
    assert _titles(first) == [f"Decision {n:02d}" for n in range(PUBLISHED_PAGE_SIZE)]
    assert f"{PUBLISHED_PAGE_SIZE + 2} published decisions, the latest first." in first
    assert "Page 1 of 2." in first and 'href="?page=2"' in first
    assert "Show only those your practice" not in first  # a member of no practice has nothing to acknowledge
    last = [f"Decision {n:02d}" for n in range(PUBLISHED_PAGE_SIZE, PUBLISHED_PAGE_SIZE + 2)]
    assert _titles(client.get(url + "?page=2").content.decode()) == last
    assert _titles(client.get(url + "?page=99").content.decode()) == last  # past the end: the last page
    assert _titles(client.get(url + "?page=0").content.decode()) == last  # below one: the last page too
    # Every page counts the practices a decision should reach (the first in its one query).
    assert selectors.practice_count() >= 1
    seen = f"Seen by 0 of {selectors.practice_count()} practices"
    assert seen in first and seen in client.get(url + "?page=2").content.decode()
    assert f"{PUBLISHED_PAGE_SIZE + 2} published decisions" in client.get(url + "?page=2").content.decode()
    assert _titles(client.get(url + "?page=two").content.decode()) == _titles(first)  # not a number: the first
    assert _titles(client.get(url + "?show=unseen").content.decode()) == _titles(first)  # no practice: all


def test_a_practice_shows_only_what_it_has_not_yet_acknowledged(client_for, practice_user, practice):
    from decisions.selectors import PUBLISHED_PAGE_SIZE

    items = _published_decisions(PUBLISHED_PAGE_SIZE + 3)
    for item in items[:2]:
        services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    client, url = client_for(practice_user), reverse("decisions:published")
    everything = client.get(url).content.decode()
    assert "Seen by your practice" in everything and 'href="?show=unseen"' in everything
    unseen = client.get(url + "?show=unseen").content.decode()
    assert _titles(unseen) == [f"Decision {n:02d}" for n in range(2, PUBLISHED_PAGE_SIZE + 2)]
    assert f"{PUBLISHED_PAGE_SIZE + 1} decisions your practice has not yet acknowledged" in unseen
    assert 'href="?show=unseen&amp;page=2"' in unseen and "Seen by your practice" not in unseen
    second = client.get(url + "?show=unseen&page=2").content.decode()
    assert _titles(second) == [f"Decision {PUBLISHED_PAGE_SIZE + 2}"]
    for item in items[2:]:
        services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    done = client.get(url + "?show=unseen").content.decode()
    assert "Your practice has acknowledged every published decision." in done


def test_an_item_shows_its_principles_and_organisations_in_order(client_for, member, item, principle):
    """Read in the item's own row (decisions.access.get_item_for): their ids and titles, the rest when asked."""
    from decisions import access
    from members.models import Organisation

    from ..factories import DecisionItemFactory, OrganisationFactory, PrincipleFactory

    item.principles.add(PrincipleFactory(title="Access & <equity>"))
    item.organisations.add(OrganisationFactory(name="Zed Trust", kind=Organisation.Kind.TRUST, place=item.place),
                           OrganisationFactory(name="Acme ICB", kind=Organisation.Kind.ICB, place=item.place))
    page = client_for(member).get(reverse("decisions:item", args=[item.pk])).content.decode()
    assert "Access &amp; &lt;equity&gt;; Continuity of care</dd>" in page
    assert "Acme ICB; Zed Trust</dd>" in page

    read = access.get_item_for(member, item.pk)
    assert [p.title for p in read.principles.all()] == ["Access & <equity>", "Continuity of care"]
    assert list(read.principles.all()) == list(item.principles.order_by("title"))
    assert read.principles.all()[1].description == principle.description  # read when asked
    assert [o.name for o in read.organisations.all()] == ["Acme ICB", "Zed Trust"]
    assert access.get_item_for(member, DecisionItemFactory().pk).principles.all().count() == 0


def test_an_items_rounds_come_with_their_seats_and_the_positions_given_in_each(
        chair, item, open_round, seats, lmc_deputy, principle, django_assert_num_queries):
    """Seats asked and the position each gave in that round, read together (selectors.item_rounds)."""
    services.position_record(round=open_round, seat=seats["pcn"], by=seats["pcn"].holder, stance="support")
    services.position_record(round=open_round, seat=seats["lmc"], by=lmc_deputy, stance="block",
                             reason="Contract", principle=principle)
    services.round_close(round=open_round, by=chair)
    second = services.round_open(item=DecisionItem.objects.get(pk=item.pk), by=chair,
                                 deadline=timezone.now() + timezone.timedelta(days=7))
    services.position_record(round=second, seat=seats["fed"], by=seats["fed"].holder, stance="support")

    with django_assert_num_queries(2):
        first, latest = selectors.item_rounds(item)
        seen = {r.number: ([s.title for s in r.seats.all()],
                           [(p.seat.title, p.stance, p.responded_by.pk, p.principle and p.principle.title)
                            for p in r.positions.all()]) for r in (first, latest)}
    titles = ["Testshire Federation", "Testshire LMC", seats["pcn"].title]
    assert sorted(titles) == seen[1][0] == seen[2][0]
    assert sorted(seen[1][1]) == sorted([(seats["pcn"].title, "support", seats["pcn"].holder.pk, None),
                                         ("Testshire LMC", "block", lmc_deputy.pk, "Continuity of care")])
    assert seen[2][1] == [("Testshire Federation", "support", seats["fed"].holder.pk, None)]
