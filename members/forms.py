import calendar
import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.forms.models import ModelChoiceIterator
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from . import access, papers, prepared, selectors
from .models import Declaration, GroupRole, Invitation, Membership, Organisation, Seat, User
from .rows import option, options


def add_service_errors(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields, the rest at the top.
    `fields` names the form's field for a service field the form calls something else.

    Every app's views use this, so a rule enforced in a service reads like a form check to the person."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            field = (fields or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def refusal(check, *args, **kwargs) -> str:
    """What a service's check_* function says against going on, in its words; "" when it allows it. For pages
    that tell people up front what the service would refuse."""
    try:
        check(*args, **kwargs)
    except ValidationError as error:
        return error.messages[0]
    return ""


class ShapeOnlyModelForm(forms.ModelForm):
    """A ModelForm that checks only the shape of what was typed: required fields, types, lengths and choices.

    A plain ModelForm would go on to run the model's constraints and uniqueness checks, in Django's words
    ("Constraint … is violated"). Those are rules, and rules live in the services: the view calls the service and
    shows what it refuses with add_service_errors. So the model's own validation is not run here."""

    def _post_clean(self):
        pass


class DayMonthYearWidget(forms.MultiWidget):
    """The NHS.UK date input: three boxes, day, month and year, posted as <name>_day, <name>_month, <name>_year.

    A single ISO date posted under the field's own name (``due_on=2026-12-01``) is read too, so links, bookmarked
    filters and programmatic posts written for the old one-box date field keep working."""

    template_name = "django/forms/widgets/day_month_year.html"
    PARTS = ("day", "month", "year")
    ISO = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")

    def __init__(self, attrs=None):
        def box(width):
            return forms.TextInput(attrs={"class": f"nhsuk-date-input__input nhsuk-input--width-{width}",
                                          "inputmode": "numeric"})

        super().__init__({"day": box(2), "month": box(2), "year": box(4)}, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def value_from_datadict(self, data, files, name):
        parts = super().value_from_datadict(data, files, name)
        if all(part is None for part in parts) and data.get(name):
            iso = self.ISO.fullmatch(data[name])
            # Not an ISO date: the same text in each box is never a real date, and says so.
            return [iso[3], iso[2], iso[1]] if iso else [data[name]] * 3
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        subwidgets = context["widget"]["subwidgets"]
        invalid = context["widget"]["attrs"].get("aria-invalid") == "true"
        empty = [not (sub["value"] or "").strip() for sub in subwidgets]
        for part, sub, is_empty in zip(self.PARTS, subwidgets, empty, strict=True):
            sub["label"] = part.capitalize()
            sub["attrs"].pop("aria-invalid", None)
            # NHS.UK: a missing part is marked on its own; anything else wrong marks the whole date.
            sub["error"] = invalid and (is_empty or not any(empty))
        return context


def _month_number(text: str) -> int | None:
    """12, "12", "Dec" or "December" → 12; None if it is no month."""
    if text.isdigit():
        return int(text)
    names = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
    names |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
    return names.get(text.lower())


class DayMonthYearField(forms.MultiValueField):
    """A date typed in the NHS.UK date input, checked with the NHS.UK error messages, one per problem:
    "Enter the due date", "Due date must include a month", "Due date must be a real date".

    ``noun`` names the date after "Enter" (default: "the" and the label); ``subject`` starts the other messages
    (default: the label). What was typed is shown again in the boxes on an error."""

    widget = DayMonthYearWidget

    def __init__(self, *, noun: str = "", subject: str = "", **kwargs):
        # What a model's DateField hands its form field; the boxes need none of it (a hidden copy of a callable
        # default would be a fourth, ISO, box).
        for unused in ("max_length", "empty_value", "show_hidden_initial"):
            kwargs.pop(unused, None)
        super().__init__((forms.CharField(), forms.CharField(), forms.CharField()), **kwargs)
        self.noun, self.subject = noun, subject

    def _subject(self) -> str:
        return self.subject or str(self.label or "Date")

    def compress(self, data_list):  # pragma: no cover - clean below does the whole job
        raise NotImplementedError

    def clean(self, value):
        day, month, year = [str(part or "").strip() for part in (list(value or []) + ["", "", ""])[:3]]
        if not (day or month or year):
            if self.required:
                noun = self.noun or f"the {str(self.label or 'date').lower()}"
                raise ValidationError(f"Enter {noun}", code="required")
            return None
        missing = [part for part, typed in zip(DayMonthYearWidget.PARTS, (day, month, year), strict=True) if not typed]
        if missing:
            listed = missing[0] if len(missing) == 1 else " and ".join(missing)
            raise ValidationError(f"{self._subject()} must include a {listed}", code="incomplete")
        month_number = _month_number(month)
        if not (day.isdigit() and year.isdigit() and month_number):
            raise ValidationError(f"{self._subject()} must be a real date", code="invalid")
        if len(year) != 4:
            raise ValidationError(f"{self._subject()} must include a year with 4 numbers", code="invalid_year")
        try:
            value = datetime.date(int(year), month_number, int(day))
        except ValueError:
            raise ValidationError(f"{self._subject()} must be a real date", code="invalid") from None
        self.validate(value)
        self.run_validators(value)
        return value

    def validate(self, value):
        pass

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != initial
        except ValidationError:
            return True


class LongSelect(forms.Select):
    """A select of a long flat list (a place's people, its organisations: hundreds). Django's Select makes a dict of
    every option before the widget template writes it (gpleadership's portal_forms.select_options); this writes each
    option straight from its choice, in one pass (issue 12). Flat choices only: no groups, no disabled options."""

    def optgroups(self, name, value, attrs=None):
        return []  # written by get_context below, without a dict an option

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = set(context["widget"]["value"])
        field = getattr(self.choices, "field", None)
        offered = getattr(field, "offered", None)
        if isinstance(offered, OfferedRows):
            # Several fields of a page offering the same rows with the same choice write them once, whatever each
            # field's empty choice ("Nobody", "Choose a person"), which is written before them (_ListIterator).
            key = (type(field), frozenset(chosen))
            written = offered.written.get(key)
            if written is None:
                written = offered.written[key] = options(
                    ((pk, field.label_from_values(*values)) for pk, *values in offered), chosen)
            empty = [] if field.empty_label is None else [option("", field.empty_label, selected="" in chosen)]
            context["widget"]["options_html"] = mark_safe(  # noqa: S308 - escaped by option()
                "\n".join([*empty, written] if offered else empty))
            return context
        written = []
        for choice, label in self.choices:
            choice = "" if choice is None else str(choice)
            written.append(option(choice, label, selected=choice in chosen))
        context["widget"]["options_html"] = mark_safe("\n".join(written))  # noqa: S308 - escaped above
        return context


class OfferedRows(list):
    """The rows a page offers to several of its fields (SeatCandidates.people), with the options each kind of field
    wrote from them for each choice, for the next field to write the same (issue 12)."""

    def __init__(self, rows):
        super().__init__(rows)
        self.written: dict[tuple, str] = {}


class _ListIterator(ModelChoiceIterator):
    """The choices from the rows offered (LongChoiceField.offered), or else read with one plain query: Django reads
    them through a server-side cursor on PostgreSQL (three round trips), which a list of a place's size does not
    need. A field that names its `label_fields` is read as plain rows, without a model instance each (hundreds of
    them cost milliseconds). Each choice is the plain (pk, label) that LongSelect writes."""

    def __init__(self, field):
        self.field = field  # the queryset is asked for only when needed (LongChoiceField.offer)

    @property
    def queryset(self):
        return self.field.queryset

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if not field.label_fields:
            for obj in self.queryset:
                yield (field.prepare_value(obj), field.label_from_instance(obj))
            return
        for pk, *values in field.offered if field.offered is not None else field.read_rows():
            yield (pk, field.label_from_values(*values))


class LongChoiceField(forms.ModelChoiceField):
    """A choice of one of a place's records (its people, its organisations: hundreds), written by LongSelect. What
    is posted is checked against the queryset, whatever was offered."""

    widget = LongSelect
    iterator = _ListIterator
    offered = None
    label_fields = ()  # the columns its label is written from (label_from_values): its choices are read as rows

    @classmethod
    def rows(cls, queryset) -> list[tuple]:
        """The (pk, *label_fields) of each record of `queryset`: what the choices are written from."""
        return list(queryset.values_list("pk", *cls.label_fields))

    _build_queryset = None

    def _get_queryset(self):
        if self._build_queryset is not None:
            build, self._build_queryset = self._build_queryset, None
            self.queryset = build()
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def offer(self, rows, build) -> None:
        """Offer `rows` already read with `rows()` (shared by the fields of a page) from the QuerySet `build()`,
        which is built only if the field is asked for it (to check what is posted): building one costs about a
        millisecond, and a page that only shows the form never needs it."""
        self.offered = rows
        self._build_queryset = build

    def offer_prepared(self, key, build) -> None:
        """Offer the records of `build()` (a QuerySet of the place), their rows read when the field is drawn from
        SQL compiled once a day (members.prepared, as `key`); what is posted is checked against `build()`."""
        self._build_queryset = build
        self.prepared_as = (key, build)

    prepared_as = None

    def read_rows(self) -> list[tuple]:
        """The rows the choices are written from: `rows(self.queryset)`, or from prepared SQL (offer_prepared), which
        leaves the QuerySet unbuilt (only what is posted needs it)."""
        if self.prepared_as is None:
            return self.rows(self.queryset)
        key, build = self.prepared_as
        return prepared.objects(key, lambda: build().values_list("pk", *self.label_fields))

    def label_from_values(self, *values) -> str:
        return str(values[0])

    def label_from_instance(self, obj):
        if self.label_fields:
            return self.label_from_values(*(getattr(obj, name) for name in self.label_fields))
        return super().label_from_instance(obj)


class OrganisationChoiceField(LongChoiceField):
    """A choice of one of the place's organisations, by name."""

    label_fields = ("name",)


class PersonChoiceField(LongChoiceField):
    """Chooses a person by name (of a place's hundreds)."""

    label_fields = ("full_name", "email")

    def label_from_values(self, full_name, email):
        return User.name_of(full_name, email)


class TitleChoiceField(LongChoiceField):
    """Chooses a record by its title (a place's decisions: thousands over the years)."""

    label_fields = ("title",)


class InvitationForm(ShapeOnlyModelForm):
    group_role = forms.ChoiceField(
        label="Role on the leadership group",
        choices=[("", "None – not on the group")] + list(GroupRole.Role.choices),
        required=False,
    )

    class Meta:
        model = Invitation
        fields = ["full_name", "email", "organisation", "role_title", "group_role", "is_voting_contact"]
        labels = {
            "full_name": "Full name",
            "email": "Email address",
            "role_title": "Role in the organisation",
            "is_voting_contact": "Voting contact for the practice (casts its ballot on priorities)",
        }
        help_texts = {"role_title": "For example: " + ", ".join(Membership.ROLE_SUGGESTIONS[:4]) + "."}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        field_classes = {"organisation": OrganisationChoiceField}

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.current().order_by("kind", "name")
        # Offer only the roles this inviter may give; the service refuses the rest whatever is posted.
        labels = dict(GroupRole.Role.choices)
        self.fields["group_role"].choices = [("", "None – not on the group")] + [
            (role, labels[role]) for role in access.grantable_group_roles(inviter)
        ]


class PhoneInput(forms.TextInput):
    input_type = "tel"


class ContactDetailsForm(forms.Form):
    """The person's phone number and what they share; members.services.contact_details_update holds the rules."""

    SHARE_CHOICES = [("email", "My email address"), ("phone", "My phone number")]

    phone = forms.CharField(
        label="Phone number", max_length=30, required=False,
        help_text="A number the people of your groups can reach you on, like 0151 555 0123 or 07700 900123.",
        widget=PhoneInput(attrs={"autocomplete": "tel", "class": "nhsuk-input--width-20"}),
    )
    share = forms.MultipleChoiceField(
        label="What the people of your groups may see beside your name", choices=SHARE_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="In the directory and on your organisation's page. Nothing is shown until you choose it.",
    )

    @classmethod
    def for_person(cls, user, data=None):
        share = [name for name, shared in (("email", user.shares_email), ("phone", user.shares_phone)) if shared]
        return cls(data, initial={"phone": user.phone, "share": share}, prefix="contact")

    def details(self) -> dict:
        share = set(self.cleaned_data["share"])
        return {"phone": self.cleaned_data["phone"], "shares_email": "email" in share, "shares_phone": "phone" in share}


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Type the password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str = "", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        from .models import User

        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            try:
                validate_password(p1, User(email=self.email, full_name=data.get("full_name", "")))
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class DeclarationForm(ShapeOnlyModelForm):
    class Meta:
        model = Declaration
        fields = ["interest", "organisation", "declared_from", "declared_to"]
        labels = {
            "interest": "What is the interest?",
            "declared_from": "Start date",
            "declared_to": "End date",
        }
        help_texts = {
            "interest": "For example: partner at a practice bidding for the same contract; director of the federation.",
            "declared_from": "For example, 1 4 2026.",
            "declared_to": "Leave empty if the interest is ongoing.",
        }
        widgets = {
            "interest": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"organisation": OrganisationChoiceField, "declared_from": DayMonthYearField,
                         "declared_to": DayMonthYearField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.current().order_by("name")
        self.fields["organisation"].required = False


class _PersonField(PersonChoiceField):
    """A person among the seat candidates, told apart by their address too."""

    def label_from_values(self, full_name, email):
        return User.name_and_email_of(full_name, email)


def _person_field(label: str, *, required: bool = False, help_text: str = "") -> _PersonField:
    return _PersonField(
        label=label, queryset=User.objects.none(), required=required, help_text=help_text,
        empty_label="Nobody" if not required else "Choose a person",
    )


def seat_organisations():
    """The organisations a seat may be for, as the seat form offers them: the place's current organisations but
    practices (a practice is represented through its PCN), by kind and name."""
    return Organisation.objects.current().exclude(kind=Organisation.Kind.PRACTICE).order_by("kind", "name")


# What each row of SeatCandidates' query with the organisations is.
_PERSON, _ORGANISATION = "person", "organisation"


class SeatCandidates:
    """selectors.seat_candidates() for the person fields of a page's forms: the people offered, read once (each
    field still checks what is posted against the queryset). A place has hundreds: each field reading them again
    cost a query and hundreds of instances (issue 12). With `organisations`, the seat form's organisations
    (seat_organisations) are read in the same query, for a page that shows the seat form (`organisations`: their
    (pk, name) rows; None without)."""

    def __init__(self, *, organisations: bool = False):
        # From SQL compiled once a day (members.prepared): the union of members and roles costs more to compile than
        # to run.
        self.organisations = None
        if not organisations:
            self.people = OfferedRows(prepared.objects("seat_candidates", lambda: (
                selectors.seat_candidates().values_list("pk", *_PersonField.label_fields))))
            return
        people, offered = [], []
        # One query, not two (a round trip fewer on the manage page): UNION ALL of both reads, each row marked with
        # which it is and carrying what it is sorted by, the people by name and address, the organisations by
        # kind and name, as each read sorts them alone (sorted together, each kind stays in its own order).
        rows = prepared.objects("seat_candidates.organisations", _candidates_and_organisations)
        for which, pk, first, second in rows:
            if which == _PERSON:
                people.append((pk, first, second))
            else:
                offered.append((pk, second))
        self.people, self.organisations = OfferedRows(people), OfferedRows(offered)


def _candidates_and_organisations():
    def marked(queryset, which, first, second):
        return (queryset.order_by().annotate(which=Value(which), first=F(first), second=F(second))
                .values_list("which", "pk", "first", "second"))

    # A person's row is (pk, *_PersonField.label_fields), the name and address it is sorted by too.
    return (marked(selectors.seat_candidates(), _PERSON, "full_name", "email")
            .union(marked(seat_organisations(), _ORGANISATION, "kind", "name"), all=True)
            # Not by `which` first: a sort whose first key is the same for hundreds of rows cannot use PostgreSQL's
            # abbreviated keys for the names (0.35 ms against 0.13 ms); the two kinds are told apart in Python.
            .order_by("first", "second"))


class _PeopleForm(forms.Form):
    """A form whose person fields offer the seat candidates: read once a form, or once a page when the view passes
    the same SeatCandidates to each of its forms."""

    def __init__(self, *args, candidates: SeatCandidates | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates = candidates or SeatCandidates()
        for field in self.fields.values():
            if isinstance(field, _PersonField):
                field.offer(candidates.people, selectors.seat_candidates)


class SeatPeopleForm(_PeopleForm):
    holder = _person_field("Holder", help_text="Leave as Nobody while the seat is vacant.")
    deputy = _person_field("Deputy", help_text="Either the holder or the deputy may speak for the seat.")


class SeatForm(_PeopleForm):
    kind = forms.ChoiceField(label="Kind of seat", choices=Seat.Kind.choices, widget=forms.RadioSelect)
    organisation = OrganisationChoiceField(
        label="Member organisation",
        queryset=Organisation.objects.none(),
        required=False,
        help_text="For a member organisation's seat. Each organisation has one active seat.",
    )
    title = forms.CharField(
        label="Title",
        max_length=150,
        required=False,
        help_text="Needed for a co-opted or independent seat. A member seat is named after its organisation.",
    )
    holder = _person_field("Holder", help_text="Leave as Nobody while the seat is vacant.")
    deputy = _person_field("Deputy")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "seat")
        super().__init__(*args, **kwargs)
        if self.candidates.organisations is not None:  # read with the people (SeatCandidates(organisations=True))
            self.fields["organisation"].offer(self.candidates.organisations, seat_organisations)
        else:
            self.fields["organisation"].offer_prepared("seat_form.organisations", seat_organisations)


class GroupRoleForm(_PeopleForm):
    user = _person_field("Person", required=True)
    role = forms.ChoiceField(label="Role on the group", choices=GroupRole.Role.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "role")
        super().__init__(*args, **kwargs)


# Papers ---------------------------------------------------------------------------------------------------------

class PaperFileField(forms.FileField):
    """A file chooser for a paper. It asks members.papers whether the file may be one, so the person sees that
    answer beside the form's other problems; the service asks again."""

    widget = forms.FileInput(attrs={"accept": papers.ACCEPT})
    default_error_messages = {
        "required": papers.CHOOSE_A_FILE,
        "invalid": papers.CHOOSE_A_FILE,
        "missing": papers.CHOOSE_A_FILE,
        "empty": papers.EMPTY_FILE,
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "File")
        # Lazy: the limit is read from the settings when the form is shown, not when this module loads.
        kwargs.setdefault("help_text", lazy(papers.hint, str)())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file:
            papers.paper_check(file)
        return file


class FileAgainMixin:
    """A form with a file field named `file`: browsers never fill a file chooser in again, so when the form comes
    back with problems, the person is asked to choose the file again (what they typed elsewhere is kept)."""

    def ask_for_file_again(self):
        if self.is_bound and self.errors and "file" not in self.errors and self.files.get(self.add_prefix("file")):
            self.add_error("file", papers.CHOOSE_AGAIN)

    def full_clean(self):
        super().full_clean()
        self.ask_for_file_again()


class PaperForm(FileAgainMixin, forms.Form):
    """Add a paper, or a new version of one of `current`, the owner's current papers (as listed on its page)."""

    NEW = ""

    file = PaperFileField()
    title = forms.CharField(
        label="Title", max_length=200, required=False,
        help_text="As the group will see it. Leave it empty to use the file's name (or, for a new version, the "
                  "paper's title).",
    )
    supersedes = forms.TypedChoiceField(
        label="Is it a new version of a paper listed here?", required=False, coerce=int, empty_value=None,
        widget=forms.RadioSelect,
        help_text="A new version takes the paper's place in the list; the earlier version is kept and can still be "
                  "downloaded.",
    )

    def __init__(self, *args, current=(), **kwargs):
        # Prefixed: the page it is on may have another form with a title.
        kwargs.setdefault("prefix", "paper")
        super().__init__(*args, **kwargs)
        self.current = {paper.pk: paper for paper in current}
        if self.current:
            self.fields["supersedes"].choices = [(self.NEW, "No, it is a new paper")] + [
                (paper.pk, f"A new version of “{paper.title}”") for paper in self.current.values()
            ]
            self.initial.setdefault("supersedes", self.NEW)
        else:
            del self.fields["supersedes"]

    def clean_supersedes(self):
        pk = self.cleaned_data["supersedes"]
        return None if pk is None else self.current[pk]
