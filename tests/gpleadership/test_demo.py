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
    # Some people share their contact details in the directory, and some do not.
    people = User.objects.filter(memberships__in=Membership.objects.current())
    assert people.filter(shares_email=True).exists() and people.filter(shares_phone=True).exists()
    assert people.filter(shares_email=False, shares_phone=False).exists()


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


def test_it_prints_a_practice_manager_without_a_vote_who_can_sign_in(settings, client):
    output = _load(settings, password="demo-passphrase-1")
    line = next(line for line in output.splitlines() if "Practice manager without a vote" in line)
    email = line.split()[-1]
    northbrook = Place.objects.get(slug="northbrook")
    with places.using(northbrook):
        membership = Membership.objects.current().select_related("organisation").get(user__email=email)
        assert membership.organisation.kind == "practice" and not membership.is_voting_contact
        assert Membership.objects.voting_contacts().filter(organisation=membership.organisation).exclude(
            user__email=email).exists()
        assert not GroupRole.objects.live().filter(user__email=email).exists()
    assert client.login(email=email, password="demo-passphrase-1")


def _history_of(model):
    return model.history.values_list("id", "history_type", "history_date")


def test_the_demo_s_history_is_spread_over_the_past_months_and_agrees_with_itself(settings):
    from datetime import timedelta

    from django.utils import timezone

    from decisions.models import Acknowledgement, DecisionItem, Position, Round
    from priorities.models import Ballot, Exercise
    from representation.models import Action, Feedback, Meeting, Request

    _load(settings)
    loaded = timezone.now()
    # Each model, and the field that says when a row was made: it agrees with the row's first history record.
    made = {DecisionItem: "created_at", Round: "opened_at", Position: "responded_at", Ballot: "cast_at",
            Exercise: "created_at", Action: "created_at", Request: "received_at",
            Acknowledgement: "acknowledged_at", Meeting: None, Feedback: "updated_at"}
    weeks = set()
    with places.unscoped():
        for model, field in made.items():
            dates = list(model.history.values_list("history_date", flat=True))
            assert dates, model
            assert max(dates) <= loaded, f"{model.__name__} has history in the future"
            weeks |= {d.isocalendar()[:2] for d in dates}
            assert max(dates) - min(dates) > timedelta(days=1), f"{model.__name__} was all written at once"
            if field is None:
                continue
            first = {row["id"]: row["history_date"] for row in model.history.filter(history_type="+")
                     .values("id", "history_date")}
            for pk, stamp in model.objects.values_list("pk", field):
                assert stamp <= loaded, f"{model.__name__} {pk} {field} is in the future"
                if field != "updated_at":
                    assert abs(first[pk] - stamp) < timedelta(minutes=1), f"{model.__name__} {pk}: {field}"
        # Feedback last edited when its row says.
        for feedback in Feedback.objects.all():
            assert abs(feedback.history.latest().history_date - feedback.updated_at) < timedelta(minutes=1)
        # An item is raised before its first round opens, and a round's positions come after it opens.
        for item in DecisionItem.objects.prefetch_related("rounds"):
            for the_round in item.rounds.all():
                assert item.created_at < the_round.opened_at
        for position in Position.objects.select_related("round"):
            assert position.round.opened_at <= position.responded_at
        for request in Request.objects.exclude(triaged_at=None):
            assert request.received_at < request.triaged_at <= loaded
        # Nothing the demo wrote, of any kind, is dated after it finished.
        from django.apps import apps

        for model in [m for m in apps.get_models() if any(f.name == "history_date" for f in m._meta.fields)]:
            latest = model._default_manager.order_by("-history_date").values_list("history_date", flat=True).first()
            assert latest is None or latest <= loaded, f"{model.__name__} has history in the future"
    assert len(weeks) >= 8, f"the history falls in only {len(weeks)} weeks"
    # The clock is Django's own again: what happens after the load is stamped now.
    from datetime import UTC, datetime

    assert abs(timezone.now() - datetime.now(UTC)) < timedelta(seconds=5)
    with places.using(Place.objects.get(slug="northbrook")):
        action = Action.objects.create(title="After the demo", owner=User.objects.first(), due_on=loaded.date(),
                                       created_by=User.objects.first())
    assert action.created_at >= loaded and action.history.get().history_date >= loaded
