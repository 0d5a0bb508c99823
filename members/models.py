import hashlib
import re

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.lookups import In
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .places import RESERVED_SLUGS, PlaceOwned, scoped_manager

# ODS codes: practices are a letter and five digits (A12345), PCNs U and five digits, trusts and
# ICBs three to five letters/digits (RQ6, QYG, 99A). We store them upper case.
ODS_CODE_RE = re.compile(r"^[A-Z0-9]{3,8}$")
PRACTICE_ODS_RE = re.compile(r"^[A-TV-Z][0-9]{5}$")  # U is for PCNs
PCN_ODS_RE = re.compile(r"^U[0-9]{5}$")
# The full UK postcode shape, after normalising to upper case with one space.
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) > 3:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


def validate_postcode(value: str) -> None:
    if value and not POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError("Enter a real UK postcode, like L1 8JQ.")


# A UK phone number once spaces, hyphens and brackets are taken out: 0 and 9 or 10 digits, or +44 and 9 or 10.
PHONE_RE = re.compile(r"^(?:0|\+44)[0-9]{9,10}$")


def compact_phone(value: str) -> str:
    """The number as a tel: link dials it: digits, and a leading + if there is one."""
    return re.sub(r"[\s\-()]", "", value or "")


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(compact_phone(value)):
        raise ValidationError("Enter a UK phone number, like 0151 555 0123 or 07700 900123.")


def validate_ods_code(value: str) -> None:
    if value and not ODS_CODE_RE.match(value.upper()):
        raise ValidationError("An ODS code is 3 to 8 letters and digits, like A12345 or U12345.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("People sign in with their email address, so it is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: signs in with their email address. People without an account yet have no usable password."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Contact details the person chooses to share with the people of their groups (members.services.
    # contact_details_update); nothing is shared until they say so.
    phone = models.CharField("phone number", max_length=30, blank=True, validators=[validate_phone])
    shares_email = models.BooleanField("shares their email address", default=False)
    shares_phone = models.BooleanField("shares their phone number", default=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    @staticmethod
    def name_of(full_name: str, email: str) -> str:
        """How a person is named: their full name, or their email address when they gave none."""
        return full_name or email

    @classmethod
    def name_and_email_of(cls, full_name: str, email: str) -> str:
        """How a person is told apart in a list of people: "Name (address)"."""
        return f"{cls.name_of(full_name, email)} ({email})"

    def get_full_name(self):
        return self.name_of(self.full_name, self.email)

    @staticmethod
    def shared(detail: str, shares: bool) -> str:
        """A contact detail as others may see it: only if the person chose to share it (a row of people read
        without their instances, the directory's, asks this too)."""
        return detail if shares else ""

    @property
    def shared_email(self) -> str:
        """The email address others may see: only if the person chose to share it."""
        return self.shared(self.email, self.shares_email)

    @property
    def shared_phone(self) -> str:
        """The phone number others may see: only if the person chose to share it."""
        return self.shared(self.phone, self.shares_phone)

    @property
    def shared_phone_link(self) -> str:
        return compact_phone(self.shared_phone)

    def get_short_name(self):
        # "Dr Helen Ashworth" is greeted as "Helen", not "Dr".
        words = (self.full_name or self.email).split()
        if len(words) > 1 and words[0].rstrip(".").lower() in {"dr", "prof", "mr", "mrs", "ms", "miss", "mx"}:
            words = words[1:]
        return words[0]


def validate_place_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is one of the portal's own addresses; choose another short name.")


class ICS(models.Model):
    """An Integrated Care System: the area of one Integrated Care Board, e.g. Cheshire and Merseyside (QYG), whose
    places are its sub-ICB locations. The ODS code is the ICB's, column 4 ("high-level health geography") of
    epraccur."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    ods_code = models.CharField("ICB ODS code", max_length=8, unique=True, validators=[validate_ods_code])
    history = HistoricalRecords()

    class Meta:
        verbose_name = "integrated care system"
        verbose_name_plural = "integrated care systems"

    def __str__(self):
        return self.name


class Place(models.Model):
    """A place in an Integrated Care System, e.g. Liverpool, with its commissioner codes in the ODS files."""

    # Places made before systems were known belong to none until an import of their ICB (or an admin) says so.
    ics = models.ForeignKey(
        ICS, on_delete=models.PROTECT, null=True, blank=True, related_name="places", verbose_name="ICS"
    )

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(
        unique=True, validators=[validate_place_slug],
        help_text="The place's part of every address, as in /liverpool/decisions/.",
    )
    commissioner_codes = models.CharField(
        max_length=120, blank=True, help_text="Comma-separated sub-ICB location codes, like 99A."
    )
    group_name = models.CharField(max_length=150, default="GP Leadership Group")
    about = models.TextField(blank=True, help_text="Plain words about the group, shown on the public page.")
    # The dates of the ODS files the practices (epraccur) and the PCNs (ePCN workbook) were last imported from,
    # kept apart because the two files are published separately: an older file is refused rather than let it
    # reopen what a newer one closed.
    ods_practices_as_of = models.DateField("practices as of", null=True, blank=True, editable=False)
    ods_pcns_as_of = models.DateField("PCNs as of", null=True, blank=True, editable=False)
    history = HistoricalRecords()

    def __str__(self):
        return self.name

    @property
    def commissioner_code_list(self) -> list[str]:
        return [c.strip().upper() for c in self.commissioner_codes.split(",") if c.strip()]


class OrganisationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_archived=False)

    def practices(self):
        return self.filter(kind=Organisation.Kind.PRACTICE)

    def pcns(self):
        return self.filter(kind=Organisation.Kind.PCN)

    def open_practices(self):
        """Practices open now: the electorate of a priority vote, the practices a decision should reach, the
        directory's count. Organisation.is_open_practice is the same test for one organisation."""
        return self.filter(open_practice())


def open_practice(through: str = "") -> models.Q:
    """The condition of OrganisationQuerySet.open_practices, on the organisation `through` a relation ("practice__")
    if given: a query of acknowledgements, say, joins each one's practice rather than matching a list of them."""
    return models.Q(**{f"{through}is_archived": False, f"{through}kind": Organisation.Kind.PRACTICE,
                       f"{through}status": Organisation.Status.ACTIVE})


class Organisation(models.Model):
    PLACE_PATH = "place"
    class Kind(models.TextChoices):
        PRACTICE = "practice", "GP practice"
        PCN = "pcn", "Primary Care Network"
        LMC = "lmc", "Local Medical Committee"
        FEDERATION = "federation", "GP federation"
        ICB = "icb", "Integrated Care Board"
        TRUST = "trust", "NHS trust"
        COUNCIL = "council", "Local council"
        OTHER = "other", "Other system partner"

    class Status(models.TextChoices):
        ACTIVE = "active", "Open"
        CLOSED = "closed", "Closed"
        DORMANT = "dormant", "Dormant"

    SYSTEM_PARTNER_KINDS = (Kind.ICB, Kind.TRUST, Kind.COUNCIL, Kind.OTHER)

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="organisations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ods_code = models.CharField(
        "ODS code", max_length=8, null=True, blank=True, unique=True, validators=[validate_ods_code]
    )
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    pcn = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_practices",
        limit_choices_to={"kind": "pcn"},
        verbose_name="PCN",
    )
    list_size = models.PositiveIntegerField("registered patients", null=True, blank=True)
    list_size_date = models.DateField("list size date", null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(OrganisationQuerySet)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="only_practices_belong_to_a_pcn", condition=Q(pcn__isnull=True) | Q(kind="practice")
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.ods_code:
            self.ods_code = self.ods_code.upper().strip()
            if self.kind == self.Kind.PRACTICE and not PRACTICE_ODS_RE.match(self.ods_code):
                raise ValidationError({"ods_code": "A practice's ODS code is a letter and five digits, like N82001."})
            if self.kind == self.Kind.PCN and not PCN_ODS_RE.match(self.ods_code):
                raise ValidationError({"ods_code": "A PCN's ODS code is U and five digits, like U12345."})
        if self.postcode:
            self.postcode = normalise_postcode(self.postcode)
        if self.pcn_id and self.kind != self.Kind.PRACTICE:
            raise ValidationError({"pcn": "Only a practice belongs to a PCN."})

    @property
    def is_practice(self) -> bool:
        return self.kind == self.Kind.PRACTICE

    @property
    def is_open_practice(self) -> bool:
        """The instance twin of OrganisationQuerySet.open_practices."""
        return not self.is_archived and self.is_practice and self.status == self.Status.ACTIVE

    @property
    def is_system_partner(self) -> bool:
        return self.kind in self.SYSTEM_PARTNER_KINDS


class InArray(In):
    """`field IN (subquery)` (a filter: `.filter(InArray(F("pk"), ids))`), which PostgreSQL is sent as `field =
    ANY(ARRAY(subquery))`: the subquery is run first, once, and its ids are looked up in the field's index. Planned as
    a join, a place's few hundred ids were matched by reading the whole table of every place (issue 12: a place's
    seat candidates read every person and membership in England). `ids` is a QuerySet of one column, its order cleared
    (`.order_by().values("pk")`: a sort inside the array is wasted). Other databases, and a list of values, get IN."""

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql" and not self.rhs_is_direct_value():
            return f"= ANY(ARRAY{rhs})"
        return super().get_rhs_op(connection, rhs)


def in_force(today=None) -> Q:
    """A membership's, group role's or ICS leadership's rule: not archived, and in force today (an `ended_on` of
    today or earlier means it has ended). `InForce.is_in_force` is the same rule for one row."""
    today = today or timezone.localdate()
    return Q(is_archived=False) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))


class InForce:
    """The instance predicate of `in_force()`, for models with `is_archived` and `ended_on`."""

    def is_in_force(self, today=None) -> bool:
        today = today or timezone.localdate()
        return not self.is_archived and (self.ended_on is None or self.ended_on > today)


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(in_force())

    def voting_contacts(self):
        return self.current().filter(is_voting_contact=True, organisation__kind=Organisation.Kind.PRACTICE)

    def in_practices(self):
        """Current memberships of practices: whose practices a person works for (members.access.practice_ids)."""
        return self.current().filter(organisation__kind=Organisation.Kind.PRACTICE)


class Membership(InForce, models.Model):
    """A person's role in an organisation: Clinical Director of a PCN, Practice Manager of a practice, …"""

    PLACE_PATH = "organisation__place"

    ROLE_SUGGESTIONS = [
        "Clinical Director",
        "Practice Manager",
        "GP partner",
        "Salaried GP",
        "LMC chair",
        "LMC medical secretary",
        "Federation director",
        "Federation chief executive",
        "PCN manager",
    ]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role_title = models.CharField(max_length=120)
    is_voting_contact = models.BooleanField(
        "practice voting contact", default=False, help_text="Casts the practice's ballot on priorities."
    )
    is_digest_recipient = models.BooleanField("receives the weekly digest", default=True)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(MembershipQuerySet)

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(is_archived=False),
                name="one_live_membership_per_person_and_organisation",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.role_title}, {self.organisation}"


class SeatQuerySet(models.QuerySet):
    def held_by(self, user_id):
        """The seats a person holds or deputises for (active or not: a round asks the seats it asked)."""
        return self.filter(models.Q(holder_id=user_id) | models.Q(deputy_id=user_id))


class Seat(PlaceOwned):
    """A seat on the leadership group: one per member organisation, plus co-opted and independent seats."""

    class Kind(models.TextChoices):
        MEMBER = "member", "Member organisation"
        COOPTED = "coopted", "Co-opted"
        INDEPENDENT = "independent", "Independent"

    title = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEMBER)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="seats")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="seats"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="seats_held"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="seats_deputised"
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = scoped_manager(SeatQuerySet)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_active=True), name="one_active_seat_per_organisation"
            ),
            models.CheckConstraint(
                name="member_seat_names_its_organisation",
                condition=~Q(kind="member") | Q(organisation__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    def is_held_by(self, user) -> bool:
        return user.pk is not None and user.pk in (self.holder_id, self.deputy_id)


class GroupRoleQuerySet(models.QuerySet):
    def live(self):
        """Roles in force today: an ended_on of today or earlier means the role has ended."""
        return self.filter(in_force())


class GroupRole(InForce, PlaceOwned):
    """A person's role on the leadership group. Roles are data: a chair is whoever holds a live chair role."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        GATEKEEPER = "gatekeeper", "Gatekeeper"
        MEMBER = "member", "Member"
        OBSERVER = "observer", "Observer"

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="group_roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = scoped_manager(GroupRoleQuerySet)

    class Meta:
        ordering = ["role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "user", "role"], condition=Q(is_archived=False),
                name="one_live_group_role_per_kind_per_place",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class ICSLeader(InForce, models.Model):
    """A named leader of an ICS's leaders' group beyond the chairs of its places (who are members by their chair
    role): an LMC secretary who covers the system, the GP lead on the ICB's board. Administrators name them.
    Not a place's record, so not place-scoped: the leaders' group is the system's."""

    ics = models.ForeignKey(ICS, on_delete=models.PROTECT, related_name="leaders", verbose_name="ICS")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ics_leaderships")
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    history = HistoricalRecords()

    # The same test as a group role's: in force today, ended on today or earlier means ended.
    objects = GroupRoleQuerySet.as_manager()

    class Meta:
        verbose_name = "ICS leader"
        ordering = ["ics__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ics", "user"], condition=Q(is_archived=False), name="one_live_leadership_per_person_per_ics"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.ics})"


class CalendarFeedQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A person's private calendar address (members.services.calendar_feed_*). The address carries `key` signed with
    the portal's secret, so the database alone does not give it away. Resetting revokes the row (the old address
    stops working) and makes a new one; revoked rows are kept as the record of when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feeds")
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True),
                                    name="one_live_calendar_feed_per_person"),
        ]

    def __str__(self):
        return f"Calendar of {self.user}"


class NotificationPreference(models.Model):
    """How a person hears of one kind of news (members.notifications): an email at once (the default, with no row)
    or only in the weekly digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_choices")
    kind = models.CharField(max_length=40)
    immediate = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_choice_per_person_and_kind")]

    def __str__(self):
        return f"{self.user}: {self.kind} {'at once' if self.immediate else 'in the digest'}"


class DeclarationQuerySet(models.QuerySet):
    def current(self, today=None):
        """Declarations in force today: not archived, declared from today or earlier, to today or later (the day it
        is declared to is its last). Declaration.is_current is the same test for one."""
        today = today or timezone.localdate()
        return self.filter(is_archived=False, declared_from__lte=today).filter(
            Q(declared_to__isnull=True) | Q(declared_to__gte=today))


class Declaration(PlaceOwned):
    """A declaration of interest under the group's conflicts policy."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations")
    interest = models.TextField()
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name="related organisation",
    )
    declared_from = models.DateField(default=timezone.localdate)
    declared_to = models.DateField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = scoped_manager(DeclarationQuerySet)

    class Meta:
        ordering = ["-declared_from", "user__full_name"]
        constraints = [
            models.CheckConstraint(
                name="declaration_ends_after_it_starts",
                condition=Q(declared_to__isnull=True) | Q(declared_to__gte=models.F("declared_from")),
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.interest[:60]}"

    def is_current(self, today=None) -> bool:
        """DeclarationQuerySet.current's test for one declaration."""
        today = today or timezone.localdate()
        return (not self.is_archived and self.declared_from <= today
                and (self.declared_to is None or self.declared_to >= today))


class InvitationQuerySet(models.QuerySet):
    def unused(self):
        """Neither accepted nor revoked: pending, or expired unused (Invitation.is_unused is the same test)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(PlaceOwned):
    """An invitation to join the portal. Only the SHA-256 of the emailed token is stored."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations")
    role_title = models.CharField(max_length=120)
    group_role = models.CharField(max_length=20, choices=GroupRole.Role.choices, blank=True)
    is_voting_contact = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    objects = scoped_manager(InvitationQuerySet)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email_per_place",
            )
        ]

    def __str__(self):
        return f"Invitation for {self.email}"

    @property
    def is_unused(self) -> bool:
        """InvitationQuerySet.unused's test for one invitation."""
        return self.accepted_at is None and self.revoked_at is None

    @property
    def state(self) -> str:
        if not self.is_unused:
            return "revoked" if self.revoked_at else "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class OutboxEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Waiting to be sent and free to claim: never claimed, or its worker's lease has run out."""
        now = now or timezone.now()
        return self.filter(status=OutboxEmail.Status.PENDING, available_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )

    def failed(self):
        return self.filter(status=OutboxEmail.Status.FAILED)


class OutboxEmail(models.Model):
    """One email the portal sends: the unit of work, unique by its key, claimed by one worker at a time.

    Every email goes through this table (members.outbox). A worker claims a row with a lease; if it dies, the lease
    runs out and another worker sends it. The Message-ID comes from the row, so the rare resend after a crash
    between the SMTP server accepting and the row being marked is recognisably the same message. Bookkeeping, not
    user data: it keeps no history and is updated with conditional UPDATEs (that is the claim).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not needed any more"
        FAILED = "failed", "Failed"

    PLACE_PATH = "place"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=60)
    # The place whose business the email is (its links open that place); none for sign-in and account emails.
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    params = models.JSONField(default=dict, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="outbox_emails"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    addressed_to = models.TextField(blank=True)  # the addresses of the last attempt
    note = models.CharField(max_length=200, blank=True)

    objects = scoped_manager(OutboxEmailQuerySet)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                name="outbox_sent_rows_have_a_time",
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.kind} ({self.get_status_display().lower()})"

    @property
    def message_id(self) -> str:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
        return f"<outbox.{self.pk}.{hashlib.sha256(self.key.encode()).hexdigest()[:16]}@{domain}>"
