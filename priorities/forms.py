from django import forms
from django.core.exceptions import ValidationError

from members.forms import DayMonthYearField, ShapeOnlyModelForm

from . import services
from .models import RAG, Candidate, Exercise, PlanItem


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ExerciseForm(ShapeOnlyModelForm):
    class Meta:
        model = Exercise
        fields = [
            "title", "purpose", "places", "method", "points_per_ballot", "weighting", "ballots_visible_after_close",
            "opens_at", "closes_at",
        ]
        labels = {"ballots_visible_after_close": "Show each practice's ballot to the group after the close"}
        help_texts = {
            "opens_at": "UK time. For example 09:00 on the first day.",
            "closes_at": "UK time. Practices get a reminder 48 hours before, and the vote is counted at this time.",
            "weighting": "With list-size weighting each ballot counts as the practice's registered patients "
            "when voting closes.",
        }
        widgets = {
            "method": forms.RadioSelect,
            "weighting": forms.RadioSelect,
            "opens_at": DateTimeLocalInput,
            "closes_at": DateTimeLocalInput,
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "places": forms.NumberInput(attrs={"class": "nhsuk-input--width-2", "inputmode": "numeric"}),
            "points_per_ballot": forms.NumberInput(attrs={"class": "nhsuk-input--width-3", "inputmode": "numeric"}),
        }


class CandidateForm(ShapeOnlyModelForm):
    class Meta:
        model = Candidate
        fields = ["title", "description", "influence_sought"]
        labels = {"title": "Candidate priority", "influence_sought": "Influence sought on the local system"}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "influence_sought": forms.Textarea(attrs={"rows": 3}),
        }


class BallotForm(forms.Form):
    """One form class for the three methods. ``clean`` turns the fields into the stored ``choices``."""

    def __init__(self, *args, exercise: Exercise, candidates: list[Candidate], ballot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.exercise = exercise
        self.candidates = candidates
        self.choices = None
        stored = ballot.choices if ballot else None
        method = exercise.method
        if method == Exercise.Method.APPROVAL:
            self.fields["approved"] = forms.TypedMultipleChoiceField(
                label=f"Choose up to {exercise.places} priorit{'y' if exercise.places == 1 else 'ies'}",
                help_text=f"Choose up to {exercise.places}. Each one you tick gets your practice's full vote.",
                choices=[(c.pk, c.title) for c in candidates],
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=stored or [],
            )
        elif method == Exercise.Method.POINTS:
            for c in candidates:
                given = (stored or {}).get(str(c.pk))
                self.fields[f"c{c.pk}"] = forms.IntegerField(
                    label=c.title, help_text=c.description, min_value=0, max_value=exercise.points_per_ballot,
                    initial=given or 0,
                    widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-2 portal-points",
                                                    "inputmode": "numeric"}),
                    error_messages={"required": f"Enter the points for {c.title}, or 0.",
                                    "invalid": f"Enter the points for {c.title} as a whole number, like 3.",
                                    "min_value": f"Points for {c.title} cannot be less than 0.",
                                    "max_value": f"Points for {c.title} cannot be more than "
                                                 f"{exercise.points_per_ballot}."},
                )
        else:
            rank_of = {pk: n for n, pk in enumerate(stored or [], start=1)}
            # "Not ranked" is a real choice (0), so every select is answered and none is marked optional.
            rank_choices = [("0", "Not ranked")] + [
                (str(n), services.ordinal(n)) for n in range(1, len(candidates) + 1)
            ]
            for c in candidates:
                self.fields[f"c{c.pk}"] = forms.TypedChoiceField(
                    label=c.title, help_text=c.description, choices=rank_choices, coerce=int,
                    initial=str(rank_of.get(c.pk, 0)),
                )

    def candidate_fields(self):
        return [self[f"c{c.pk}"] for c in self.candidates]

    @property
    def points_total(self) -> int:
        if self.exercise.method != Exercise.Method.POINTS:
            return 0
        total = 0
        for c in self.candidates:
            value = self[f"c{c.pk}"].value()
            try:
                total += int(value or 0)
            except (TypeError, ValueError):
                pass
        return total

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        method = self.exercise.method
        if method == Exercise.Method.APPROVAL:
            choices = data.get("approved") or []
        elif method == Exercise.Method.POINTS:
            choices = {str(c.pk): data.get(f"c{c.pk}") or 0 for c in self.candidates}
        else:
            by_rank: dict[int, list[Candidate]] = {}
            for c in self.candidates:
                rank = data.get(f"c{c.pk}")
                if rank:
                    by_rank.setdefault(rank, []).append(c)
            for rank, same in sorted(by_rank.items()):
                if len(same) > 1:
                    names = " and ".join(c.title for c in same)
                    for c in same:
                        self.add_error(
                            f"c{c.pk}", f"You gave {services.ordinal(rank)} to both {names}. Give each rank once."
                        )
                    return data
            ranks = sorted(by_rank)
            for expected, rank in enumerate(ranks, start=1):
                if rank != expected:
                    raise ValidationError(
                        f"You ranked {services.ordinal(rank)} but not {services.ordinal(expected)}. "
                        "Number your choices 1st, 2nd, 3rd and so on without gaps."
                    )
            choices = [by_rank[rank][0].pk for rank in ranks]
        # Whether the choices make a valid ballot is the service's rule (services.check_choices).
        self.choices = choices
        return data


class ConfirmPrioritiesForm(forms.Form):
    candidates = forms.TypedMultipleChoiceField(
        label="Agreed priorities",
        help_text="The result's choices are ticked. Untick or add to reflect what the group agreed.",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says when none is chosen
    )

    def __init__(self, *args, candidates: list[Candidate], **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate_list = candidates
        self.fields["candidates"].choices = [(c.pk, c.title) for c in candidates]

    def chosen(self) -> list[Candidate]:
        wanted = set(self.cleaned_data["candidates"])
        return [c for c in self.candidate_list if c.pk in wanted]


class PlanItemForm(ShapeOnlyModelForm):
    note = forms.CharField(
        label="Progress note", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What has happened since the last update. Kept in the progress history.",
    )

    class Meta:
        model = PlanItem
        fields = ["title", "lead", "due_date", "funding_note", "rag_status"]
        labels = {"funding_note": "Funding", "due_date": "Due date", "rag_status": "RAG status"}
        widgets = {"rag_status": forms.RadioSelect}
        field_classes = {"due_date": DayMonthYearField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rag_status"].choices = RAG.choices
