"""`manage.py load_demo`: a fictional but realistic place, a person for every role, safe to run twice."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from members import places
from members.models import GroupRole, Membership, Organisation, Place, User

pytestmark = [pytest.mark.django_db, pytest.mark.every_place]


def _load(settings, demo_mode=True, **options):
    settings.DEMO_MODE = demo_mode
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_it_builds_a_realistic_place(settings):
    _load(settings)
    with places.using(Place.objects.get(slug="northbrook")):
        _assert_realistic_place()


def _assert_realistic_place():
    orgs = Organisation.objects.current()
    assert orgs.filter(kind="federation").count() == 1
    assert orgs.filter(kind="lmc").count() == 1
    assert orgs.pcns().count() == 5
    assert orgs.practices().count() == 20
    patients = orgs.practices().aggregate(total=Sum("list_size"))["total"]
    assert 190_000 <= patients <= 210_000
    assert not orgs.practices().filter(pcn__isnull=True).exists()
    roles = set(GroupRole.objects.values_list("role", flat=True))
    assert roles == {"chair", "gatekeeper", "member", "observer"}
    assert Membership.objects.voting_contacts().values("organisation").distinct().count() == 20


def test_it_prints_the_demo_sign_ins_and_they_work(settings, client):
    output = _load(settings, password="demo-passphrase-1")
    assert "chair@northbrook.demo.nhs.uk" in output
    assert "demo-passphrase-1" in output
    assert client.login(email="chair@northbrook.demo.nhs.uk", password="demo-passphrase-1")
    # Everyone a newcomer needs to reach consensus, confirm and publish: every seat's holder and deputy, the
    # representatives, and the public request form.
    from members import places
    from members.models import Place, Seat
    from representation.models import Representative

    northbrook = Place.objects.get(slug="northbrook")
    with places.using(northbrook):
        seats = list(Seat.objects.filter(is_active=True).select_related("holder", "deputy"))
        assert seats
        for seat in seats:
            for person in (seat.holder, seat.deputy):
                if person is not None:
                    assert person.email in output
        for rep in Representative.objects.current().select_related("user"):
            assert rep.user.email in output
    assert "/northbrook/representation/requests/new/" in output


def test_it_sets_no_passwords_outside_demo_mode(settings):
    output = _load(settings, demo_mode=False, password="should-not-be-used")
    assert "should-not-be-used" not in output
    assert not any(u.has_usable_password() for u in User.objects.all())


def test_running_it_twice_creates_nothing_new(settings):
    _load(settings)
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count(),
              GroupRole.objects.count())
    _load(settings)
    assert counts == (Organisation.objects.count(), User.objects.count(), Membership.objects.count(),
                      GroupRole.objects.count())


@pytest.mark.django_db(transaction=True)
def test_the_demo_emails_nobody(settings, mailoutbox):
    # Committed for real, so every on-commit email hook fires during the load, as it does in `make run`.
    _load(settings)
    assert mailoutbox == []
