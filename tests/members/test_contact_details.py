"""The contact details people choose to share: a person adds a phone number on their account page and chooses to
share their email address and/or phone number with the group; the directory and organisation pages show, beside
each person, only what they chose. Nothing is shared until they say so."""

import re

import pytest
from django.urls import reverse

from members.models import User

from ..factories import MembershipFactory, PCNFactory, PracticeFactory, SeatFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "0151 555 0123"


def _save(client, **data):
    return client.post(reverse("me:contact_details"), {f"contact-{key}": value for key, value in data.items()})


def _pages(client, practice) -> dict[str, str]:
    """The pages that list people: the directory, a search of it, the practice's page and its PCN's page."""
    return {
        "directory": client.get(reverse("members:directory")).content.decode(),
        "search": client.get(reverse("members:directory"), {"q": practice.name}).content.decode(),
        "practice": client.get(reverse("members:organisation", args=[practice.pk])).content.decode(),
        "pcn": client.get(reverse("members:organisation", args=[practice.pcn_id])).content.decode(),
    }


@pytest.fixture
def sharer(practice):
    """A practice manager whose details the tests share or not; a seat deputy too, so seat lines show them."""
    user = UserFactory(email="sharer@example.nhs.uk", full_name="Sam Sharer")
    MembershipFactory(user=user, organisation=practice)
    SeatFactory(organisation=practice.pcn, holder=UserFactory(full_name="Hana Holder"), deputy=user)
    return user


def test_a_person_saves_their_phone_and_what_they_share(client_for, sharer):
    response = _save(client_for(sharer), phone=f"  {PHONE} ", share=["email", "phone"])
    assert response.status_code == 302 and response["Location"].endswith("/account/#contact")
    sharer.refresh_from_db()
    assert (sharer.phone, sharer.shares_email, sharer.shares_phone) == (PHONE, True, True)
    latest = sharer.history.latest()
    assert (latest.phone, latest.shares_email, latest.shares_phone, latest.history_user) == (PHONE, True, True, sharer)


def test_the_account_page_shows_the_person_what_they_chose(client_for, sharer):
    client = client_for(sharer)
    _save(client, phone=PHONE, share=["phone"])
    html = client.get(reverse("me:account")).content.decode()
    assert f'value="{PHONE}"' in html
    assert re.search(r'<input type="checkbox" name="contact-share" value="phone"[^>]* checked\s*>', html)
    assert re.search(r'<input type="checkbox" name="contact-share" value="email"[^>]*>', html)
    assert not re.search(r'<input type="checkbox" name="contact-share" value="email"[^>]* checked\s*>', html)


def test_nothing_is_shared_until_the_person_chooses(client_for, chair, sharer, practice):
    assert not sharer.shares_email and not sharer.shares_phone
    sharer.phone = PHONE
    sharer.save(update_fields=["phone"])
    for name, html in _pages(client_for(chair), practice).items():
        assert "Sam Sharer" in html, name
        assert "sharer@example.nhs.uk" not in html, name
        assert PHONE not in html and "01515550123" not in html, name
        assert "mailto:" not in html and "tel:" not in html, name


def test_what_a_person_shares_shows_beside_them_on_every_page_that_lists_them(client_for, chair, sharer, practice):
    _save(client_for(sharer), phone=PHONE, share=["email", "phone"])
    for name, html in _pages(client_for(chair), practice).items():
        assert '<a href="mailto:sharer@example.nhs.uk">sharer@example.nhs.uk</a>' in html, name
        assert f'<a href="tel:01515550123">{PHONE}</a>' in html, name


def test_only_what_was_chosen_is_shown(client_for, chair, sharer, practice):
    _save(client_for(sharer), phone=PHONE, share=["email"])
    for name, html in _pages(client_for(chair), practice).items():
        assert "mailto:sharer@example.nhs.uk" in html, name
        assert PHONE not in html and "tel:" not in html, name
    _save(client_for(sharer), phone=PHONE, share=["phone"])
    for name, html in _pages(client_for(chair), practice).items():
        assert "tel:01515550123" in html, name
        assert "sharer@example.nhs.uk" not in html, name


def test_choosing_not_to_share_any_more_takes_the_details_off_the_pages(client_for, chair, sharer, practice):
    _save(client_for(sharer), phone=PHONE, share=["email", "phone"])
    _save(client_for(sharer), phone=PHONE)
    sharer.refresh_from_db()
    assert sharer.phone == PHONE and not sharer.shares_email and not sharer.shares_phone
    for name, html in _pages(client_for(chair), practice).items():
        assert "sharer@example.nhs.uk" not in html and PHONE not in html, name


def test_a_number_cannot_be_shared_without_one(client_for, sharer):
    response = _save(client_for(sharer), phone="", share=["phone"])
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Phone number: Enter your phone number to share it, or choose not to share it." in html
    sharer.refresh_from_db()
    assert not sharer.shares_phone


@pytest.mark.parametrize("typed", ["12345", "0151 555 01234 99", "phone me", "+1 212 555 0100"])
def test_a_number_that_is_not_a_uk_phone_number_is_refused_and_kept(client_for, sharer, typed):
    response = _save(client_for(sharer), phone=typed, share=["email"])
    assert response.status_code == 400
    html = response.content.decode()
    assert "Phone number: Enter a UK phone number, like 0151 555 0123 or 07700 900123." in html
    assert f'value="{typed}"' in html
    sharer.refresh_from_db()
    assert (sharer.phone, sharer.shares_email) == ("", False)


@pytest.mark.parametrize("typed", ["07700 900123", "+44 151 555 0123", "(0151) 555-0123", "01515550123"])
def test_uk_numbers_written_the_usual_ways_are_accepted(client_for, sharer, typed):
    assert _save(client_for(sharer), phone=typed, share=["phone"]).status_code == 302


def test_a_person_edits_only_their_own_details(client_for, sharer, chair):
    # Whatever else is posted, the page edits the signed-in person: there is no one else's to choose.
    response = client_for(chair).post(reverse("me:contact_details"), {
        "contact-phone": PHONE, "contact-share": ["email", "phone"], "user": sharer.pk, "pk": sharer.pk,
        "email": sharer.email,
    })
    assert response.status_code == 302
    sharer.refresh_from_db()
    chair.refresh_from_db()
    assert (sharer.phone, sharer.shares_email, sharer.shares_phone) == ("", False, False)
    assert (chair.phone, chair.shares_email, chair.shares_phone) == (PHONE, True, True)
    assert chair.email == "chair@example.nhs.uk"


def test_saving_details_needs_a_signed_in_person_and_a_post(client, client_for, sharer):
    response = client.post(reverse("me:contact_details"), {"contact-phone": PHONE, "contact-share": ["email"]})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client_for(sharer).get(reverse("me:contact_details")).status_code == 405
    assert not User.objects.filter(phone=PHONE).exists()
    assert not User.objects.filter(shares_email=True).exists()


def _count_queries(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(25) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _sharing_person(organisation):
    user = UserFactory(phone=PHONE, shares_email=True, shares_phone=True)
    MembershipFactory(user=user, organisation=organisation)
    return user


def test_the_directory_reads_shared_details_in_a_constant_number_of_queries(
    client_for, chair, django_assert_max_num_queries
):
    client = client_for(chair)
    pcn = PCNFactory()
    _sharing_person(PracticeFactory(pcn=pcn))
    SeatFactory(organisation=pcn, holder=_sharing_person(pcn), deputy=_sharing_person(pcn))
    url = reverse("members:directory")
    small = _count_queries(client, url, django_assert_max_num_queries)
    for _ in range(3):
        other = PCNFactory()
        SeatFactory(organisation=other, holder=_sharing_person(other), deputy=_sharing_person(other))
        for _ in range(3):
            _sharing_person(PracticeFactory(pcn=other))
    large = _count_queries(client, url, django_assert_max_num_queries)
    assert small == large
    html = client.get(url).content.decode()
    assert all(f"mailto:{user.email}" in html for user in User.objects.filter(shares_email=True))


def test_an_organisation_page_reads_shared_details_in_a_constant_number_of_queries(
    client_for, chair, django_assert_max_num_queries
):
    client = client_for(chair)
    pcn = PCNFactory()
    SeatFactory(organisation=pcn, holder=_sharing_person(pcn), deputy=_sharing_person(pcn))
    _sharing_person(PracticeFactory(pcn=pcn))
    url = reverse("members:organisation", args=[pcn.pk])
    small = _count_queries(client, url, django_assert_max_num_queries)
    for _ in range(5):
        _sharing_person(pcn)
        _sharing_person(PracticeFactory(pcn=pcn))
    assert _count_queries(client, url, django_assert_max_num_queries) == small
    # The member practices' table shows each practice's people with what they share, as the directory does.
    html = client.get(url).content.decode()
    assert all(f"mailto:{user.email}" in html for user in User.objects.filter(shares_email=True))


@pytest.mark.parametrize(("shares_email", "shares_phone"), [(False, False), (True, False), (False, True), (True, True)])
def test_the_directory_s_rows_show_a_person_as_their_membership_does(practice, shares_email, shares_phone):
    # The directory reads its people as rows (members.selectors.DirectoryPerson.of_row); a practice's page and a
    # search read memberships (DirectoryPerson.of): both must name the person and share only what they chose.
    from members.models import Membership
    from members.selectors import DirectoryPerson, _people_rows

    user = UserFactory(full_name="", email="rowan@example.nhs.uk", phone=PHONE, shares_email=shares_email,
                       shares_phone=shares_phone)
    membership = MembershipFactory(user=user, organisation=practice, role_title="Practice manager")
    [(organisation_id, *row)] = _people_rows(Membership.objects.filter(pk=membership.pk))
    assert organisation_id == practice.pk
    assert DirectoryPerson.of_row(*row) == DirectoryPerson.of(membership) == DirectoryPerson(
        "rowan@example.nhs.uk", "Practice manager", membership.is_voting_contact,
        "rowan@example.nhs.uk" if shares_email else "", PHONE if shares_phone else "")
