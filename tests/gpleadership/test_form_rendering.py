"""Every field group and common widget is drawn in Python by gpleadership.forms.NHSFormRenderer (issue 12): what it
draws must be, byte for byte, what the templates (includes/field.html, django/forms/widgets/) draw. Every form class
of the project is rendered both ways, unbound, bound with valid data and bound with errors, escaping included."""

import datetime

import pytest
from django import forms
from django.forms.forms import BaseForm
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

import decisions.forms
import priorities.forms
import representation.forms
from gpleadership.forms import NHSFormRenderer, TemplateFormRenderer
from members.forms import DayMonthYearField, LongChoiceField

from .. import factories

APPS = ("members", "decisions", "priorities", "representation", "gpleadership")
TRICKY = 'Tom & "Jerry" <b>'


def _form_classes():
    """Every concrete form class of the project's apps (a ModelForm without a model is an abstract base)."""
    assert decisions.forms and priorities.forms and representation.forms  # imported, so their forms are found
    found, queue = set(), list(BaseForm.__subclasses__())
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and not cls.__name__.startswith("_"):
            if not (issubclass(cls, forms.ModelForm) and cls._meta.model is None):
                found.add(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def _both_ways(form) -> tuple[str, str]:
    """The form drawn by the template renderer, then by NHSFormRenderer (the same bound form, errors and all)."""
    form.renderer = TemplateFormRenderer()
    expected = str(form)
    form.renderer = NHSFormRenderer()
    return expected, str(form)


def _first_choice(field):
    return next((str(value) for value, _label in field.choices if str(value) != ""), "")


def _data(form, *, valid: bool) -> QueryDict:
    """What a person might post for each field of `form`: a plausible value of each (valid) or a value no field
    takes, with characters to escape (invalid)."""
    data = QueryDict(mutable=True)
    for bound in form:
        field, name = bound.field, bound.html_name
        if isinstance(field, forms.FileField):
            continue
        if isinstance(field, DayMonthYearField):
            parts = ("3", "12", "2026") if valid else (TRICKY, "", "2026")
            for part, value in zip(("day", "month", "year"), parts, strict=True):
                data[f"{name}_{part}"] = value
        elif not valid:
            data.setlist(name, [TRICKY])
        elif isinstance(field, forms.BooleanField):
            data[name] = "on"
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data.setlist(name, [_first_choice(field)])
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            data[name] = _first_choice(field)
        elif isinstance(field, forms.EmailField):
            data[name] = "tom@example.com"
        elif isinstance(field, forms.URLField):
            data[name] = "https://example.com/"
        elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            data[name] = "1"
        elif isinstance(field, forms.DateTimeField):
            data[name] = "2026-12-01T10:00"
        elif isinstance(field, forms.DateField):
            data[name] = "2026-12-01"
        else:
            data[name] = TRICKY[: field.max_length] if getattr(field, "max_length", None) else TRICKY
    return data


@pytest.fixture
def arguments(testshire, ics, chair, member, practice):
    """The keyword arguments of the forms that need some (others are made with none)."""
    factories.PrincipleFactory()
    factories.PartnerFactory()
    seat = factories.SeatFactory(holder=chair, deputy=member)
    exercises = {method: factories.ExerciseFactory(method=method) for method in ("ranked", "points", "approval")}
    candidates = {method: [factories.CandidateFactory(exercise=exercise, title=f"{TRICKY} {n}") for n in range(3)]
                  for method, exercise in exercises.items()}
    return {
        "InvitationForm": [{"inviter": chair}],
        "OnBehalfForm": [{"seat": seat}],
        "BallotForm": [{"exercise": exercises[method], "candidates": candidates[method]} for method in exercises],
        "ConfirmPrioritiesForm": [{"candidates": candidates["ranked"]}],
        "ICSRequestForm": [{"ics": ics}],
    }


@pytest.mark.django_db
def test_every_form_of_the_project_is_drawn_as_its_templates_draw_it(arguments):
    classes = _form_classes()
    assert len(classes) > 40, "the forms were not found"
    for cls in classes:
        for kwargs in arguments.get(cls.__name__, [{}]):
            unbound = cls(**kwargs)
            for form in (unbound, cls(_data(unbound, valid=True), **kwargs), cls(_data(unbound, valid=False), **kwargs),
                         cls({}, **kwargs)):
                expected, drawn = _both_ways(form)
                assert drawn == expected, f"{cls.__name__} (bound: {form.is_bound}, errors: {dict(form.errors)})"


class _Tricky(forms.Form):
    """A field of every kind drawn in Python, each with labels, hints, values and errors to escape."""

    text = forms.CharField(label=TRICKY, help_text=TRICKY, widget=forms.TextInput(attrs={"class": '"a" & <b>',
                                                                                        "data-x": TRICKY}))
    safe = forms.CharField(label=mark_safe("<em>Safe</em> label"), help_text=mark_safe("<strong>Safe</strong>"),
                           required=False, widget=forms.TextInput(attrs={"data-safe": mark_safe("<i>&amp;</i>")}))
    lazy_label = forms.CharField(label=lazy(lambda: TRICKY, str)(), required=False)
    email = forms.EmailField(label="Email", required=False)
    number = forms.IntegerField(label="Number", help_text="Whole", required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    choice = forms.ChoiceField(label="Choice", choices=[("", "Choose"), ("<&>", TRICKY), ("b", "B")])
    many = forms.MultipleChoiceField(label="Many", choices=[("a", TRICKY), ("b", "B")], required=False)
    long = LongChoiceField(queryset=None, required=False)
    tick = forms.BooleanField(label=TRICKY, help_text=TRICKY)
    radios = forms.ChoiceField(label=TRICKY, help_text=TRICKY, widget=forms.RadioSelect,
                               choices=[("a", TRICKY), ("b", "B")])
    boxes = forms.MultipleChoiceField(label="Boxes", widget=forms.CheckboxSelectMultiple,
                                      choices=[("a", TRICKY), ("b", "B")])
    due = DayMonthYearField(label="Due", help_text=TRICKY, required=False)
    when = forms.DateField(label="When", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    paper = forms.FileField(label=TRICKY, help_text=TRICKY, required=False,
                            widget=forms.FileInput(attrs={"accept": ".pdf,<&>"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["long"].choices = [("", "None"), ("1", TRICKY)]
        self.fields["tick"].conditional = True

    def clean(self):
        raise forms.ValidationError(TRICKY)


@pytest.mark.parametrize("data", [
    None,
    {},
    {"text": TRICKY, "safe": "<", "email": "not an email <&>", "number": '1"', "notes": f"{TRICKY}\n{TRICKY}",
     "choice": "<&>", "many": ["a", "<"], "tick": "on", "radios": "<", "boxes": ["b"],
     "due_day": TRICKY, "due_month": "12", "due_year": "2026", "when": "2026-12-01", "hidden": TRICKY},
])
def test_labels_hints_values_and_errors_are_escaped_as_the_templates_escape_them(data):
    form = _Tricky(data)
    if form.is_bound:
        form.add_error("text", f"A second error: {TRICKY}")
    expected, drawn = _both_ways(form)
    assert drawn == expected
    assert "Tom &amp; &quot;Jerry&quot; &lt;b&gt;" in drawn


def test_a_widget_of_another_kind_is_left_to_its_template():
    class _Other(forms.Form):
        upload = forms.FileField(label=TRICKY)
        split = forms.SplitDateTimeField(label="Split")

    expected, drawn = _both_ways(_Other({}))
    assert drawn == expected


def test_a_date_is_shown_in_its_boxes():
    form = _Tricky(initial={"due": datetime.date(2026, 12, 3)})
    expected, drawn = _both_ways(form)
    assert drawn == expected and 'value="3"' in drawn
