from django import forms
from django.db.models import Value
from django.utils import timezone

from members import prepared
from members.forms import (
    DayMonthYearField,
    OrganisationChoiceField,
    PersonChoiceField,
    ShapeOnlyModelForm,
    TitleChoiceField,
)
from members.models import Organisation, User
from members.selectors import acting_people
from members.services import END_BEFORE_START

from .models import DecisionItem, Position, Principle


class ItemForm(ShapeOnlyModelForm):
    lead = PersonChoiceField(queryset=User.objects.none(), required=False, label="Lead",
                             help_text="The person who works on the wording between rounds.")

    class Meta:
        model = DecisionItem
        fields = ["title", "question", "background", "proposed_wording", "lead", "principles", "organisations"]
        labels = {
            "title": "Title",
            "question": "The question for the group",
            "proposed_wording": "Proposed wording",
            "principles": "Principles it rests on",
            "organisations": "Organisations it concerns",
        }
        help_texts = {
            "question": "One or two sentences: what are we deciding?",
            "background": "What the group needs to know: the history, the evidence, who is affected.",
            "proposed_wording": "The words the group will be asked to agree. A consensus check freezes them.",
            "principles": None,
            "organisations": "People who declared an interest related to these organisations are flagged when "
            "they respond.",
        }
        widgets = {
            "question": forms.Textarea(attrs={"rows": 3}),
            "background": forms.Textarea(attrs={"rows": 5}),
            "proposed_wording": forms.Textarea(attrs={"rows": 6}),
            "principles": forms.CheckboxSelectMultiple,
            "organisations": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = acting_people()
        self.fields["principles"].queryset = Principle.objects.current()
        self.fields["principles"].required = False
        self.fields["organisations"].queryset = (
            Organisation.objects.current().exclude(kind=Organisation.Kind.PRACTICE).order_by("kind", "name")
        )
        self.fields["organisations"].required = False
        self.fields["organisations"].help_text += " Hold Ctrl (or Cmd) to choose more than one."


class RoundOpenForm(forms.Form):
    deadline = DayMonthYearField(
        label="Deadline for positions",
        help_text="The round closes at the end of this day. For example, 5 3 2027.",
    )


class PositionForm(forms.Form):
    """A seat's position. The reason box sits under the stance that needs it (NHS conditional radios); without
    JavaScript every box shows and only the one for the chosen stance is read."""

    # The box that holds the service's `reason` for each stance that has one.
    REASON_FIELDS = {Position.Stance.STAND_ASIDE: "stand_aside_reason", Position.Stance.BLOCK: "block_reason"}

    stance = forms.ChoiceField(
        label="Your seat's position", choices=Position.Stance.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose your seat's position."},
    )
    stand_aside_reason = forms.CharField(
        label="Why does your seat stand aside?", required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )
    block_reason = forms.CharField(
        label="What is the concern at stake?", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A block stops this wording. Say what would need to change.",
    )
    block_principle = forms.ModelChoiceField(
        label="Principle at stake", queryset=Principle.objects.none(), required=False,
        empty_label="None – the concern is described above",
    )

    HINTS = {
        Position.Stance.SUPPORT: "Your seat supports this wording.",
        Position.Stance.LIVE_WITH: "Not your seat's first choice, but it can live with it.",
        Position.Stance.STAND_ASIDE: "Your seat will not stand in the way, but its concern is recorded and shown.",
        Position.Stance.BLOCK: "This wording goes against a principle or a fundamental concern. "
        "A block closes the round at once, without consensus.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block_principle"].queryset = Principle.objects.current()
        # Needed with the stance they sit under, so never labelled "(optional)" (templates/includes/field.html).
        for name in self.REASON_FIELDS.values():
            self.fields[name].conditional = True

    @property
    def service_fields(self) -> dict:
        """Where the service's field errors go on this form: its `reason` is the box under the chosen stance."""
        reason_field = self.REASON_FIELDS.get(self.cleaned_data.get("stance"))
        return {"reason": reason_field} if reason_field else {}

    def position_data(self) -> dict:
        data = self.cleaned_data
        stance = data["stance"]
        reason_field = self.REASON_FIELDS.get(stance)
        return {
            "stance": stance,
            "reason": data.get(reason_field, "") if reason_field else "",
            "principle": data.get("block_principle") if stance == Position.Stance.BLOCK else None,
        }

    @classmethod
    def initial_for(cls, position: Position | None) -> dict:
        if position is None:
            return {}
        initial = {"stance": position.stance}
        if position.stance == Position.Stance.STAND_ASIDE:
            initial["stand_aside_reason"] = position.reason
        if position.stance == Position.Stance.BLOCK:
            initial["block_reason"] = position.reason
            initial["block_principle"] = position.principle_id
        return initial


class OnBehalfForm(PositionForm):
    """A position the seat gave by phone, in the meeting or by email, written down by the chair or a gatekeeper:
    who gave it (the seat's holder or deputy) and how."""

    given_by = forms.TypedChoiceField(label="Who gave the position?", coerce=int,
                                      error_messages={"required": "Choose who gave the position."})
    given_how = forms.ChoiceField(
        label="How was it given?", widget=forms.RadioSelect,
        choices=[(v, label) for v, label in Position.GivenHow.choices if v],
        error_messages={"required": "Choose how the position was given."},
    )

    field_order = ["given_by", "given_how"]

    def __init__(self, *args, seat, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in (seat.holder, seat.deputy) if person is not None}
        self.fields["given_by"].choices = [
            (person.pk, f"{person.get_full_name()} ({'holder' if person.pk == seat.holder_id else 'deputy'})")
            for person in self.people.values()
        ]

    @property
    def giver(self):
        return self.people[self.cleaned_data["given_by"]]


class ConfirmForm(forms.Form):
    # Not required here: the service says what is missing, in the group's words.
    statement = forms.CharField(
        label="Decision statement", widget=forms.Textarea(attrs={"rows": 6}), required=False,
        help_text="What the group has agreed, in words every practice will understand.",
    )
    decided_on = DayMonthYearField(label="Date of the decision", initial=timezone.localdate,
                                   help_text="For example, 5 3 2027.")
    principles = forms.ModelMultipleChoiceField(
        label="Principles it rests on", queryset=Principle.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    publish = forms.BooleanField(
        label="Publish to every practice now", required=False, initial=True,
        help_text="Practices see the statement, the date and the principles – never the discussion or positions.",
    )
    is_public = forms.BooleanField(label="Also show it on the public About page", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["principles"].queryset = Principle.objects.current()


# The text boxes below are not required here: the service says what is missing, in the group's words.


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 4}), required=False)


class RedirectForm(forms.Form):
    organisation = OrganisationChoiceField(
        label="Whose role is it?", queryset=Organisation.objects.none(), required=False,
        help_text="For example, a contract matter goes to the LMC.",
    )
    reason = ReasonForm.base_fields["reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.current().exclude(kind=Organisation.Kind.PRACTICE).order_by("kind", "name")
        )


class CommentForm(forms.Form):
    body = forms.CharField(label="Add to the discussion", widget=forms.Textarea(attrs={"rows": 4}), required=False)


class InterestForm(forms.Form):
    interest = forms.CharField(
        label="Declare an interest in this item", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: my practice would host the service this item proposes.", required=False,
    )


class PrincipleForm(ShapeOnlyModelForm):
    class Meta:
        model = Principle
        fields = ["title", "description", "adopted_on"]
        labels = {"title": "Principle", "adopted_on": "Date adopted"}
        help_texts = {"adopted_on": "The date the group agreed it. For example, 1 4 2026."}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"adopted_on": DayMonthYearField}


def _principles():
    return Principle.objects.order_by("title")


def _organisations():
    return Organisation.objects.current().exclude(kind=Organisation.Kind.PRACTICE).order_by("kind", "name")


def _choices():
    """The rows of both lists (field name, order, pk, label), each list in the order of its queryset."""
    principles = _principles().annotate(field=Value("principle"), order=Value("")).values_list(
        "field", "order", "pk", "title")
    organisations = _organisations().annotate(field=Value("organisation")).values_list("field", "kind", "pk", "name")
    return principles.order_by().union(organisations.order_by(), all=True).order_by("field", "order", "title")


class _Offered:
    """The rows of both lists, read together the first time either is drawn."""

    def __init__(self):
        self._rows = None

    def read(self, name) -> list[tuple]:
        if self._rows is None:
            self._rows = {"principle": [], "organisation": []}
            for field, _order, pk, label in prepared.objects("log-filter.choices", _choices):
                self._rows[field].append((pk, label))
        return self._rows[name]

    def rows(self, name):
        return _OfferedRows(self, name)


class _OfferedRows:
    def __init__(self, offered: _Offered, name: str):
        self.offered, self.name = offered, name

    def __iter__(self):
        return iter(self.offered.read(self.name))


class LogFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status")] + list(DecisionItem.Status.choices))
    date_from = DayMonthYearField(label="From date", required=False)
    date_to = DayMonthYearField(label="To date", required=False)
    principle = TitleChoiceField(label="Principle", queryset=Principle.objects.none(), required=False,
                                 empty_label="Any principle")
    organisation = OrganisationChoiceField(label="Organisation", queryset=Organisation.objects.none(),
                                           required=False, empty_label="Any organisation")

    def __init__(self, *args, statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        # What the two lists offer is read in one query from prepared SQL (members.prepared) when the form is drawn
        # (the CSV export never draws it): the form opens every log page, and building and compiling its queries
        # cost more than running them. A choice sent is checked against the field's queryset, which only a bound
        # form needs.
        offered = _Offered()
        for name, choices in (("principle", _principles), ("organisation", _organisations)):
            field = self.fields[name]
            field.offer(offered.rows(name), choices)
        if statuses is not None:
            self.fields["status"].choices = [("", "Any status")] + [
                (value, label) for value, label in DecisionItem.Status.choices if value in statuses
            ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", END_BEFORE_START)
        return data
