"""Places own their group: two places in one database work at the same time without touching each other, the place
is in every address, and a person of two places moves between them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from decisions import tasks as decision_tasks
from decisions.models import Round
from gpleadership import digest
from gpleadership import tasks as digest_tasks
from members import places
from members.models import GroupRole, OutboxEmail, Place
from priorities import services as priority_services
from priorities import tasks as priority_tasks
from priorities.models import Ballot, Exercise
from representation.models import Forum, Request

from .factories import (
    CandidateFactory,
    DecisionItemFactory,
    ExerciseFactory,
    ForumFactory,
    GroupRoleFactory,
    MembershipFactory,
    PCNFactory,
    PlaceFactory,
    PracticeFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def otherton():
    return PlaceFactory(slug="otherton", name="Otherton", commissioner_codes="99B")


def _group(place, prefix):
    """A chair, a member holding a PCN seat, and a practice with its voting contact, all in `place`."""
    with places.using(place):
        chair = UserFactory(email=f"chair@{prefix}.example.nhs.uk")
        GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)
        member = UserFactory(email=f"member@{prefix}.example.nhs.uk")
        GroupRoleFactory(user=member, role=GroupRole.Role.MEMBER)
        seat = SeatFactory(holder=member, organisation=PCNFactory(place=place, name=f"{prefix} PCN"))
        practice = PracticeFactory(place=place, pcn=seat.organisation, name=f"{prefix} Surgery")
        voter = UserFactory(email=f"pm@{prefix}.example.nhs.uk")
        MembershipFactory(user=voter, organisation=practice, is_voting_contact=True)
    return {"chair": chair, "member": member, "seat": seat, "practice": practice, "voter": voter}


# The address names the place.


def test_every_address_made_in_a_place_names_it(testshire, otherton):
    assert reverse("decisions:log") == "/testshire/decisions/"
    with places.using(otherton):
        assert reverse("decisions:log") == "/otherton/decisions/"
    assert reverse("decisions:log") == "/testshire/decisions/"


def test_a_place_page_without_its_place_opens_the_persons_only_place(client_for, chair):
    response = client_for(chair).get("/decisions/?status=agreed")
    assert response.status_code == 302 and response.url == "/testshire/decisions/?status=agreed"


def test_a_person_of_two_places_chooses_and_the_choice_keeps_the_page(client_for, chair, otherton):
    with places.using(otherton):
        GroupRoleFactory(user=chair, role=GroupRole.Role.MEMBER)
    client = client_for(chair)
    response = client.get("/decisions/")
    assert response.status_code == 302 and response.url == "/?next=/decisions/"
    html = client.get(response.url).content.decode()
    assert "Which place are you working in?" in html
    assert 'href="/testshire/decisions/"' in html and 'href="/otherton/decisions/"' in html
    # In a place, the header names it and offers the switch.
    page = client.get("/otherton/decisions/").content.decode()
    assert "Otherton" in page and "Switch place" in page


def test_the_chooser_refuses_to_send_anyone_off_the_portal(client_for, chair, otherton):
    with places.using(otherton):
        GroupRoleFactory(user=chair, role=GroupRole.Role.MEMBER)
    html = client_for(chair).get("/?next=//evil.example/").content.decode()
    assert "evil.example" not in html and 'href="/otherton/"' in html


def test_a_visitor_sees_every_places_public_page(client, otherton):
    html = client.get("/").content.decode()
    assert 'href="/testshire/about/"' in html and 'href="/otherton/about/"' in html


def test_an_unknown_place_is_not_found(client_for, chair):
    assert client_for(chair).get("/nowhere-shire/decisions/").status_code == 404


def test_a_place_cannot_take_one_of_the_portals_own_addresses():
    with pytest.raises(ValidationError, match="portal's own addresses"):
        Place(name="Decisions", slug="decisions").full_clean()


def test_roles_are_per_place(client_for, chair, otherton):
    """The chair of Testshire holds no role in Otherton: its pages are closed to them."""
    client = client_for(chair)
    assert client.get("/testshire/dashboard/").status_code == 200
    assert client.get("/otherton/dashboard/").status_code == 403
    assert client.get("/otherton/decisions/").status_code == 403


def test_each_place_has_its_own_about_page_and_request_form(client, testshire, otherton):
    otherton.group_name, otherton.about = "Otherton GP Voice", "Otherton's practices, together."
    otherton.save()
    with places.using(otherton):
        GroupRoleFactory(user=UserFactory(full_name="Olwen Otherchair"), role=GroupRole.Role.CHAIR)
    about = client.get("/otherton/about/").content.decode()
    assert "Otherton GP Voice" in about and "Olwen Otherchair" in about
    assert "Otherton GP Voice" not in client.get("/testshire/about/").content.decode()
    form = client.get("/otherton/representation/requests/new/")
    assert form.status_code == 200 and "Otherton" in form.content.decode()


# Two places at work at the same time.


def test_two_places_run_rounds_and_reminders_without_touching_each_other(
    otherton, testshire, django_capture_on_commit_callbacks, mailoutbox
):
    here, there = _group(testshire, "testshire"), _group(otherton, "otherton")
    soon = timezone.now() + timezone.timedelta(days=1)
    rounds = {}
    for place, people in [(testshire, here), (otherton, there)]:
        with places.using(place):
            item = DecisionItemFactory(title=f"{place.name} item", raised_by=people["chair"])
            rounds[place.slug] = decision_services.round_open(item=item, by=people["chair"], deadline=soon)
    # Each round asks only its own place's seats.
    assert list(rounds["testshire"].seats.all()) == [here["seat"]]
    with places.using(otherton):
        assert list(Round.objects.get(pk=rounds["otherton"].pk).seats.all()) == [there["seat"]]
    mailoutbox.clear()
    with places.unscoped(), django_capture_on_commit_callbacks(execute=True):
        assert decision_tasks.round_housekeeping() == {"closed": 0, "reminded": 2}
    by_address = {message.to[0]: message for message in mailoutbox}
    assert "/testshire/decisions/" in by_address["member@testshire.example.nhs.uk"].body
    assert "/otherton/decisions/" in by_address["member@otherton.example.nhs.uk"].body
    assert "Testshire item" in by_address["member@testshire.example.nhs.uk"].subject
    assert "Otherton item" in by_address["member@otherton.example.nhs.uk"].subject
    with places.unscoped():
        assert {email.place_id for email in OutboxEmail.objects.filter(kind="decisions.round_reminder")} == {
            testshire.pk, otherton.pk}


def test_two_places_vote_and_close_at_the_same_time_each_counting_its_own_practices(otherton, testshire):
    here, there = _group(testshire, "testshire"), _group(otherton, "otherton")
    exercises = {}
    for place, people in [(testshire, here), (otherton, there)]:
        with places.using(place):
            exercise = ExerciseFactory(title=f"{place.name} priorities", method="approval", places=1)
            a = CandidateFactory(exercise=exercise, title="A", position=0)
            CandidateFactory(exercise=exercise, title="B", position=1)
            priority_services.ballot_cast(exercise=exercise, practice=people["practice"], user=people["voter"],
                                          choices=[a.pk])
            exercises[place.slug] = exercise
            first_candidate = a
    # A practice of one place cannot vote in the other's exercise.
    with places.using(otherton), pytest.raises(ValidationError, match="not a practice that votes"):
        priority_services.ballot_cast(exercise=exercises["otherton"], practice=here["practice"], user=here["voter"],
                                      choices=[first_candidate.pk])
    with places.unscoped():
        Exercise.objects.filter(pk__in=[e.pk for e in exercises.values()]).update(
            closes_at=timezone.now() - timezone.timedelta(minutes=1))
        outcome = priority_tasks.close_and_remind()
        assert sorted(outcome["closed"]) == sorted(e.pk for e in exercises.values())
        for exercise in Exercise.objects.filter(pk__in=[e.pk for e in exercises.values()]):
            assert exercise.status == "closed"
            # Each count saw one ballot, and one eligible practice: its own place's.
            assert Ballot.objects.filter(exercise=exercise).count() == 1
            assert exercise.result["ballots"] == 1 and exercise.result["winners"] == ["A"]


def test_a_person_on_two_groups_gets_one_digest_per_place_each_with_that_places_news(
    otherton, testshire, mailoutbox, django_capture_on_commit_callbacks
):
    lmc = UserFactory(email="lmc@example.nhs.uk", full_name="Lena LMC")
    for place in (testshire, otherton):
        with places.using(place):
            GroupRoleFactory(user=lmc, role=GroupRole.Role.MEMBER)
            DecisionItemFactory(title=f"{place.name} news", status="agreed", statement="Agreed.",
                                decided_on=timezone.localdate(), published_at=timezone.now())
    with places.unscoped(), django_capture_on_commit_callbacks(execute=True):
        assert digest_tasks.send_weekly_digests() == 2
    digests = sorted((m for m in mailoutbox if m.to == [lmc.email]), key=lambda m: "Otherton" in m.body)
    assert len(digests) == 2
    testshire_digest, otherton_digest = digests
    assert "Testshire news" in testshire_digest.body and "Otherton news" not in testshire_digest.body
    assert "Otherton news" in otherton_digest.body and "Testshire news" not in otherton_digest.body
    assert "/otherton/" in otherton_digest.body and "/otherton/" not in testshire_digest.body
    # Scheduling again sends nothing more.
    with places.unscoped():
        assert digest_tasks.send_weekly_digests() == 0
    with places.using(otherton):
        assert digest.digest_deliveries(week=digest.week_starting()).count() == 1


# The ICS level.


def test_an_ics_level_forum_is_seen_in_every_place_of_its_ics_and_nowhere_else(testshire, otherton):
    from members.models import ICS

    ics = ICS.objects.create(name="Test Shires ICS", slug="test-shires", ods_code="QTS")
    elsewhere = PlaceFactory(slug="farland", name="Farland")
    for place in (testshire, otherton):
        place.ics = ics
        place.save()
    forum = ForumFactory(name="ICS primary care board", place=None, ics=ics)
    for place in (testshire, otherton):
        with places.using(Place.objects.get(pk=place.pk)):
            assert list(Forum.objects.filter(pk=forum.pk)) == [forum]
    with places.using(elsewhere):
        assert not Forum.objects.filter(pk=forum.pk).exists()


def test_a_request_belongs_to_the_place_whose_form_it_came_through(client, otherton):
    from .representation.test_request_form import _started

    response = client.post("/otherton/representation/requests/new/", {
        "requester_name": "Tess Partner", "requester_email": "tess@trust.example.nhs.uk",
        "requester_role": "Director", "organisation_name": "Trust", "summary": "Discharge letters",
        "details": "Please help.", "needed_by": (timezone.localdate() + timezone.timedelta(days=20)).isoformat(),
        "started": _started(),
    })
    assert response.status_code == 302
    with places.unscoped():
        assert Request.objects.get(summary="Discharge letters").place == otherton
    assert not Request.objects.filter(summary="Discharge letters").exists()  # not Testshire's


def test_a_chair_adds_an_ics_level_forum_that_the_other_places_group_sees(client_for, chair, testshire, otherton):
    from members.models import ICS, Organisation

    ics = ICS.objects.create(name="Test Shires ICS", slug="test-shires", ods_code="QTS")
    Place.objects.filter(pk__in=[testshire.pk, otherton.pk]).update(ics=ics)
    icb = Organisation.objects.create(place=testshire, kind=Organisation.Kind.ICB, name="Test Shires ICB")
    with places.using(otherton):
        other_member = UserFactory(email="member@otherton.example.nhs.uk")
        GroupRoleFactory(user=other_member, role=GroupRole.Role.MEMBER)
    client = client_for(chair)
    page = client.get("/testshire/representation/forums/new/").content.decode()
    assert "This forum works across the whole of Test Shires ICS" in page
    response = client.post("/testshire/representation/forums/new/", {
        "name": "Shires primary care board", "host": icb.pk, "cadence": "Monthly", "is_formal_seat": "on",
        "purpose": "", "feedback_due_days": 7, "for_whole_ics": "on",
    })
    assert response.status_code == 302
    with places.unscoped():
        forum = Forum.objects.get(name="Shires primary care board")
    assert forum.place_id is None and forum.ics == ics
    other = client_for(other_member).get(f"/otherton/representation/forums/{forum.pk}/")
    assert other.status_code == 200 and "Across Test Shires ICS" in other.content.decode()


def test_a_place_of_no_ics_is_not_offered_an_ics_level_forum(client_for, chair):
    assert "whole of" not in client_for(chair).get("/testshire/representation/forums/new/").content.decode()


def test_a_signed_in_person_also_sees_the_other_places_public_pages(client_for, chair, otherton):
    farland = PlaceFactory(slug="farland", name="Farland")
    with places.using(otherton):
        GroupRoleFactory(user=chair, role=GroupRole.Role.MEMBER)
    html = client_for(chair).get("/").content.decode()
    assert "Other places" in html and f'href="/{farland.slug}/about/"' in html


def test_a_streamed_body_is_read_in_the_place_of_the_view_that_made_it(testshire, riverton):
    from django.urls import get_script_prefix

    from members.models import Place

    def chunks():  # what each chunk says of where it was made, as it is made
        for _ in range(2):
            yield places.current_place(), get_script_prefix()

    with places.using(riverton):
        body = places.carried(chunks())
    seen = list(body)  # read outside Riverton, as a server reads a streamed response
    assert seen == [(riverton, "/riverton/")] * 2
    assert places.current_place() != riverton
    assert Place.objects.filter(pk=riverton.pk).exists()
