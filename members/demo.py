"""A fictional but realistic place for demonstrations: Northbrook, with one federation, one LMC,
five PCNs and twenty practices caring for about 200,000 patients, and a person for every role."""

from dataclasses import dataclass, field
from datetime import date

from allauth.account.models import EmailAddress
from django.db import transaction

from . import places
from .models import ICS, Declaration, GroupRole, Membership, Organisation, Place, Seat, User

PCNS = [
    ("U90001", "Northbrook Central PCN", ["Market Street Surgery", "Abbey Medical Centre", "Castle View Practice",
                                         "Northbrook Health Centre"]),
    ("U90002", "Riverside PCN", ["Riverside Surgery", "Quayside Medical Practice", "Mill Lane Surgery",
                                 "Harbour Family Practice"]),
    ("U90003", "Eastfield PCN", ["Eastfield Group Practice", "Orchard Surgery", "Beacon Medical Centre",
                                 "Parkway Practice"]),
    ("U90004", "Westgate & Moor PCN", ["Westgate Surgery", "Moorland Medical Group", "Hilltop Practice",
                                       "Fernhill Surgery"]),
    ("U90005", "Southbank PCN", ["Southbank Medical Centre", "Chapel Road Surgery", "Willow Tree Practice",
                                 "Station Road Surgery"]),
]
# List sizes sum to 201,650: a typical place of twenty practices.
LIST_SIZES = [14200, 9800, 7600, 11950, 12400, 6300, 8900, 10100, 15800, 7200, 9400, 8100, 13300, 11000, 5900,
              8750, 12600, 9900, 7150, 11300]
FIRST_NAMES = ["Aisha", "Ben", "Catherine", "Dev", "Eleanor", "Femi", "Grace", "Harry", "Imran", "Jo", "Kiran",
               "Laura", "Matt", "Nadia", "Owen", "Parveen", "Rob", "Sana", "Tom", "Usha", "Vik", "Wendy", "Yusuf",
               "Zara"]
LAST_NAMES = ["Ahmed", "Barnes", "Clarke", "Desai", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones", "Khan",
              "Lloyd", "Morgan", "Nwosu", "O'Brien", "Patel", "Quinn", "Roberts", "Shah", "Taylor"]
DEMO_DOMAIN = "northbrook.demo.nhs.uk"


@dataclass
class DemoPeople:
    """The demo sign-ins by role, for printing and for other apps' demo data."""

    chair: User | None = None
    gatekeeper: User | None = None
    observer: User | None = None
    lmc_chair: User | None = None
    federation_director: User | None = None
    clinical_directors: list[User] = field(default_factory=list)
    practice_managers: list[User] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    practices: list[Organisation] = field(default_factory=list)
    pcns: list[Organisation] = field(default_factory=list)
    place: Place | None = None
    lmc: Organisation | None = None
    federation: Organisation | None = None


def _person(email: str, full_name: str, job_title: str, password_hash: str | None) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, "job_title": job_title})
    if created or password_hash:
        if password_hash:
            user.password = password_hash
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _membership(user, organisation, role_title, **flags):
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, is_archived=False, defaults={"role_title": role_title, **flags}
    )
    return membership


def _role(user, role):
    GroupRole.objects.get_or_create(user=user, role=role, is_archived=False)


def demo_ics() -> ICS:
    ics, _ = ICS.objects.get_or_create(
        ods_code="QZZ", defaults={"name": "North Shire Integrated Care System", "slug": "north-shire"}
    )
    return ics


def demo_place() -> Place:
    """The demo's first place, Northbrook, in the North Shire ICS."""
    place, _ = Place.objects.get_or_create(
        slug="northbrook",
        defaults={
            "name": "Northbrook",
            "commissioner_codes": "99Z",
            "group_name": "Northbrook GP Leadership Group",
            "about": "Northbrook's GP Leadership Group brings together the five PCNs, the LMC and the federation "
            "so that general practice in Northbrook speaks with one voice to the place partnership.",
            "ics": demo_ics(),
        },
    )
    return place


@transaction.atomic
def load_members(*, password_hash: str | None) -> DemoPeople:
    """Create (or find again) the demo place's people and organisations, working in it. Idempotent."""
    people = DemoPeople()
    place = places.current_place()
    people.place = place

    def org(kind, ods, name, **extra):
        obj, _ = Organisation.objects.get_or_create(
            ods_code=ods, defaults={"place": place, "kind": kind, "name": name, **extra}
        )
        return obj

    lmc, _ = Organisation.objects.get_or_create(
        place=place, kind=Organisation.Kind.LMC, name="Northbrook Local Medical Committee",
        defaults={"address": "1 Guild Street\nNorthbrook", "postcode": "NB1 1AA"},
    )
    federation, _ = Organisation.objects.get_or_create(
        place=place, kind=Organisation.Kind.FEDERATION, name="Northbrook GP Federation",
        defaults={"address": "Unit 4, Enterprise Park\nNorthbrook", "postcode": "NB2 4PX"},
    )
    people.lmc, people.federation = lmc, federation
    org(Organisation.Kind.ICB, "QZZ", "North Shire Integrated Care Board")
    org(Organisation.Kind.TRUST, "RZZ", "Northbrook Hospitals NHS Foundation Trust")
    Organisation.objects.get_or_create(place=place, kind=Organisation.Kind.COUNCIL, name="Northbrook City Council")

    names = iter((FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)]) for i in range(200))
    sizes = iter(LIST_SIZES)
    n = 0
    for pcn_code, pcn_name, practice_names in PCNS:
        pcn = org(Organisation.Kind.PCN, pcn_code, pcn_name, postcode="NB3 2QT")
        people.pcns.append(pcn)
        first, last = next(names)
        cd = _person(f"cd.{pcn_code.lower()}@{DEMO_DOMAIN}", f"Dr {first} {last}", "Clinical Director", password_hash)
        _membership(cd, pcn, "Clinical Director")
        people.clinical_directors.append(cd)
        seat, _ = Seat.objects.get_or_create(
            organisation=pcn, is_active=True, defaults={"title": pcn_name, "kind": Seat.Kind.MEMBER, "holder": cd}
        )
        people.seats.append(seat)
        for practice_name in practice_names:
            n += 1
            practice = org(
                Organisation.Kind.PRACTICE, f"Y9{n:04d}", practice_name, pcn=pcn, list_size=next(sizes),
                list_size_date=date(2026, 10, 1), address=f"{n} High Street\nNorthbrook",
                postcode=f"NB{n % 9 + 1} {n % 9 + 1}AB",
            )
            people.practices.append(practice)
            first, last = next(names)
            pm = _person(f"pm.y9{n:04d}@{DEMO_DOMAIN}", f"{first} {last}", "Practice Manager", password_hash)
            _membership(pm, practice, "Practice Manager", is_voting_contact=True)
            people.practice_managers.append(pm)

    people.chair = _person(f"chair@{DEMO_DOMAIN}", "Dr Helen Ashworth", "GP partner", password_hash)
    _membership(people.chair, people.practices[0], "GP partner")
    _role(people.chair, GroupRole.Role.CHAIR)
    people.gatekeeper = _person(f"gatekeeper@{DEMO_DOMAIN}", "Sam Okafor", "Group manager", password_hash)
    _membership(people.gatekeeper, federation, "Head of primary care development")
    _role(people.gatekeeper, GroupRole.Role.GATEKEEPER)
    people.lmc_chair = _person(f"lmc@{DEMO_DOMAIN}", "Dr Rachel Lindqvist", "LMC chair", password_hash)
    _membership(people.lmc_chair, lmc, "LMC chair")
    people.federation_director = _person(f"federation@{DEMO_DOMAIN}", "Dr Marcus Bell", "Federation director",
                                         password_hash)
    _membership(people.federation_director, federation, "Federation director")
    people.observer = _person(f"observer@{DEMO_DOMAIN}", "Jill Carter", "ICB primary care lead", password_hash)
    _role(people.observer, GroupRole.Role.OBSERVER)
    for user in [people.lmc_chair, people.federation_director, *people.clinical_directors]:
        _role(user, GroupRole.Role.MEMBER)
    for organisation, holder in [(lmc, people.lmc_chair), (federation, people.federation_director)]:
        seat, _ = Seat.objects.get_or_create(
            organisation=organisation, is_active=True,
            defaults={"title": organisation.name, "kind": Seat.Kind.MEMBER, "holder": holder},
        )
        people.seats.append(seat)
    # The chair holds an independent seat; a deputy covers the first PCN's seat.
    seat, _ = Seat.objects.get_or_create(
        title="Independent chair", kind=Seat.Kind.INDEPENDENT, defaults={"holder": people.chair}
    )
    # A deputy speaks for the seat when the holder cannot, so the deputy is on the group too.
    deputy = _person(f"deputy.u90001@{DEMO_DOMAIN}", "Dr Nia Osei", "GP partner", password_hash)
    _membership(deputy, people.practices[1], "GP partner")
    _role(deputy, GroupRole.Role.MEMBER)
    first_seat = people.seats[0]
    if first_seat.deputy_id != deputy.pk:
        first_seat.deputy = deputy
        first_seat.save(update_fields=["deputy"])
    if not Declaration.objects.filter(user=people.federation_director).exists():
        Declaration.objects.create(
            user=people.federation_director,
            interest="Director of the GP federation, which bids for enhanced-access contracts in Northbrook.",
            organisation=federation,
            declared_from=date(2025, 4, 1),
        )
        Declaration.objects.create(
            user=people.clinical_directors[1],
            interest="Partner at Riverside Surgery, which hosts the PCN's additional roles staff.",
            organisation=people.practices[4],
            declared_from=date(2024, 9, 1),
        )
    return people
