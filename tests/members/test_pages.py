"""Members pages: who may see them, who may not, and what they show."""

import pytest
from django.urls import reverse

from members import places, selectors
from members.models import Declaration

from ..factories import (
    DeclarationFactory,
    MembershipFactory,
    OrganisationFactory,
    PCNFactory,
    PracticeFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARTICIPANT_PAGES = ["members:directory", "members:group"]


@pytest.mark.parametrize("name", PARTICIPANT_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PARTICIPANT_PAGES)
def test_it_refuses_a_signed_in_person_with_no_role(client_for, outsider, name):
    assert client_for(outsider).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PARTICIPANT_PAGES)
@pytest.mark.parametrize("persona", ["chair", "member", "observer", "practice_user"])
def test_it_shows_participants_the_page(client_for, request, name, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse(name)).status_code == 200


def test_directory_lists_pcns_with_practices_list_sizes_and_people(client_for, practice_user, practice):
    response = client_for(practice_user).get(reverse("members:directory"))
    html = response.content.decode()
    assert practice.pcn.name in html
    assert "Riverside Surgery" in html
    assert "8,000" in html
    assert "Priya Manager (Practice Manager, voting contact)" in html


def test_directory_hides_archived_and_closed_practices(client_for, practice_user, practice):
    PracticeFactory(name="Closed Surgery", pcn=practice.pcn, status="closed")
    PracticeFactory(name="Archived Surgery", pcn=practice.pcn, is_archived=True)
    html = client_for(practice_user).get(reverse("members:directory")).content.decode()
    assert "Closed Surgery" not in html
    assert "Archived Surgery" not in html


def _directory_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as captured:
        response = client.get(reverse("members:directory"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_directory_runs_the_same_number_of_queries_whatever_the_size(
    client_for, chair, django_assert_max_num_queries
):
    client = client_for(chair)
    pcn = PCNFactory()
    for _ in range(2):
        MembershipFactory(organisation=PracticeFactory(pcn=pcn))
    small = _directory_queries(client, django_assert_max_num_queries)
    for _ in range(4):
        other = PCNFactory()
        for _ in range(5):
            MembershipFactory(organisation=PracticeFactory(pcn=other))
    large = _directory_queries(client, django_assert_max_num_queries)
    assert small == large


def test_the_directory_finds_a_practice_by_name_ods_code_or_postcode(client_for, chair):
    pcn = PCNFactory(name="Riverside PCN")
    PracticeFactory(name="Riverside Surgery", ods_code="A81001", postcode="L1 8JQ", pcn=pcn)
    PracticeFactory(name="Hillside Medical Centre", ods_code="A81002", postcode="M4 1AB", pcn=pcn)
    PracticeFactory(name="Closed Riverside", ods_code="A81003", postcode="L1 9XX", status="closed")
    client = client_for(chair)
    url = reverse("members:directory")

    def found(query):
        html = client.get(url, {"q": query}).content.decode()
        return [name for name in ("Riverside Surgery", "Hillside Medical Centre", "Closed Riverside")
                if f">{name}</a>" in html]

    assert found("riverside") == ["Riverside Surgery"]  # closed practices are not in the directory
    assert found("a81002") == ["Hillside Medical Centre"]
    assert found("L1 8JQ") == ["Riverside Surgery"]
    assert found("l18") == ["Riverside Surgery"]  # the start of a postcode, spaces ignored
    assert found("M4") == ["Hillside Medical Centre"]
    assert found("nowhere") == []
    html = client.get(url, {"q": "nowhere"}).content.decode()
    assert "0 practices found for “nowhere”" in html and 'value="nowhere"' in html  # what was typed is kept


def test_the_directory_comes_a_page_of_pcns_at_a_time_and_search_results_keep_the_search(client_for, chair):
    from members.views import DIRECTORY_PCNS_PER_PAGE, DIRECTORY_RESULTS_PER_PAGE

    for n in range(DIRECTORY_PCNS_PER_PAGE + 1):
        PracticeFactory(name=f"Surgery {n:03d}", pcn=PCNFactory(name=f"PCN {n:03d}"), list_size=1000)
    client = client_for(chair)
    url = reverse("members:directory")
    first = client.get(url).content.decode()
    assert f"{DIRECTORY_PCNS_PER_PAGE + 1} open practices in {DIRECTORY_PCNS_PER_PAGE + 1} PCNs" in first
    assert "PCN 000" in first and f"PCN {DIRECTORY_PCNS_PER_PAGE:03d}" not in first and "Page 2 of 2" in first
    assert f"PCN {DIRECTORY_PCNS_PER_PAGE:03d}" in client.get(url, {"page": 2}).content.decode()
    for n in range(DIRECTORY_RESULTS_PER_PAGE):
        PracticeFactory(name=f"Surgery extra {n:03d}")
    results = client.get(url, {"q": "surgery"}).content.decode()
    assert "q=surgery&amp;page=2" in results
    assert client.get(url, {"q": "surgery", "page": "2"}).status_code == 200


def _first_page(place):
    with places.using(place):
        count = selectors.directory_totals()["listed_pcns"]
        page, unassigned, others = selectors.directory_page(None, count=count, size=10)
        return [(pcn.name, [p.name for p in pcn.practice_list], [s.title for s in pcn.active_seats],
                 [person.name for person in pcn.current_memberships]) for pcn in page], [p.name for p in unassigned]


def test_the_directory_s_first_page_is_each_place_s_own_though_its_sql_is_prepared_once(testshire, riverton):
    # The first page comes from SQL compiled in a stand-in place (members.prepared), run again with each place's id.
    for place, name in ((testshire, "Testshire"), (riverton, "Riverton")):
        with places.using(place):
            pcn = PCNFactory(name=f"{name} PCN", place=place)
            PracticeFactory(name=f"{name} Surgery", pcn=pcn, place=place)
            PracticeFactory(name=f"{name} Lone Surgery", pcn=None, place=place)
            SeatFactory(organisation=pcn, title=f"{name} seat")
            MembershipFactory(organisation=pcn, user=UserFactory(full_name=f"{name} Director"))
    for _ in range(2):
        assert _first_page(testshire) == (
            [("Testshire PCN", ["Testshire Surgery"], ["Testshire seat"], ["Testshire Director"])],
            ["Testshire Lone Surgery"])
        assert _first_page(riverton) == (
            [("Riverton PCN", ["Riverton Surgery"], ["Riverton seat"], ["Riverton Director"])],
            ["Riverton Lone Surgery"])


def test_the_directory_names_a_pcn_s_vacant_seat_and_its_deputy(client_for, chair):
    pcn = PCNFactory(name="Riverside PCN")
    SeatFactory(organisation=pcn, holder=None, deputy=UserFactory(full_name="Dee Deputy"))
    html = client_for(chair).get(reverse("members:directory")).content.decode()
    assert "Seat on the group: vacant (deputy Dee Deputy)." in html


def test_the_directory_lists_the_other_organisations_with_their_people_or_a_dash(client_for, chair):
    lmc = OrganisationFactory(kind="lmc", name="Testshire LMC")
    OrganisationFactory(kind="federation", name="Testshire GP Federation")
    MembershipFactory(organisation=lmc, role_title="Secretary",
                      user=UserFactory(full_name="Sam Secretary", email="sam@lmc.example", shares_email=True))
    html = client_for(chair).get(reverse("members:directory")).content.decode()
    assert (f'<a href="{reverse("members:organisation", args=[lmc.pk])}">Testshire LMC</a></td>'
            '<td class="nhsuk-table__cell">Local Medical Committee</td><td class="nhsuk-table__cell">Sam Secretary '
            '(Secretary)<span class="portal-contact"> – <a href="mailto:sam@lmc.example">sam@lmc.example</a></span>'
            "</td></tr>") in html
    assert "Testshire GP Federation</a></td><td class=\"nhsuk-table__cell\">GP federation</td>" \
           '<td class="nhsuk-table__cell">–</td>' in html


def test_the_directory_counts_each_pcn_s_open_practices_and_patients(client_for, chair):
    pcn = PCNFactory(name="Riverside PCN")
    PracticeFactory(pcn=pcn, list_size=8000)
    PracticeFactory(pcn=pcn, list_size=4500)
    PracticeFactory(pcn=pcn, list_size=9999, status="closed")
    html = client_for(chair).get(reverse("members:directory")).content.decode()
    assert "2 practices, 12,500 patients" in html


def test_organisation_page_shows_a_practice(client_for, practice_user, practice):
    response = client_for(practice_user).get(reverse("members:organisation", args=[practice.pk]))
    assert response.status_code == 200
    assert practice.ods_code in response.content.decode()


def test_organisation_page_refuses_outsiders_and_anonymous(client, client_for, outsider, practice):
    url = reverse("members:organisation", args=[practice.pk])
    assert client_for(outsider).get(url).status_code == 404  # not theirs to see: as if it did not exist
    assert client.get(url).status_code == 302


def test_organisation_page_hides_archived_organisations_from_practices(client_for, practice_user):
    archived = PracticeFactory(is_archived=True)
    url = reverse("members:organisation", args=[archived.pk])
    assert client_for(practice_user).get(url).status_code == 404


def test_unknown_organisation_is_not_found(client_for, chair):
    assert client_for(chair).get(reverse("members:organisation", args=[999999])).status_code == 404


def test_group_page_names_the_chair_and_seats(client_for, chair, member, gatekeeper):
    html = client_for(member).get(reverse("members:group")).content.decode()
    assert "Clare Chair" in html
    assert "Gita Gatekeeper" in html
    assert "Mo Member" in html


def test_about_page_is_public(client, chair):
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert "consensus" in response.content.decode()
    assert "Chair: Clare Chair" in response.content.decode()


def test_the_about_page_names_only_the_chair_in_office(client, chair):
    from django.utils import timezone

    from members.models import GroupRole

    from ..factories import GroupRoleFactory, UserFactory

    GroupRoleFactory(user=UserFactory(full_name="Former Chair"), role=GroupRole.Role.CHAIR,
                     ended_on=timezone.localdate())
    html = client.get(reverse("about")).content.decode()
    assert "Chair: Clare Chair</p>" in html and "Former Chair" not in html


def test_home_needs_sign_in(client):
    assert client.get(reverse("home")).status_code == 302


def test_home_greets_a_practice_user_with_their_practice(client_for, practice_user):
    html = client_for(practice_user).get(reverse("home")).content.decode()
    assert "Riverside Surgery (Practice Manager)" in html


# Declarations of interest ---------------------------------------------------------------------------------


def test_declarations_register_is_for_the_group_only(client, client_for, member, practice_user, outsider):
    url = reverse("members:declarations")
    assert client_for(member).get(url).status_code == 200
    assert client_for(practice_user).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 403
    assert client.get(url).status_code == 302


def test_a_member_declares_an_interest(client_for, member, practice):
    response = client_for(member).post(
        reverse("members:declarations"),
        {"interest": "Partner at Riverside Surgery", "organisation": practice.pk, "declared_from": "2026-04-01"},
    )
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.user == member
    assert declaration.organisation == practice
    assert declaration.history.count() == 1


def test_a_bad_declaration_is_refused_and_keeps_what_was_typed(client_for, member):
    response = client_for(member).post(
        reverse("members:declarations"),
        {"interest": "Director of the federation", "declared_from": "2026-04-01", "declared_to": "2026-01-01"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The end date must be on or after the start date." in html
    assert "Director of the federation" in html
    assert not Declaration.objects.exists()


def test_ending_a_declaration_keeps_it_on_the_register(client_for, member):
    declaration = DeclarationFactory(user=member)
    response = client_for(member).post(reverse("members:declaration_end", args=[declaration.pk]))
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.declared_to is not None
    assert Declaration.objects.filter(pk=declaration.pk).exists()
    assert declaration.history.count() == 2


def test_only_the_declarer_or_the_chair_ends_a_declaration(client, client_for, member, chair, observer):
    declaration = DeclarationFactory(user=member)
    url = reverse("members:declaration_end", args=[declaration.pk])
    assert client_for(observer).post(url).status_code == 403
    assert client.post(url).status_code == 302
    declaration.refresh_from_db()
    assert declaration.declared_to is None
    assert client_for(chair).post(url).status_code == 302
    declaration.refresh_from_db()
    assert declaration.declared_to is not None


def test_ending_a_declaration_needs_a_post(client_for, member):
    declaration = DeclarationFactory(user=member)
    assert client_for(member).get(reverse("members:declaration_end", args=[declaration.pk])).status_code == 405


def test_home_greets_people_by_first_name_not_title(client_for, practice_user):
    practice_user.full_name = "Dr Priya Manager"
    practice_user.save(update_fields=["full_name"])
    assert "Hello, Priya" in client_for(practice_user).get(reverse("home")).content.decode()


def test_the_directory_without_pcns_says_how_to_import_them(client_for, chair):
    html = client_for(chair).get(reverse("members:directory")).content.decode()
    assert "No PCNs yet. An administrator can import them with <code>manage.py import_ods</code>." in html
    assert 'class="nhsuk-contents-list"' not in html
    PCNFactory(name="Only PCN")
    html = client_for(chair).get(reverse("members:directory")).content.decode()
    assert "No PCNs yet" not in html and 'href="#pcn-' in html and "Only PCN</a></h2>" in html
