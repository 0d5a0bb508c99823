from datetime import timedelta

import factory
from django.utils import timezone

from members.models import Declaration, GroupRole, Membership, Organisation, Place, Seat, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.nhs.uk")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        # allauth requires a verified address to sign in (mandatory verification).
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place
        django_get_or_create = ("slug",)

    name = "Testshire"
    slug = "testshire"
    commissioner_codes = "99A"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    place = factory.SubFactory(PlaceFactory)
    kind = Organisation.Kind.PRACTICE
    name = factory.Sequence(lambda n: f"Test Practice {n}")
    ods_code = factory.Sequence(lambda n: f"Y{n:05d}")
    postcode = "L1 8JQ"


class PCNFactory(OrganisationFactory):
    kind = Organisation.Kind.PCN
    name = factory.Sequence(lambda n: f"Test PCN {n}")
    ods_code = factory.Sequence(lambda n: f"U{n:05d}")


class PracticeFactory(OrganisationFactory):
    kind = Organisation.Kind.PRACTICE
    pcn = factory.SubFactory(PCNFactory)
    list_size = 8000
    list_size_date = factory.LazyFunction(timezone.localdate)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(PracticeFactory)
    role_title = "Practice Manager"


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    title = factory.LazyAttribute(lambda o: o.organisation.name if o.organisation else "Independent seat")
    kind = Seat.Kind.MEMBER
    organisation = factory.SubFactory(PCNFactory)
    holder = factory.SubFactory(UserFactory)
    deputy = None


class GroupRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupRole

    user = factory.SubFactory(UserFactory)
    role = GroupRole.Role.MEMBER


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    user = factory.SubFactory(UserFactory)
    interest = "Partner at a practice in the same PCN"
    declared_from = factory.LazyFunction(timezone.localdate)


# priorities


class ExerciseFactory(factory.django.DjangoModelFactory):
    """An exercise open for voting: opened yesterday, closing in three days."""

    class Meta:
        model = "priorities.Exercise"

    title = factory.Sequence(lambda n: f"Priorities {2026 + n}")
    purpose = "Agree what the group pushes for with the ICB this year."
    places = 2
    method = "ranked"
    weighting = "equal"
    status = "open"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=3))
    opened_at = factory.LazyAttribute(lambda o: o.opens_at if o.status != "draft" else None)
    created_by = factory.SubFactory(UserFactory)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "priorities.Candidate"

    exercise = factory.SubFactory(ExerciseFactory)
    title = factory.Sequence(lambda n: f"Candidate priority {n}")
    description = "What it would change for patients."
    influence_sought = "The ICB funds it from next April."
    position = factory.Sequence(lambda n: n)


class AgreedPriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "priorities.AgreedPriority"

    candidate = factory.SubFactory(CandidateFactory)
    exercise = factory.LazyAttribute(lambda o: o.candidate.exercise)
    title = factory.LazyAttribute(lambda o: o.candidate.title)
    confirmed_by = factory.SubFactory(UserFactory)


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "priorities.PlanItem"

    priority = factory.SubFactory(AgreedPriorityFactory)
    parent = None
    kind = "objective"
    title = factory.Sequence(lambda n: f"Plan item {n}")
    lead = "Dr Cara Director, Riverside PCN"
    rag_status = "green"


# decisions


class PrincipleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "decisions.Principle"
        django_get_or_create = ("title",)

    title = factory.Sequence(lambda n: f"Principle {n}")
    description = "What the group holds to."


class DecisionItemFactory(factory.django.DjangoModelFactory):
    """A decision item in discussion, with proposed wording ready for a consensus check."""

    class Meta:
        model = "decisions.DecisionItem"

    title = factory.Sequence(lambda n: f"Decision item {n}")
    question = "Should the group back the proposal?"
    background = "What the group needs to know."
    proposed_wording = "The group backs the proposal."
    raised_by = factory.SubFactory(UserFactory)
    status = "discussion"


class RoundFactory(factory.django.DjangoModelFactory):
    """An open round on an item in consensus check, asking every active seat, due in a week."""

    class Meta:
        model = "decisions.Round"
        skip_postgeneration_save = True

    item = factory.SubFactory(DecisionItemFactory, status="consensus_check")
    number = 1
    wording = factory.LazyAttribute(lambda o: o.item.proposed_wording)
    deadline = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))
    opened_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def seats(obj, create, extracted, **kwargs):
        if create:
            obj.seats.set(extracted if extracted is not None else Seat.objects.filter(is_active=True))


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "decisions.Position"

    round = factory.SubFactory(RoundFactory)
    seat = factory.SubFactory(SeatFactory)
    stance = "support"
    responded_by = factory.LazyAttribute(lambda o: o.seat.holder)


# representation
from representation.models import (  # noqa: E402
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
