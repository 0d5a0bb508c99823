import re
import secrets
import time
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from decisions.models import DecisionItem
from members.forms import (
    DayMonthYearField,
    FileAgainMixin,
    OrganisationChoiceField,
    PaperFileField,
    PaperForm,
    PersonChoiceField,
    ShapeOnlyModelForm,
    TitleChoiceField,
    add_service_errors,
)
from members.models import Organisation, Place, User
from members.places import current_place
from members.selectors import acting_people
from priorities.models import AgreedPriority

from . import services
from .models import Action, AgendaItem, Forum, Meeting, MeetingPaper, Relationship, Representative, Request, Review

MEMBER_KINDS = [k for k in Organisation.Kind.values if k not in Organisation.SYSTEM_PARTNER_KINDS]


class ForumForm(ShapeOnlyModelForm):
    # Offered when a new forum is added in a place that belongs to an ICS (see __init__).
    for_whole_ics = forms.BooleanField(
        required=False, label="This forum works across the whole ICS",
        help_text="One representative speaks on it for every place of the ICS, briefed by all their groups.",
    )

    class Meta:
        model = Forum
        fields = ["name", "host", "cadence", "is_formal_seat", "purpose", "feedback_due_days"]
        labels = {"name": "Name of the forum", "purpose": "What the forum does"}
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "feedback_due_days": forms.NumberInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Organisation.objects.current().filter(
            kind__in=Organisation.SYSTEM_PARTNER_KINDS
        ).order_by("name")
        place = current_place()
        if self.instance.pk or place is None or place.ics_id is None:
            del self.fields["for_whole_ics"]
        else:
            self.fields["for_whole_ics"].label = f"This forum works across the whole of {place.ics.name}"

    def clean_feedback_due_days(self):
        value = self.cleaned_data["feedback_due_days"]
        if not 1 <= value <= 60:
            raise forms.ValidationError("Enter a number of days from 1 to 60.")
        return value


class RepresentativeForm(ShapeOnlyModelForm):
    user = PersonChoiceField(queryset=User.objects.none(), label="Person")

    class Meta:
        model = Representative
        fields = ["user", "role", "term_starts_on", "term_ends_on"]
        labels = {"role": "Appointed as", "term_starts_on": "Start of the term", "term_ends_on": "End of the term"}
        widgets = {"role": forms.RadioSelect}
        field_classes = {"term_starts_on": DayMonthYearField, "term_ends_on": DayMonthYearField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = acting_people()


class LeadForm(forms.Form):
    user = PersonChoiceField(queryset=User.objects.none(), label="Name a representation lead")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = acting_people()


class RelationshipForm(ShapeOnlyModelForm):
    held_by = PersonChoiceField(queryset=User.objects.none(), label="Held by")

    class Meta:
        model = Relationship
        fields = ["organisation", "contact_name", "contact_role", "held_by", "notes"]
        labels = {"organisation": "Their organisation"}
        help_texts = {"contact_role": "For example: chief executive, director of primary care."}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.current().filter(
            kind__in=Organisation.SYSTEM_PARTNER_KINDS
        ).order_by("name")
        self.fields["held_by"].queryset = acting_people()


class MeetingForm(forms.Form):
    held_on = DayMonthYearField(label="Date of the meeting")
    agenda = forms.CharField(
        label="Agenda items", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One item per line, in the order of the forum's agenda.",
    )

    def clean_agenda(self):
        lines = [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]
        if any(len(line) > 250 for line in lines):
            raise forms.ValidationError("Keep each agenda item to 250 characters or fewer.")
        return lines


class MeetingEditForm(forms.Form):
    """The meeting's date and one title field per current agenda item, named `item_<id>`."""

    held_on = DayMonthYearField(label="Date of the meeting")

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for number, item in enumerate(self.items, start=1):
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"Agenda item {number}", max_length=250, initial=item.title
            )

    @property
    def titles(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}


class AgendaItemForm(forms.Form):
    title = forms.CharField(label="Add an agenda item", max_length=250)


class DecisionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.get_status_display().lower()})"


class BriefingForm(forms.Form):
    position = forms.CharField(label="General practice position", widget=forms.Textarea(attrs={"rows": 4}))
    may_agree = forms.CharField(
        label="What the representative may agree", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The mandate: what you can say yes to on behalf of general practice.",
    )
    must_come_back = forms.CharField(
        label="What must come back to the group", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    red_lines = forms.CharField(label="Red lines", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decisions = DecisionChoiceField(
        label="Decisions it rests on", queryset=DecisionItem.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.ModelMultipleChoiceField(
        label="Priorities it rests on", queryset=AgreedPriority.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decisions"].queryset = DecisionItem.objects.exclude(
            status=DecisionItem.Status.WITHDRAWN
        ).order_by("-pk")
        self.fields["priorities"].queryset = AgreedPriority.objects.current().order_by("position", "pk")


class CommentForm(forms.Form):
    body = forms.CharField(label="Your comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class FeedbackForm(forms.Form):
    discussed = forms.CharField(label="What was discussed", widget=forms.Textarea(attrs={"rows": 4}))
    agreed = forms.CharField(
        label="What was agreed on behalf of general practice", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs_sign_off = forms.CharField(
        label="What needs the group's sign-off", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Write it as a question for the group. You can turn it into a draft decision item in one click.",
    )
    escalations = forms.CharField(label="Escalations", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(ShapeOnlyModelForm):
    owner = PersonChoiceField(queryset=User.objects.none(), label="Owner")
    support = PersonChoiceField(
        queryset=User.objects.none(), label="Support person", required=False,
        help_text=Action._meta.get_field("support").help_text,
    )

    class Meta:
        model = Action
        fields = ["title", "owner", "support", "due_on", "meeting", "decision", "priority"]
        labels = {"meeting": "From a forum meeting", "decision": "For a decision", "priority": "For a priority"}
        field_classes = {"due_on": DayMonthYearField, "decision": TitleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = acting_people()
        self.fields["owner"].queryset = people
        self.fields["support"].queryset = people
        # Actions come from recent meetings; a year back keeps the list short.
        self.fields["meeting"].queryset = (
            Meeting.objects.current()
            .filter(held_on__gte=timezone.localdate() - timedelta(days=365))
            .select_related("forum")
            .order_by("-held_on")
        )
        self.fields["decision"].queryset = DecisionItem.objects.exclude(
            status=DecisionItem.Status.WITHDRAWN
        ).order_by("-pk")
        self.fields["priority"].queryset = AgreedPriority.objects.current().order_by("position", "pk")


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices, widget=forms.RadioSelect)
    completion_note = forms.CharField(
        label="Completion note", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when you close the action: what was done, or why it is no longer needed.",
    )
    due_on = DayMonthYearField(label="Due date")


class ReviewForm(ShapeOnlyModelForm):
    class Meta:
        model = Review
        fields = ["reviewed_on", "working_well", "overstepped_mandate", "thin_feedback", "next_steps"]
        labels = {"reviewed_on": "Date of the review"}
        widgets = {
            "working_well": forms.Textarea(attrs={"rows": 3}),
            "overstepped_mandate": forms.Textarea(attrs={"rows": 3}),
            "thin_feedback": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"reviewed_on": DayMonthYearField}


# The public request form ----------------------------------------------------------------------------------------

STARTED_SALT = "representation.request-form.started"
# A form open longer than this is refused with a fresh token (the person simply sends it again).
STARTED_MAX_AGE_SECONDS = 24 * 60 * 60


def started_token(at: float | None = None) -> str:
    # A timestamp (a person takes a few seconds to fill the form in) and a nonce (each form is sent once).
    return signing.dumps({"t": time.time() if at is None else at, "n": secrets.token_hex(16)}, salt=STARTED_SALT)


# Invisible characters have no place in a request: C0/C1 controls, and the bidirectional overrides that can make
# an email or a page read differently from what was stored. Line breaks and tabs are fine in the long answer.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\t\n\r]")


def _refuse_control_characters(value: str, *, multiline: bool) -> str:
    if _CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
        raise forms.ValidationError(
            "Remove the invisible control characters from this answer; they can come from copying and pasting."
        )
    return value


def min_fill_seconds() -> float:
    # People take longer than this to fill the form; bots that post at once are refused.
    return settings.REQUEST_FORM_MIN_SECONDS


class RequestForm(FileAgainMixin, ShapeOnlyModelForm):
    file = PaperFileField(label="A document for the group", required=False)
    # A field people never see (the wrapper is hidden); bots that fill every field reveal themselves.
    website = forms.CharField(label="Leave this empty", required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Request
        fields = ["requester_name", "requester_email", "requester_role", "organisation_name", "summary", "details",
                  "needed_by"]
        help_texts = {
            "organisation_name": "For example: North Shire Integrated Care Board.",
            "summary": "A short title, for example: winter vaccination plan for care homes.",
            "details": "What you are asking general practice for, and any background we need.",
            "needed_by": "For example, 18 12 2026. We aim to triage every request within 5 working days.",
        }
        widgets = {
            "requester_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "requester_email": forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            "requester_role": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "organisation_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "details": forms.Textarea(attrs={"rows": 6}),
        }
        field_classes = {"needed_by": DayMonthYearField}

    MULTILINE = {"details"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["details"].help_text += f" Up to {self.fields['details'].max_length:,} characters."
        # The label is a question; the date's messages need its name.
        self.fields["needed_by"].noun = "the date you need a response by"
        self.fields["needed_by"].subject = "The date you need a response by"

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean(self):
        data = super().clean()
        if data.get("needed_by"):
            # The rule is the service's; asking it here shows its answer beside every other problem at once.
            try:
                services.check_request_fields(needed_by=data["needed_by"])
            except ValidationError as error:
                add_service_errors(self, error)
        for name in ("requester_name", "requester_email", "requester_role", "organisation_name", "summary",
                     "details"):
            value = data.get(name)
            if isinstance(value, str):
                try:
                    _refuse_control_characters(value, multiline=name in self.MULTILINE)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        token = self.data.get("started", "")
        try:
            started = signing.loads(token, salt=STARTED_SALT, max_age=STARTED_MAX_AGE_SECONDS)
            started_at, nonce = float(started["t"]), str(started["n"])
        except signing.SignatureExpired:
            self.add_error(None, "The form was open for more than a day. Check your answers and send it again.")
        except (signing.BadSignature, TypeError, KeyError, ValueError):
            self.add_error(None, "We could not check the form. Check your answers and send it again.")
        else:
            # A person who sent it with answers missing is told what is missing, never that they were too quick
            # (the corrected form gets a fresh token); only an otherwise complete form sent at once looks like a bot.
            if time.time() - started_at < min_fill_seconds() and not self._errors:
                self.add_error(None, "The form was sent too quickly to be checked. Check your answers and send it "
                                     "again.")
            data["form_nonce"] = nonce
        return data


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Request.Outcome.choices, widget=forms.RadioSelect)
    redirected_to = OrganisationChoiceField(
        label="Member organisation it goes to", queryset=Organisation.objects.none(), required=False,
        help_text="Only for a redirected request.",
    )
    outcome_reason = forms.CharField(
        label="Why, in words for the requester", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when more work is needed first, when you redirect, and when you decline. "
        "It goes in the email to the requester.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["redirected_to"].queryset = Organisation.objects.current().filter(
            kind__in=[Organisation.Kind.LMC, Organisation.Kind.FEDERATION, Organisation.Kind.PCN,
                      Organisation.Kind.PRACTICE]
        ).order_by("kind", "name")
        # Needed with some outcomes (their hints say which), so never labelled "(optional)".
        for name in ("redirected_to", "outcome_reason"):
            self.fields[name].conditional = True


class MeetingPaperForm(PaperForm):
    """The minutes of a forum meeting, or a paper for the meeting or one of its agenda items."""

    kind = forms.ChoiceField(label="What is it?", choices=MeetingPaper.Kind.choices, widget=forms.RadioSelect,
                             initial=MeetingPaper.Kind.PAPER)
    agenda_item = forms.ModelChoiceField(label="Which agenda item is it for?", queryset=AgendaItem.objects.none(),
                                         required=False, empty_label="The whole meeting")

    field_order = ["file", "title", "kind", "agenda_item", "supersedes"]

    def __init__(self, *args, meeting=None, items=None, **kwargs):
        """`items`: the meeting's agenda items in order, when the page has read them already; the form offers
        them rather than reading them again (the item chosen is still checked against the database)."""
        super().__init__(*args, **kwargs)
        if meeting is not None:
            field = self.fields["agenda_item"]
            # Only a submitted form checks the item chosen: building the query costs the page more than the rest of
            # the form (issue 12).
            if self.is_bound or items is None:
                field.queryset = AgendaItem.objects.filter(meeting=meeting, is_archived=False)
            if items is not None:
                field.choices = [("", field.empty_label),
                                 *((item.pk, field.label_from_instance(item)) for item in items)]
        if "supersedes" in self.fields:
            self.fields["supersedes"].help_text += " It keeps the kind and the agenda item of the paper it replaces."


class AgendaOtherForm(forms.Form):
    title = forms.CharField(label="Add an item to the agenda", max_length=250)


class ICSRequestForm(RequestForm):
    """The request form of an ICS: an ICS-level partner asks one, several or all of its places at once. The same
    answers and protections as a place's form, and the places it goes to."""

    ALL = "all"

    places = forms.MultipleChoiceField(
        label="Which places is this for?", widget=forms.CheckboxSelectMultiple,
        error_messages={"required": services.NO_PLACE_CHOSEN},
        help_text="Each place's group gets its own copy, with its own reference number, and triages it.",
    )

    field_order = ["requester_name", "requester_email", "requester_role", "organisation_name", "places", "summary",
                   "details", "needed_by"]

    def __init__(self, *args, ics, **kwargs):
        super().__init__(*args, **kwargs)
        self.ics = ics
        self.ics_places = list(Place.objects.filter(ics=ics).order_by("name"))
        self.fields["places"].choices = [(self.ALL, f"All places of {ics.name}")] + [
            (str(place.pk), place.name) for place in self.ics_places
        ]

    def clean_places(self):
        chosen = set(self.cleaned_data["places"])
        if self.ALL in chosen:
            return list(self.ics_places)
        return [place for place in self.ics_places if str(place.pk) in chosen]

    def clean(self):
        data = super().clean()
        if "places" in data:
            try:
                services.check_request_routing(ics=self.ics, to_places=data["places"])
            except ValidationError as error:
                add_service_errors(self, error)
        return data
