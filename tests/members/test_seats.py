"""The chair manages the group's seats and roles from the group page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import access, places, selectors
from members.models import GroupRole, Membership, Seat, User

from ..factories import GroupRoleFactory, MembershipFactory, PCNFactory, PracticeFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = ["member", "gatekeeper", "observer", "practice_user", "outsider"]


@pytest.fixture
def seat(db):
    return SeatFactory(title="Riverside PCN seat")


@pytest.fixture
def colleague(db):
    """Someone working for a member organisation now: may hold a seat or be given a role."""
    return MembershipFactory(user=UserFactory(full_name="Cara Colleague"), role_title="Clinical Director").user


@pytest.fixture
def observer_role(db):
    return GroupRoleFactory(user=UserFactory(full_name="Ola Other"), role=GroupRole.Role.OBSERVER)


def _requests(seat, colleague, observer_role, chair):
    """Each page and action with input that would succeed for the chair."""
    return {
        "manage": ("get", reverse("members:group_manage"), None),
        "seat_edit_page": ("get", reverse("members:seat_edit", args=[seat.pk]), None),
        "seat_edit": ("post", reverse("members:seat_edit", args=[seat.pk]), {"holder": colleague.pk, "deputy": ""}),
        "seat_create": ("post", reverse("members:seat_create"),
                        {"seat-kind": "coopted", "seat-title": "Co-opted: public health"}),
        "seat_retire": ("post", reverse("members:seat_retire", args=[seat.pk]), None),
        "role_create": ("post", reverse("members:group_role_create"), {"role-user": colleague.pk,
                                                                       "role-role": "gatekeeper"}),
        "role_end": ("post", reverse("members:group_role_end", args=[observer_role.pk]), None),
    }


ACTIONS = ["manage", "seat_edit_page", "seat_edit", "seat_create", "seat_retire", "role_create", "role_end"]
# Actions on one seat or role: someone who may not see the group's seats is told it is not there.
ON_AN_OBJECT = {"seat_edit_page", "seat_edit", "seat_retire", "role_end"}


def _state():
    return (
        list(Seat.objects.order_by("pk").values_list("pk", "holder_id", "deputy_id", "is_active")),
        list(GroupRole.objects.order_by("pk").values_list("pk", "role", "ended_on", "is_archived")),
        Seat.history.count(),
        GroupRole.history.count(),
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_it_lets_the_chair_in(client_for, chair, seat, colleague, observer_role, action):
    method, url, data = _requests(seat, colleague, observer_role, chair)[action]
    response = getattr(client_for(chair), method)(url, data or {})
    assert response.status_code == (200 if method == "get" else 302)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", FORBIDDEN)
def test_it_refuses_everyone_but_the_chair(request, client_for, chair, seat, colleague, observer_role, action,
                                           persona):
    user = request.getfixturevalue(persona)
    method, url, data = _requests(seat, colleague, observer_role, chair)[action]
    before = _state()
    expected = 404 if persona == "outsider" and action in ON_AN_OBJECT else 403
    assert getattr(client_for(user), method)(url, data or {}).status_code == expected
    assert _state() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_it_sends_anonymous_visitors_to_sign_in(client, chair, seat, colleague, observer_role, action):
    method, url, data = _requests(seat, colleague, observer_role, chair)[action]
    before = _state()
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert _state() == before


@pytest.mark.parametrize("action", ["seat_create", "seat_retire", "role_create", "role_end"])
def test_changes_need_a_post(client_for, chair, seat, colleague, observer_role, action):
    _method, url, _data = _requests(seat, colleague, observer_role, chair)[action]
    assert client_for(chair).get(url).status_code == 405


def test_the_group_page_links_to_the_manage_page_for_the_chair_only(client_for, chair, member):
    link = reverse("members:group_manage")
    assert link in client_for(chair).get(reverse("members:group")).content.decode()
    assert link not in client_for(member).get(reverse("members:group")).content.decode()


# Holder and deputy ------------------------------------------------------------------------------------------


def test_the_chair_changes_a_seats_holder_and_deputy(client_for, chair, seat, colleague):
    response = client_for(chair).post(
        reverse("members:seat_edit", args=[seat.pk]), {"holder": colleague.pk, "deputy": chair.pk}
    )
    assert response.status_code == 302
    seat.refresh_from_db()
    assert (seat.holder, seat.deputy) == (colleague, chair)
    assert seat.history.count() == 2
    assert seat.history.first().holder_id == colleague.pk


def test_holder_and_deputy_must_differ(client_for, chair, seat, colleague):
    before = _state()
    response = client_for(chair).post(
        reverse("members:seat_edit", args=[seat.pk]), {"holder": colleague.pk, "deputy": colleague.pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The deputy must be a different person from the holder." in html
    assert html.count(f'<option value="{colleague.pk}" selected') == 2
    assert _state() == before


def test_a_seat_is_held_only_by_someone_in_a_member_organisation_or_on_the_group(client_for, chair, seat, outsider):
    before = _state()
    response = client_for(chair).post(reverse("members:seat_edit", args=[seat.pk]), {"holder": outsider.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert _state() == before


def test_a_person_whose_membership_ended_cannot_hold_a_seat(client_for, chair, seat):
    former = MembershipFactory(ended_on=timezone.localdate()).user
    response = client_for(chair).post(reverse("members:seat_edit", args=[seat.pk]), {"holder": former.pk})
    assert response.status_code == 400


def test_a_seat_can_be_left_vacant(client_for, chair, seat):
    assert client_for(chair).post(reverse("members:seat_edit", args=[seat.pk]), {}).status_code == 302
    seat.refresh_from_db()
    assert seat.holder is None


def test_an_unknown_seat_is_not_found(client_for, chair):
    assert client_for(chair).get(reverse("members:seat_edit", args=[999999])).status_code == 404


# Adding and retiring seats ----------------------------------------------------------------------------------


def test_the_chair_adds_a_seat_for_a_member_organisation(client_for, chair, colleague):
    pcn = PCNFactory(name="Northside PCN")
    response = client_for(chair).post(
        reverse("members:seat_create"), {"seat-kind": "member", "seat-organisation": pcn.pk,
                                         "seat-holder": colleague.pk}
    )
    assert response.status_code == 302
    seat = Seat.objects.get(organisation=pcn)
    assert (seat.title, seat.kind, seat.holder, seat.is_active) == ("Northside PCN", "member", colleague, True)
    assert seat.history.count() == 1


def test_the_chair_adds_a_coopted_seat_with_a_title(client_for, chair):
    response = client_for(chair).post(
        reverse("members:seat_create"), {"seat-kind": "coopted", "seat-title": "Public health"}
    )
    assert response.status_code == 302
    seat = Seat.objects.get(title="Public health")
    assert seat.kind == "coopted" and seat.organisation is None and seat.holder is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"seat-kind": "independent", "seat-title": ""}, "Give the seat a title"),
        ({"seat-kind": "member", "seat-title": "Typed title"}, "Choose the member organisation"),
        ({"seat-kind": "", "seat-title": "Typed title"}, "This field is required."),
    ],
)
def test_a_bad_new_seat_is_refused_and_keeps_what_was_typed(client_for, chair, data, message):
    before = _state()
    response = client_for(chair).post(reverse("members:seat_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    if data["seat-title"]:
        assert 'value="Typed title"' in html
    assert _state() == before


def test_a_second_active_seat_for_an_organisation_is_refused_with_a_form_error(client_for, chair, seat):
    before = _state()
    response = client_for(chair).post(
        reverse("members:seat_create"), {"seat-kind": "member", "seat-organisation": seat.organisation_id}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f"{seat.organisation.name} already has a seat. Retire it before adding another." in html
    assert _state() == before


def test_the_chair_retires_a_seat_and_it_is_kept(client_for, chair, seat):
    response = client_for(chair).post(reverse("members:seat_retire", args=[seat.pk]))
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.is_active is False
    assert seat.history.count() == 2
    html = client_for(chair).get(reverse("members:group")).content.decode()
    assert "Riverside PCN seat" not in html
    manage = client_for(chair).get(reverse("members:group_manage")).content.decode()
    assert "Retired seats (1)" in manage and f"<li>{seat.title} ({seat.get_kind_display().lower()})</li>" in manage


def test_a_retired_seats_organisation_can_have_a_new_seat(client_for, chair, seat):
    client_for(chair).post(reverse("members:seat_retire", args=[seat.pk]))
    response = client_for(chair).post(
        reverse("members:seat_create"), {"seat-kind": "member", "seat-organisation": seat.organisation_id}
    )
    assert response.status_code == 302
    assert Seat.objects.filter(organisation=seat.organisation).count() == 2


def test_retiring_a_retired_seat_changes_nothing(client_for, chair, seat):
    client = client_for(chair)
    client.post(reverse("members:seat_retire", args=[seat.pk]))
    before = _state()
    response = client.post(reverse("members:seat_retire", args=[seat.pk]), follow=True)
    assert "already retired" in response.content.decode()
    assert _state() == before


def test_a_retired_seat_cannot_be_given_a_holder(client_for, chair, seat, colleague):
    client = client_for(chair)
    client.post(reverse("members:seat_retire", args=[seat.pk]))
    before = _state()
    response = client.post(reverse("members:seat_edit", args=[seat.pk]), {"holder": colleague.pk})
    assert response.status_code == 302
    assert _state() == before


# Group roles ------------------------------------------------------------------------------------------------


def test_the_chair_gives_a_person_a_role(client_for, chair, colleague):
    response = client_for(chair).post(
        reverse("members:group_role_create"), {"role-user": colleague.pk, "role-role": "gatekeeper"}
    )
    assert response.status_code == 302
    role = GroupRole.objects.get(user=colleague)
    assert (role.role, role.started_on, role.ended_on) == ("gatekeeper", timezone.localdate(), None)
    assert role.history.count() == 1
    assert access.is_gatekeeper(colleague)


def test_a_person_cannot_be_given_a_role_they_hold(client_for, chair, observer_role):
    before = _state()
    response = client_for(chair).post(
        reverse("members:group_role_create"), {"role-user": observer_role.user_id, "role-role": "observer"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Ola Other is already observer." in html
    assert _state() == before


@pytest.mark.parametrize("data", [{"role-role": "gatekeeper"}, {"role-role": "emperor"}])
def test_a_bad_role_is_refused(client_for, chair, colleague, data):
    data = {"role-user": colleague.pk, **data} if data["role-role"] == "emperor" else data
    before = _state()
    assert client_for(chair).post(reverse("members:group_role_create"), data).status_code == 400
    assert _state() == before


def test_an_outsider_cannot_be_given_a_role(client_for, chair, outsider):
    response = client_for(chair).post(
        reverse("members:group_role_create"), {"role-user": outsider.pk, "role-role": "member"}
    )
    assert response.status_code == 400
    assert not GroupRole.objects.filter(user=outsider).exists()


def test_the_chair_ends_a_role_and_it_is_kept(client_for, chair, observer_role):
    response = client_for(chair).post(reverse("members:group_role_end", args=[observer_role.pk]))
    assert response.status_code == 302
    observer_role.refresh_from_db()
    assert observer_role.ended_on == timezone.localdate()
    assert observer_role.is_archived is True
    assert observer_role.history.count() == 2
    assert not access.is_group(observer_role.user)


def test_an_ended_role_can_be_given_again(client_for, chair, colleague):
    client = client_for(chair)
    role = GroupRoleFactory(user=colleague, role="observer")
    client.post(reverse("members:group_role_end", args=[role.pk]))
    response = client.post(
        reverse("members:group_role_create"), {"role-user": colleague.pk, "role-role": "observer"}
    )
    assert response.status_code == 302
    assert GroupRole.objects.live().filter(user=colleague, role="observer").count() == 1
    assert GroupRole.objects.filter(user=colleague, role="observer").count() == 2


def test_someone_whose_only_tie_was_an_ended_role_cannot_be_given_one(client_for, chair, observer_role):
    client = client_for(chair)
    client.post(reverse("members:group_role_end", args=[observer_role.pk]))
    response = client.post(
        reverse("members:group_role_create"), {"role-user": observer_role.user_id, "role-role": "observer"}
    )
    assert response.status_code == 400


def test_a_role_that_ended_but_was_not_archived_does_not_block_a_new_one(client_for, chair, colleague):
    old = GroupRoleFactory(user=colleague, role="member", ended_on=timezone.localdate() - timedelta(days=1))
    response = client_for(chair).post(
        reverse("members:group_role_create"), {"role-user": colleague.pk, "role-role": "member"}
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.is_archived
    assert access.group_roles(colleague) == {"member"}


def test_the_group_keeps_a_chair(client_for, chair):
    role = GroupRole.objects.get(user=chair, role="chair")
    before = _state()
    response = client_for(chair).post(reverse("members:group_role_end", args=[role.pk]), follow=True)
    assert "The group needs a chair." in response.content.decode()
    assert _state() == before


def test_a_chair_can_hand_over(client_for, chair, colleague):
    GroupRoleFactory(user=colleague, role="chair")
    role = GroupRole.objects.get(user=chair, role="chair")
    assert client_for(chair).post(reverse("members:group_role_end", args=[role.pk])).status_code == 302
    assert not GroupRole.objects.live().filter(user=chair).exists()


def test_ending_an_ended_role_changes_nothing(client_for, chair, observer_role):
    client = client_for(chair)
    client.post(reverse("members:group_role_end", args=[observer_role.pk]))
    before = _state()
    response = client.post(reverse("members:group_role_end", args=[observer_role.pk]), follow=True)
    assert "already ended" in response.content.decode()
    assert _state() == before


def test_the_candidates_are_the_people_working_for_the_place_or_on_its_group_now(testshire, riverton, colleague,
                                                                               observer_role):
    today = timezone.localdate()
    gone = MembershipFactory(ended_on=today).user
    MembershipFactory(is_archived=True)
    MembershipFactory(user=UserFactory(is_active=False))
    GroupRoleFactory(ended_on=today)
    with places.using(riverton):  # another place's people and group
        MembershipFactory(organisation=PracticeFactory(place=riverton, pcn=PCNFactory(place=riverton)))
        GroupRoleFactory(place=riverton)
    both = MembershipFactory(user=observer_role.user).user
    # What the rule says as plain joins: people with a current membership or a live role in the place.
    expected = list(User.objects.filter(is_active=True, pk__in=Membership.objects.current().values("user").union(
        GroupRole.objects.live().values("user"))).order_by("full_name", "email"))
    candidates = list(selectors.seat_candidates())
    assert candidates == expected
    assert {colleague, both} <= set(candidates) and gone not in candidates and len(candidates) == 2


def test_the_manage_page_reads_the_seat_forms_organisations_with_the_people_as_each_read_gives_them(testshire,
                                                                                                   colleague):
    """SeatCandidates(organisations=True) reads the people and the seat form's organisations in one query (issue 12:
    a round trip fewer on the manage page): the same rows, in the same order, as the two reads alone, and the
    same options drawn."""
    from members.forms import SeatCandidates, SeatForm, seat_organisations
    from members.models import Organisation

    from ..factories import OrganisationFactory

    for name in ("Zed & <Co> LMC", "Abbey \"Quoted\" Federation"):
        OrganisationFactory(name=name, kind=Organisation.Kind.LMC if "LMC" in name else Organisation.Kind.FEDERATION)
    PCNFactory(name="Brook PCN")
    OrganisationFactory(name="Archived LMC", kind=Organisation.Kind.LMC, is_archived=True)
    for name in ("Ann <A>", "ann & co", "Bob O'Neil", "Ann <A>"):
        MembershipFactory(user=UserFactory(full_name=name), organisation=PracticeFactory())
    together, alone = SeatCandidates(organisations=True), SeatCandidates()
    assert together.people == alone.people and len(together.people) == 5
    assert alone.organisations is None
    assert together.organisations == list(seat_organisations().values_list("pk", "name"))
    assert [name for _, name in together.organisations][:1] == ["Abbey \"Quoted\" Federation"]
    assert "Archived LMC" not in str(together.organisations) and "Surgery" not in str(together.organisations)
    drawn, reference = SeatForm(candidates=together), SeatForm(candidates=alone)
    for name in ("organisation", "holder", "deputy"):
        assert str(drawn[name]) == str(reference[name])
    assert "Zed &amp; &lt;Co&gt; LMC" in str(drawn["organisation"])


# Query count ------------------------------------------------------------------------------------------------


def _manage_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as captured:
        response = client.get(reverse("members:group_manage"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_manage_page_runs_the_same_number_of_queries_whatever_the_size(
    client_for, chair, django_assert_max_num_queries
):
    client = client_for(chair)
    SeatFactory(deputy=UserFactory())
    GroupRoleFactory()
    small = _manage_queries(client, django_assert_max_num_queries)
    for _ in range(6):
        SeatFactory(deputy=MembershipFactory().user)
        SeatFactory(organisation=None, kind="independent", title="Independent", is_active=False)
        GroupRoleFactory()
    large = _manage_queries(client, django_assert_max_num_queries)
    assert small == large
