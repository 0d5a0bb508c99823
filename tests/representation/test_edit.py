"""Correcting what people typed: editing forums, key relationships and meetings, and archiving (never deleting)
forums, relationships and agenda items. Who may, bad input, the stored effect and the history it leaves."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from representation import services
from representation.models import AgendaItem, Forum, Meeting, Relationship

from ..factories import AgendaItemFactory, FeedbackFactory, ForumFactory, MeetingFactory, PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
MANAGERS = {"chair", "gatekeeper", "lead"}
MEETING_EDITORS = MANAGERS | {"rep"}
GROUP = {"chair", "gatekeeper", "member", "observer", "rep", "lead"}
PERSONAS = ["chair", "gatekeeper", "member", "observer", "rep", "lead", "practice_user", "outsider"]


@pytest.fixture
def relationship(member):
    return services.relationship_record(
        organisation=PartnerFactory(name="Northbrook Hospitals"), contact_name="Dana Director",
        contact_role="Director of primary care", held_by=member,
    )


@pytest.fixture
def meeting(forum, rep):
    meeting = MeetingFactory(forum=forum, held_on=TODAY + timedelta(days=10))
    AgendaItemFactory(meeting=meeting, title="Winter plan", position=1)
    AgendaItemFactory(meeting=meeting, title="Discharge leters", position=2)
    return meeting


def _items(meeting):
    return list(meeting.agenda_items.filter(is_archived=False).order_by("position"))


def _forum_data(forum, **changes):
    data = {"name": forum.name, "host": forum.host_id, "cadence": forum.cadence, "is_formal_seat": "on",
            "purpose": forum.purpose, "feedback_due_days": forum.feedback_due_days}
    return {**data, **changes}


def _meeting_data(meeting, held_on, **titles):
    data = {"held_on": held_on.isoformat()}
    for item in _items(meeting):
        data[f"item_{item.pk}"] = titles.get(f"item_{item.pk}", item.title)
    return data


# Who may see the edit pages --------------------------------------------------------------------------------------

EDIT_PAGES = [
    ("representation:forum_edit", "forum", MANAGERS),
    ("representation:relationship_edit", "relationship", MANAGERS),
    ("representation:meeting_edit", "meeting", MEETING_EDITORS),
]


@pytest.mark.parametrize(("name", "key", "allowed"), EDIT_PAGES, ids=[p[0].split(":")[1] for p in EDIT_PAGES])
@pytest.mark.parametrize("persona", PERSONAS)
def test_edit_page_permissions(request, client_for, forum, rep, lead, member, chair, gatekeeper, observer,
                               practice_user, outsider, relationship, meeting, persona, name, key, allowed):
    obj = request.getfixturevalue(key)
    response = client_for(request.getfixturevalue(persona)).get(reverse(name, args=[obj.pk]))
    # Forums, relationships and meetings are the group's: to anyone else they are not there, as a missing one.
    refused = 403 if persona in GROUP else 404
    assert response.status_code == (200 if persona in allowed else refused)


@pytest.mark.parametrize(("name", "key", "allowed"), EDIT_PAGES, ids=[p[0].split(":")[1] for p in EDIT_PAGES])
def test_anonymous_visitors_to_edit_pages_are_sent_to_sign_in(request, client, relationship, meeting, name, key,
                                                               allowed):
    response = client.get(reverse(name, args=[request.getfixturevalue(key).pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


ARCHIVES = [
    ("representation:forum_archive", "forum"),
    ("representation:relationship_archive", "relationship"),
    ("representation:agenda_item_archive", "item"),
]


@pytest.fixture
def item(meeting):
    return _items(meeting)[1]


@pytest.mark.parametrize(("name", "key"), ARCHIVES)
def test_archiving_is_post_only(request, client_for, chair, name, key):
    url = reverse(name, args=[request.getfixturevalue(key).pk])
    assert client_for(chair).get(url).status_code == 405


@pytest.mark.parametrize(("name", "key"), ARCHIVES)
def test_anonymous_archive_posts_are_sent_to_sign_in(request, client, name, key):
    obj = request.getfixturevalue(key)
    response = client.post(reverse(name, args=[obj.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    obj.refresh_from_db()
    assert not obj.is_archived


def test_the_forum_and_meeting_pages_link_to_the_edit_pages_for_those_who_may_edit(client_for, lead, member,
                                                                                   meeting, relationship):
    forum_html = client_for(lead).get(reverse("representation:forum", args=[meeting.forum_id])).content.decode()
    assert reverse("representation:forum_edit", args=[meeting.forum_id]) in forum_html
    meeting_html = client_for(lead).get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert reverse("representation:meeting_edit", args=[meeting.pk]) in meeting_html
    assert reverse("representation:agenda_item_archive", args=[_items(meeting)[0].pk]) in meeting_html
    register_html = client_for(lead).get(reverse("representation:relationships")).content.decode()
    assert reverse("representation:relationship_edit", args=[relationship.pk]) in register_html
    member_html = client_for(member).get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert "meeting_edit" not in member_html and reverse("representation:meeting_edit", args=[meeting.pk]) not in (
        member_html
    )
    assert reverse("representation:relationship_edit", args=[relationship.pk]) not in client_for(member).get(
        reverse("representation:relationships")
    ).content.decode()


# Forums ----------------------------------------------------------------------------------------------------------


def test_a_manager_corrects_a_forum(client_for, gatekeeper, forum):
    host = PartnerFactory(name="Southfield Council")
    response = client_for(gatekeeper).post(reverse("representation:forum_edit", args=[forum.pk]), _forum_data(
        forum, name="Acute interface group", host=host.pk, cadence="Every other Tuesday", is_formal_seat="",
        purpose="Joins up the trust and practices.", feedback_due_days=10,
    ))
    assert response.status_code == 302 and response.url == reverse("representation:forum", args=[forum.pk])
    forum.refresh_from_db()
    assert (forum.name, forum.host, forum.cadence, forum.is_formal_seat, forum.purpose, forum.feedback_due_days) == (
        "Acute interface group", host, "Every other Tuesday", False, "Joins up the trust and practices.", 10
    )
    assert forum.history.count() == 2
    assert forum.history.first().feedback_due_days == 10


def test_a_bad_forum_correction_is_refused_and_keeps_what_was_typed(client_for, lead, forum):
    response = client_for(lead).post(reverse("representation:forum_edit", args=[forum.pk]), _forum_data(
        forum, cadence="Quarterly meetings", feedback_due_days=0,
    ))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Quarterly meetings" in html
    forum.refresh_from_db()
    assert forum.cadence == "Monthly" and forum.history.count() == 1


def test_a_forum_cannot_take_another_forums_name(client_for, chair, forum):
    ForumFactory(name="Place partnership board")
    response = client_for(chair).post(reverse("representation:forum_edit", args=[forum.pk]),
                                      _forum_data(forum, name="place partnership board"))
    assert response.status_code == 400 and "There is already a forum with this name." in response.content.decode()
    forum.refresh_from_db()
    assert forum.name == "Acute trust interface group"


def test_a_member_or_representative_cannot_correct_a_forum(client_for, member, rep, forum):
    for user in (member, rep):
        response = client_for(user).post(reverse("representation:forum_edit", args=[forum.pk]),
                                         _forum_data(forum, name="Renamed"))
        assert response.status_code == 403
    forum.refresh_from_db()
    assert forum.name == "Acute trust interface group" and forum.history.count() == 1


def test_a_manager_archives_a_forum_and_its_record_stays(client_for, lead, meeting):
    forum = meeting.forum
    response = client_for(lead).post(reverse("representation:forum_archive", args=[forum.pk]))
    assert response.status_code == 302 and response.url == reverse("representation:forums")
    forum.refresh_from_db()
    assert forum.is_archived and forum.history.count() == 2 and forum.history.first().is_archived
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert forum.name not in client_for(lead).get(reverse("representation:forums")).content.decode()
    assert client_for(lead).get(reverse("representation:forum", args=[forum.pk])).status_code == 200
    assert client_for(lead).get(reverse("representation:forum_edit", args=[forum.pk])).status_code == 404
    assert client_for(lead).get(reverse("representation:meeting_new", args=[forum.pk])).status_code == 404


def test_a_member_cannot_archive_a_forum(client_for, member, rep, forum):
    for user in (member, rep):
        assert client_for(user).post(reverse("representation:forum_archive", args=[forum.pk])).status_code == 403
    forum.refresh_from_db()
    assert not forum.is_archived


# Key relationships -------------------------------------------------------------------------------------------------


def test_a_manager_corrects_a_relationship(client_for, chair, gatekeeper, relationship):
    response = client_for(chair).post(reverse("representation:relationship_edit", args=[relationship.pk]), {
        "organisation": relationship.organisation_id, "contact_name": "Dana Director",
        "contact_role": "Chief executive", "held_by": gatekeeper.pk, "notes": "Meets quarterly.",
    })
    assert response.status_code == 302 and response.url == reverse("representation:relationships")
    relationship.refresh_from_db()
    assert (relationship.contact_role, relationship.held_by, relationship.notes) == (
        "Chief executive", gatekeeper, "Meets quarterly."
    )
    assert relationship.history.count() == 2


def test_a_bad_relationship_correction_is_refused_and_keeps_what_was_typed(client_for, lead, relationship):
    response = client_for(lead).post(reverse("representation:relationship_edit", args=[relationship.pk]), {
        "organisation": relationship.organisation_id, "contact_name": "", "contact_role": "Chief operating officer",
        "held_by": relationship.held_by_id,
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Chief operating officer" in html
    relationship.refresh_from_db()
    assert relationship.contact_name == "Dana Director" and relationship.history.count() == 1


def test_a_member_cannot_correct_or_archive_a_relationship(client_for, member, relationship):
    client = client_for(member)
    response = client.post(reverse("representation:relationship_edit", args=[relationship.pk]), {
        "organisation": relationship.organisation_id, "contact_name": "X", "contact_role": "Y",
        "held_by": member.pk,
    })
    assert response.status_code == 403
    assert client.post(reverse("representation:relationship_archive", args=[relationship.pk])).status_code == 403
    relationship.refresh_from_db()
    assert relationship.contact_name == "Dana Director" and not relationship.is_archived


def test_a_manager_archives_a_relationship(client_for, gatekeeper, relationship):
    response = client_for(gatekeeper).post(reverse("representation:relationship_archive", args=[relationship.pk]))
    assert response.status_code == 302
    relationship.refresh_from_db()
    assert relationship.is_archived and relationship.history.first().is_archived
    assert Relationship.objects.filter(pk=relationship.pk).exists()
    assert "Dana Director" not in client_for(gatekeeper).get(reverse("representation:relationships")).content.decode()
    assert client_for(gatekeeper).get(
        reverse("representation:relationship_edit", args=[relationship.pk])
    ).status_code == 404


# Meetings and agenda items -----------------------------------------------------------------------------------------


def test_a_representative_moves_a_meeting_and_corrects_an_item_title(client_for, rep, meeting):
    first, second = _items(meeting)
    new_date = TODAY + timedelta(days=14)
    response = client_for(rep).post(reverse("representation:meeting_edit", args=[meeting.pk]), _meeting_data(
        meeting, new_date, **{f"item_{second.pk}": "Discharge letters"},
    ))
    assert response.status_code == 302 and response.url == reverse("representation:meeting", args=[meeting.pk])
    meeting.refresh_from_db()
    second.refresh_from_db()
    assert meeting.held_on == new_date
    # The same rule as when the meeting was added: the forum's days after the (new) date.
    assert meeting.feedback_due_on == services.feedback_due_on(forum=meeting.forum, held_on=new_date)
    assert meeting.feedback_due_on == new_date + timedelta(days=7)
    assert second.title == "Discharge letters" and second.history.count() == 2
    assert meeting.history.count() == 2 and meeting.history.first().held_on == new_date
    assert first.history.count() == 1  # an unchanged title leaves no history row


def test_the_chair_may_correct_a_meeting_as_they_may_add_one(client_for, chair, meeting):
    response = client_for(chair).post(reverse("representation:meeting_edit", args=[meeting.pk]),
                                      _meeting_data(meeting, TODAY + timedelta(days=11)))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.held_on == TODAY + timedelta(days=11)


def test_a_bad_meeting_correction_is_refused_and_keeps_what_was_typed(client_for, rep, meeting):
    first, second = _items(meeting)
    new_date = TODAY + timedelta(days=20)
    response = client_for(rep).post(reverse("representation:meeting_edit", args=[meeting.pk]), _meeting_data(
        meeting, new_date, **{f"item_{first.pk}": "", f"item_{second.pk}": "Discharge summaries"},
    ))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Discharge summaries" in html
    # The date typed is kept, in the NHS.UK date input's year, month and day boxes.
    year, month, day = new_date.isoformat().split("-")
    for part, value in [("day", day), ("month", month), ("year", year)]:
        assert f'name="held_on_{part}" type="text" inputmode="numeric" value="{value}"' in html
    meeting.refresh_from_db()
    second.refresh_from_db()
    assert meeting.held_on == TODAY + timedelta(days=10) and second.title == "Discharge leters"
    assert meeting.history.count() == 1


def test_a_meeting_cannot_move_onto_another_meeting_of_the_forum(client_for, rep, meeting):
    MeetingFactory(forum=meeting.forum, held_on=TODAY + timedelta(days=12))
    response = client_for(rep).post(reverse("representation:meeting_edit", args=[meeting.pk]),
                                    _meeting_data(meeting, TODAY + timedelta(days=12)))
    assert response.status_code == 400
    assert "This forum already has a meeting on that date." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.held_on == TODAY + timedelta(days=10)


def test_a_meeting_with_feedback_cannot_move_into_the_future(client_for, rep, forum):
    past = MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=3))
    FeedbackFactory(agenda_item=AgendaItemFactory(meeting=past), written_by=rep)
    response = client_for(rep).post(reverse("representation:meeting_edit", args=[past.pk]),
                                    _meeting_data(past, TODAY + timedelta(days=3)))
    assert response.status_code == 400
    past.refresh_from_db()
    assert past.held_on == TODAY - timedelta(days=3)


def test_a_member_cannot_correct_a_meeting(client_for, member, meeting):
    response = client_for(member).post(reverse("representation:meeting_edit", args=[meeting.pk]),
                                       _meeting_data(meeting, TODAY + timedelta(days=30)))
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.held_on == TODAY + timedelta(days=10)


def test_a_representative_takes_an_item_off_the_agenda(client_for, rep, meeting, item):
    response = client_for(rep).post(reverse("representation:agenda_item_archive", args=[item.pk]))
    assert response.status_code == 302 and response.url == reverse("representation:meeting", args=[meeting.pk])
    item.refresh_from_db()
    assert item.is_archived and item.history.count() == 2 and item.history.first().is_archived
    html = client_for(rep).get(reverse("representation:meeting", args=[meeting.pk])).content.decode()
    assert "Discharge leters" not in html and "Winter plan" in html


def test_the_last_item_stays_on_the_agenda(client_for, lead, meeting, item):
    services.agenda_item_archive(agenda_item=item)
    last = _items(meeting)[0]
    response = client_for(lead).post(reverse("representation:agenda_item_archive", args=[last.pk]))
    assert response.status_code == 400 and "at least one agenda item" in response.content.decode()
    last.refresh_from_db()
    assert not last.is_archived and last.history.count() == 1


def test_a_member_cannot_take_an_item_off_the_agenda(client_for, member, item):
    assert client_for(member).post(reverse("representation:agenda_item_archive", args=[item.pk])).status_code == 403
    item.refresh_from_db()
    assert not item.is_archived


def test_taking_off_the_only_item_without_feedback_completes_the_feedback(rep, forum):
    past = MeetingFactory(forum=forum, held_on=TODAY - timedelta(days=3))
    done = AgendaItemFactory(meeting=past, position=1)
    FeedbackFactory(agenda_item=done, written_by=rep)
    dropped = AgendaItemFactory(meeting=past, position=2)
    services.agenda_item_archive(agenda_item=dropped)
    past.refresh_from_db()
    assert past.feedback_completed_at is not None
    assert AgendaItem.objects.get(pk=dropped.pk).is_archived
    assert Forum.objects.get(pk=forum.pk).history.count() == 1


def test_a_forum_id_no_forum_has_is_not_found_whatever_its_size(client_for, member, forum):
    for pk in (forum.pk + 1000, 2**63, 10**30):  # the last two beyond what the database can hold
        assert client_for(member).get(reverse("representation:forum", args=[pk])).status_code == 404
    assert client_for(member).get(reverse("representation:forum", args=[forum.pk])).status_code == 200
