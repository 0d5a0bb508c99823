"""Consensus reachable for real: the chair or a gatekeeper records a position a seat gave by phone or in the
meeting, on the seat's behalf, with who recorded it and how; kept in history and shown on the item."""

import pytest
from django.urls import reverse

from decisions.models import Position


@pytest.fixture
def url(open_round, seats):
    return reverse("decisions:record_for_seat", args=[open_round.item_id, open_round.number, seats["lmc"].pk])


@pytest.mark.parametrize("persona", ["chair", "gatekeeper"])
def test_the_chair_or_a_gatekeeper_records_a_position_given_by_phone(client_for, request, persona, url,
                                                                     open_round, seats, lmc_deputy):
    recorder = request.getfixturevalue(persona)
    client = client_for(recorder)
    form = client.get(url).content.decode()
    assert "Who gave the position?" in form and "Dev Deputy (deputy)" in form and "Lara LMC (holder)" in form
    response = client.post(url, {"given_by": lmc_deputy.pk, "given_how": "phone", "stance": "live_with"})
    assert response.status_code == 302
    position = Position.objects.get(round=open_round, seat=seats["lmc"])
    assert (position.stance, position.responded_by, position.recorded_by, position.given_how) == (
        "live_with", lmc_deputy, recorder, "phone")
    assert position.history.get().history_user == recorder
    item_page = client.get(reverse("decisions:item", args=[open_round.item_id])).content.decode()
    assert f"By phone, recorded by {recorder.get_full_name()}" in item_page


def test_a_block_given_in_the_meeting_closes_the_round_like_any_block(client_for, chair, url, open_round,
                                                                     lmc_holder):
    client_for(chair).post(url, {"given_by": lmc_holder.pk, "given_how": "meeting", "stance": "block",
                                 "block_reason": "Not without the contract review."})
    open_round.refresh_from_db()
    assert open_round.outcome == "blocked"
    assert Position.objects.get(round=open_round).given_how == "meeting"


@pytest.mark.parametrize("persona", ["member", "observer", "lmc_holder"])
def test_no_one_else_records_for_a_seat(client_for, request, persona, url):
    response = client_for(request.getfixturevalue(persona)).get(url)
    assert response.status_code == 403
    assert not Position.objects.exists()


@pytest.mark.parametrize("persona", ["practice_user", "outsider"])
def test_people_off_the_group_do_not_find_it(client_for, request, persona, url):
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == 404


def test_it_must_say_who_gave_it_and_how_and_keeps_what_was_typed(client_for, chair, url, lmc_holder):
    response = client_for(chair).post(url, {"stance": "stand_aside", "stand_aside_reason": "Workload first."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose who gave the position." in page and "Choose how the position was given." in page
    assert "Workload first." in page
    response = client_for(chair).post(url, {"given_by": 999999, "given_how": "phone", "stance": "support"})
    assert response.status_code == 400  # only the seat's holder or deputy
    assert not Position.objects.exists()


def test_the_seat_s_own_answer_later_replaces_it_and_history_keeps_both(client_for, chair, url, open_round,
                                                                         seats, lmc_holder):
    client_for(chair).post(url, {"given_by": lmc_holder.pk, "given_how": "phone", "stance": "live_with"})
    respond = reverse("decisions:respond", args=[open_round.item_id, open_round.number, seats["lmc"].pk])
    client_for(lmc_holder).post(respond, {"stance": "support"})
    position = Position.objects.get(round=open_round, seat=seats["lmc"])
    assert (position.stance, position.recorded_by, position.given_how) == ("support", None, "")
    assert [h.given_how for h in position.history.order_by("history_id")] == ["phone", ""]
