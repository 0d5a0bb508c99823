"""Factories for the representation app (kept beside its tests so that the shared factories file stays short)."""

from datetime import timedelta

import factory
from django.utils import timezone

from members.models import Organisation
from representation.models import (
    Action,
    AgendaItem,
    Briefing,
    Feedback,
    Forum,
    LeadershipMeeting,
    Meeting,
    Representative,
    Request,
    Review,
    add_working_days,
)

from ..factories import OrganisationFactory, UserFactory


class PartnerFactory(OrganisationFactory):
    kind = Organisation.Kind.TRUST
    name = factory.Sequence(lambda n: f"Test Hospitals NHS Trust {n}")
    ods_code = factory.Sequence(lambda n: f"R{n:04d}")


class ForumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forum

    name = factory.Sequence(lambda n: f"Place partnership board {n}")
    host = factory.SubFactory(PartnerFactory)
    cadence = "Monthly"
    feedback_due_days = 7


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    forum = factory.SubFactory(ForumFactory)
    user = factory.SubFactory(UserFactory)
    role = Representative.Role.REPRESENTATIVE
    term_starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    term_ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=700))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    forum = factory.SubFactory(ForumFactory)
    held_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=2))
    feedback_due_on = factory.LazyAttribute(lambda o: o.held_on + timedelta(days=o.forum.feedback_due_days))
    created_by = factory.SubFactory(UserFactory)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Agenda item {n}")
    position = factory.Sequence(lambda n: n + 1)


class BriefingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Briefing

    agenda_item = factory.SubFactory(AgendaItemFactory)
    position = "General practice supports the plan if it is funded."
    may_agree = "Agree the principle."
    written_by = factory.SubFactory(UserFactory)


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    agenda_item = factory.SubFactory(AgendaItemFactory)
    discussed = "The trust presented its plan."
    written_by = factory.SubFactory(UserFactory)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    created_by = factory.SubFactory(UserFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    representative = factory.SubFactory(RepresentativeFactory)
    working_well = "Clear feedback after every meeting."
    recorded_by = factory.SubFactory(UserFactory)


class RequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Request

    requester_name = "Tess Partner"
    requester_email = factory.Sequence(lambda n: f"partner{n}@trust.example.nhs.uk")
    requester_role = "Director of strategy"
    organisation_name = "Test Hospitals NHS Trust"
    summary = factory.Sequence(lambda n: f"Request {n}")
    details = "We would like general practice's view on discharge letters."
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    received_at = factory.LazyFunction(timezone.now)
    triage_due_on = factory.LazyAttribute(lambda o: add_working_days(timezone.localtime(o.received_at).date(), 5))


class LeadershipMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadershipMeeting

    meets_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    has_partner_slot = True
