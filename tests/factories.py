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
