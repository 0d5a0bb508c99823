"""Fictional but realistic places for demonstrations: Northbrook (and a smaller Southmere beside it in the North
Shire ICS), each with one federation, one LMC,
five PCNs and twenty practices caring for about 200,000 patients, and a person for every role."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from . import places, services
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

# The second place of the demo's ICS: smaller, with people of its own, and the LMC chair of both places on both groups.
SOUTHMERE_PCNS = [
    ("U80001", "Southmere Town PCN", ["Quay Street Surgery", "Priory Medical Centre"]),
    ("U80002", "Southmere Coast PCN", ["Seaview Practice", "Lighthouse Surgery"]),
    ("U80003", "Southmere Villages PCN", ["Oakham Road Surgery", "Brook Farm Practice"]),
    ("U80004", "Marsh & Levels PCN", ["Marshside Surgery", "Levels Health Centre"]),
    ("U80005", "Southmere North PCN", ["Northgate Surgery", "Kingsway Practice"]),
]
SOUTHMERE_LIST_SIZES = [9100, 7400, 11200, 6800, 8300, 5600, 10400, 7700, 9900, 6200]


# The clock as Django gives it, kept before as_of swaps it.
_REAL_NOW = timezone.now


def _is_clock(default) -> bool:
    return default is _REAL_NOW or getattr(default, "demo_clock", False)


@contextmanager
def as_of(moment: datetime | date):
    """Write the demo's history as if it happened at `moment` (a date means ten in the morning), the clock running
    on from there: created and updated times, simple-history's history_date, and every "now" the services take for
    themselves agree, so a decision made two months ago reads so on every page and in its history.

    For loading the demo only, in one thread: it swaps Django's clock for the process while it runs. The services
    take `now=` where a rule depends on the time; this covers what they stamp without asking."""
    if not isinstance(moment, datetime):
        moment = timezone.make_aware(datetime.combine(moment, time(10)))
    started = _REAL_NOW()

    def clock():
        return moment + (_REAL_NOW() - started)

    clock.demo_clock = True
    # Fields declared with default=timezone.now hold Django's function itself, not the module's name for it.
    stamped = [(f, f.default) for model in apps.get_models() for f in model._meta.concrete_fields
               if _is_clock(f.default)]
    previous = timezone.now
    timezone.now = clock
    for stamp, _ in stamped:
        stamp.default = clock
        stamp.__dict__.pop("_get_default", None)  # Field caches its default callable
    try:
        yield moment
    finally:
        timezone.now = previous
        for stamp, default in stamped:
            stamp.default = default
            stamp.__dict__.pop("_get_default", None)


def days_ago(days: float, *, hours: float = 0) -> datetime:
    """A moment in the demo's past, counted back from the real now."""
    return _REAL_NOW() - timedelta(days=days, hours=hours)


# The leadership group first met, and its people joined the portal, before it adopted its first principles.
GROUP_FORMED_ON = date(2024, 6, 3)


@dataclass(frozen=True)
class PlaceSpec:
    """What tells one demo place from another."""

    name: str
    slug: str
    code: str  # its sub-ICB location code
    domain: str
    pcns: list
    list_sizes: list
    ods_digit: str  # practices are Y<digit>nnnn, so two places' codes never meet
    chair: tuple
    gatekeeper: tuple
    observer: tuple
    federation_director: tuple
    deputy: tuple
    name_offset: int = 0


NORTHBROOK = PlaceSpec(
    name="Northbrook", slug="northbrook", code="99Z", domain=DEMO_DOMAIN, pcns=PCNS, list_sizes=LIST_SIZES,
    ods_digit="9", chair=("Dr Helen Ashworth", "GP partner"), gatekeeper=("Sam Okafor", "Group manager"),
    observer=("Jill Carter", "ICB primary care lead"), federation_director=("Dr Marcus Bell", "Federation director"),
    deputy=("Dr Nia Osei", "GP partner"),
)
SOUTHMERE = PlaceSpec(
    name="Southmere", slug="southmere", code="99Y", domain="southmere.demo.nhs.uk", pcns=SOUTHMERE_PCNS,
    list_sizes=SOUTHMERE_LIST_SIZES, ods_digit="8", chair=("Dr Tom Hartley", "GP partner"),
    gatekeeper=("Priya Nair", "Group coordinator"), observer=("Colin Webb", "ICB place director"),
    federation_director=("Dr Ade Bakare", "Federation director"), deputy=("Dr Lucy Fenwick", "GP partner"),
    name_offset=7,
)
# The LMC covers both places: its chair sits on both groups (a person active in two places).
LMC_CHAIR = ("lmc@" + DEMO_DOMAIN, "Dr Rachel Lindqvist", "LMC chair")


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
    non_voting_manager: User | None = None  # works at a practice but does not cast its ballot
    seats: list[Seat] = field(default_factory=list)
    practices: list[Organisation] = field(default_factory=list)
    pcns: list[Organisation] = field(default_factory=list)
    place: Place | None = None
    lmc: Organisation | None = None
    federation: Organisation | None = None
    other_places: list = field(default_factory=list)  # the demo's other places' people


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


def demo_place(spec: PlaceSpec = NORTHBROOK) -> Place:
    """One of the demo's places (Northbrook by default), in the North Shire ICS."""
    place, _ = Place.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "commissioner_codes": spec.code,
            "group_name": f"{spec.name} GP Leadership Group",
            "about": f"{spec.name}'s GP Leadership Group brings together the {len(spec.pcns)} PCNs, the LMC and the "
            f"federation so that general practice in {spec.name} speaks with one voice to the place partnership.",
            "ics": demo_ics(),
        },
    )
    return place


@transaction.atomic
def load_members(*, password_hash: str | None, spec: PlaceSpec = NORTHBROOK) -> DemoPeople:
    """Create (or find again) the demo place's people and organisations, working in it, as they were when the group
    formed. Idempotent."""
    with as_of(GROUP_FORMED_ON):
        return _load_members(password_hash=password_hash, spec=spec)


def _load_members(*, password_hash: str | None, spec: PlaceSpec) -> DemoPeople:
    people = DemoPeople()
    place = places.current_place()
    people.place = place
    name, domain = spec.name, spec.domain

    def org(kind, ods, name, **extra):
        obj, _ = Organisation.objects.get_or_create(
            ods_code=ods, defaults={"place": place, "kind": kind, "name": name, **extra}
        )
        return obj

    lmc, _ = Organisation.objects.get_or_create(
        place=place, kind=Organisation.Kind.LMC, name=f"{name} Local Medical Committee",
        defaults={"address": f"1 Guild Street\n{name}", "postcode": "NB1 1AA"},
    )
    federation, _ = Organisation.objects.get_or_create(
        place=place, kind=Organisation.Kind.FEDERATION, name=f"{name} GP Federation",
        defaults={"address": f"Unit 4, Enterprise Park\n{name}", "postcode": "NB2 4PX"},
    )
    people.lmc, people.federation = lmc, federation
    if spec is NORTHBROOK:  # the ICB and the trust are listed once, in the first place
        org(Organisation.Kind.ICB, "QZZ", "North Shire Integrated Care Board")
        org(Organisation.Kind.TRUST, "RZZ", "Northbrook Hospitals NHS Foundation Trust")
    Organisation.objects.get_or_create(place=place, kind=Organisation.Kind.COUNCIL, name=f"{name} City Council")

    names = iter((FIRST_NAMES[(i + spec.name_offset) % len(FIRST_NAMES)],
                  LAST_NAMES[((i + spec.name_offset) * 7) % len(LAST_NAMES)]) for i in range(200))
    sizes = iter(spec.list_sizes)
    n = 0
    for pcn_code, pcn_name, practice_names in spec.pcns:
        pcn = org(Organisation.Kind.PCN, pcn_code, pcn_name, postcode="NB3 2QT")
        people.pcns.append(pcn)
        first, last = next(names)
        cd = _person(f"cd.{pcn_code.lower()}@{domain}", f"Dr {first} {last}", "Clinical Director", password_hash)
        _membership(cd, pcn, "Clinical Director")
        people.clinical_directors.append(cd)
        seat, _ = Seat.objects.get_or_create(
            organisation=pcn, is_active=True, defaults={"title": pcn_name, "kind": Seat.Kind.MEMBER, "holder": cd}
        )
        people.seats.append(seat)
        for practice_name in practice_names:
            n += 1
            practice = org(
                Organisation.Kind.PRACTICE, f"Y{spec.ods_digit}{n:04d}", practice_name, pcn=pcn,
                list_size=next(sizes), list_size_date=date(2026, 10, 1), address=f"{n} High Street\n{name}",
                postcode=f"NB{n % 9 + 1} {n % 9 + 1}AB",
            )
            people.practices.append(practice)
            first, last = next(names)
            pm = _person(f"pm.y{spec.ods_digit}{n:04d}@{domain}", f"{first} {last}", "Practice Manager", password_hash)
            _membership(pm, practice, "Practice Manager", is_voting_contact=True)
            people.practice_managers.append(pm)
    # The first practice is big enough for a deputy practice manager, who sees its decisions and votes but does not
    # cast its ballot: the voting contact does.
    first, last = next(names)
    people.non_voting_manager = _person(f"dpm.y{spec.ods_digit}0001@{domain}", f"{first} {last}",
                                        "Deputy Practice Manager", password_hash)
    _membership(people.non_voting_manager, people.practices[0], "Deputy Practice Manager")

    people.chair = _person(f"chair@{domain}", *spec.chair, password_hash)
    _membership(people.chair, people.practices[0], "GP partner")
    _role(people.chair, GroupRole.Role.CHAIR)
    people.gatekeeper = _person(f"gatekeeper@{domain}", *spec.gatekeeper, password_hash)
    _membership(people.gatekeeper, federation, "Head of primary care development")
    _role(people.gatekeeper, GroupRole.Role.GATEKEEPER)
    people.lmc_chair = _person(*LMC_CHAIR, password_hash)
    _membership(people.lmc_chair, lmc, "LMC chair")
    people.federation_director = _person(f"federation@{domain}", *spec.federation_director, password_hash)
    _membership(people.federation_director, federation, "Federation director")
    people.observer = _person(f"observer@{domain}", *spec.observer, password_hash)
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
    deputy = _person(f"deputy.{spec.pcns[0][0].lower()}@{domain}", *spec.deputy, password_hash)
    _membership(deputy, people.practices[1], "GP partner")
    _role(deputy, GroupRole.Role.MEMBER)
    first_seat = people.seats[0]
    if first_seat.deputy_id != deputy.pk:
        first_seat.deputy = deputy
        first_seat.save(update_fields=["deputy"])
    # Some people share how to reach them in the directory (members.services.contact_details_update); others,
    # like most practice managers, have not chosen to.
    for n, cd in enumerate(people.clinical_directors):
        if not cd.phone:
            services.contact_details_update(user=cd, phone=f"07700 900{n + 1:03d}", shares_email=True,
                                            shares_phone=n % 2 == 0)
    if not people.chair.shares_email:
        services.contact_details_update(user=people.chair, phone="", shares_email=True, shares_phone=False)
    if not Declaration.objects.filter(user=people.federation_director).exists():
        with as_of(date(2025, 4, 1)):
            Declaration.objects.create(
                user=people.federation_director,
                interest=f"Director of the GP federation, which bids for enhanced-access contracts in {name}.",
                organisation=federation,
                declared_from=date(2025, 4, 1),
            )
        with as_of(date(2024, 9, 2)):
            Declaration.objects.create(
                user=people.clinical_directors[1],
                interest="Partner at Riverside Surgery, which hosts the PCN's additional roles staff.",
                organisation=people.practices[4],
                declared_from=date(2024, 9, 1),
            )
    return people
