"""The signed links in emails: made for one purpose, unaltered, and not older than EMAIL_LINK_MAX_AGE_DAYS."""

import time

import pytest
from django.core import signing

from members import email_links


def aged(purpose: str, days: float, **ids) -> str:
    """A link as it would have been made `days` ago."""

    class Then(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - days * 86400))

    return Then(salt=email_links.SALT).sign_object({"p": purpose, **ids}, compress=True)


def test_it_reads_back_what_it_names():
    token = email_links.make("acknowledge", item=12, practice=3)
    assert email_links.read(token, "acknowledge") == {"item": 12, "practice": 3}


def test_a_link_inside_its_lifetime_works(settings):
    settings.EMAIL_LINK_MAX_AGE_DAYS = 14
    assert email_links.read(aged("ballot", 13.9, exercise=1, practice=2), "ballot") == {"exercise": 1, "practice": 2}


def test_an_old_link_has_expired(settings):
    settings.EMAIL_LINK_MAX_AGE_DAYS = 14
    with pytest.raises(email_links.LinkExpired) as error:
        email_links.read(aged("ballot", 14.1, exercise=1, practice=2), "ballot")
    assert "14 days" in error.value.message


@pytest.mark.parametrize("alter", [
    lambda t: t.replace(t[5], "A" if t[5] != "A" else "B", 1),   # the payload
    lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"),  # the signature
    lambda t: t.split(":")[0],                                    # no signature at all
    lambda t: "",
])
def test_an_altered_link_is_refused(alter):
    token = email_links.make("acknowledge", item=12, practice=3)
    with pytest.raises(email_links.LinkError) as error:
        email_links.read(alter(token), "acknowledge")
    assert not isinstance(error.value, email_links.LinkExpired)


def test_a_link_made_for_one_purpose_does_not_work_for_another():
    token = email_links.make("ballot", exercise=12, practice=3)
    with pytest.raises(email_links.LinkError):
        email_links.read(token, "acknowledge")


def test_a_link_signed_with_another_secret_is_refused(settings):
    token = email_links.make("acknowledge", item=12, practice=3)
    settings.SECRET_KEY = "another-secret-" + "x" * 40
    with pytest.raises(email_links.LinkError):
        email_links.read(token, "acknowledge")


@pytest.mark.django_db
@pytest.mark.parametrize("view_name, purpose, ids", [
    ("priorities:ballot_by_link", "ballot", {"exercise": 2, "practice": 6162}),
    ("decisions:acknowledge_by_link", "acknowledge", {"item": 12, "practice": 3}),
    ("decisions:respond_by_link", "respond", {"round": 4, "seat": 1}),
])
def test_a_links_address_is_the_one_its_view_is_reversed_to_in_its_place(settings, view_name, purpose, ids):
    from django.urls import reverse

    from members import places
    from tests.factories import PlaceFactory

    with places.using(PlaceFactory(name="North", slug="north")):
        address = email_links.url(view_name, purpose, **ids)
        token = address.rstrip("/").rsplit("/", 1)[1]
        assert address == settings.SITE_URL + reverse(view_name, args=[token])
        assert "/north/" in address and email_links.read(token, purpose) == ids
