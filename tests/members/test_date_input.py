"""The NHS.UK date input (members.forms.DayMonthYearField): day, month and year boxes, the NHS.UK error messages one
per problem, what was typed kept on an error, the error summary linking to the first box, and a single ISO date still
read for links and programmatic posts."""

import re
from datetime import date

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from members.forms import DayMonthYearField
from representation.models import Action

from ..factories import ActionFactory

pytestmark = pytest.mark.django_db


class DueForm(forms.Form):
    due_on = DayMonthYearField(label="Due date")
    follow_up_on = DayMonthYearField(label="Follow-up date", required=False)


def _errors(data: dict) -> dict:
    form = DueForm(data)
    form.is_valid()
    return {name: list(errors) for name, errors in form.errors.items()}


def _boxes(html: str, name: str) -> list[str]:
    """What the day, month and year boxes of the date input `name` show."""
    boxes = [re.search(rf'name="{name}_{part}"([^>]*)>', html)[1] for part in ("day", "month", "year")]
    return [value[1] if (value := re.search(r'value="([^"]*)"', box)) else "" for box in boxes]


def test_it_reads_the_day_month_and_year_boxes():
    form = DueForm({"due_on_day": "1", "due_on_month": "12", "due_on_year": "2026"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"due_on": date(2026, 12, 1), "follow_up_on": None}


def test_it_reads_a_month_typed_as_a_word():
    form = DueForm({"due_on_day": "3", "due_on_month": "Dec", "due_on_year": "2026"})
    assert form.is_valid() and form.cleaned_data["due_on"] == date(2026, 12, 3)


def test_it_still_reads_a_single_iso_date_posted_under_the_fields_name():
    form = DueForm({"due_on": "2026-12-01"})
    assert form.is_valid() and form.cleaned_data["due_on"] == date(2026, 12, 1)


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Enter the due date"),
    ({"due_on_day": "3"}, "Due date must include a month and year"),
    ({"due_on_day": "3", "due_on_year": "2026"}, "Due date must include a month"),
    ({"due_on_month": "3", "due_on_year": "2026"}, "Due date must include a day"),
    ({"due_on_day": "31", "due_on_month": "2", "due_on_year": "2027"}, "Due date must be a real date"),
    ({"due_on_day": "x", "due_on_month": "2", "due_on_year": "2027"}, "Due date must be a real date"),
    ({"due_on_day": "3", "due_on_month": "13", "due_on_year": "2027"}, "Due date must be a real date"),
    ({"due_on_day": "3", "due_on_month": "2", "due_on_year": "27"}, "Due date must include a year with 4 numbers"),
    ({"due_on": "01/12/2026"}, "Due date must be a real date"),
])
def test_it_says_what_is_wrong_in_the_nhs_words_once(data, message):
    assert _errors(data) == {"due_on": [message]}


def test_an_optional_date_left_empty_is_no_date_but_half_typed_is_refused():
    data = {"due_on_day": "1", "due_on_month": "1", "due_on_year": "2027"}
    assert _errors(data) == {}
    assert _errors({**data, "follow_up_on_year": "2027"}) == {
        "follow_up_on": ["Follow-up date must include a day and month"]}


def test_it_renders_the_nhs_date_input_in_a_fieldset_and_keeps_what_was_typed():
    form = DueForm({"due_on_day": "31", "due_on_month": "2", "due_on_year": "2027"})
    form.is_valid()
    html = render_to_string("includes/form.html", {"form": form})
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Due date</legend>' in html
    assert '<div class="nhsuk-date-input" id="id_due_on">' in html
    assert _boxes(html, "due_on") == ["31", "2", "2027"]
    for part, label in [("0", "Day"), ("1", "Month"), ("2", "Year")]:
        assert f'<label class="nhsuk-label nhsuk-date-input__label" for="id_due_on_{part}">{label}</label>' in html
    # A real-date error marks every box; the summary names the date once and links to the day box.
    assert html.count("nhsuk-input--error") == 3
    assert '<a href="#id_due_on_0">Due date must be a real date</a>' in html
    assert "(optional)" not in html.split("Follow-up date")[0]


def test_a_missing_part_marks_only_its_own_box():
    form = DueForm({"due_on_day": "3", "due_on_year": "2027"})
    form.is_valid()
    html = render_to_string("includes/form.html", {"form": form})
    assert re.findall(r'class="nhsuk-input ([^"]*)" id="id_due_on_(\d)"', html) == [
        ("nhsuk-date-input__input nhsuk-input--width-2", "0"),
        ("nhsuk-date-input__input nhsuk-input--width-2 nhsuk-input--error", "1"),
        ("nhsuk-date-input__input nhsuk-input--width-4", "2"),
    ]


def test_an_existing_date_is_shown_in_the_boxes_on_edit(client_for, chair):
    action = ActionFactory(owner=chair, due_on=date(2027, 3, 5))
    html = client_for(chair).get(reverse("representation:action", args=[action.pk])).content.decode()
    assert _boxes(html, "due_on") == ["5", "3", "2027"]


def test_a_posted_date_is_stored(client_for, chair):
    action = ActionFactory(owner=chair)
    response = client_for(chair).post(reverse("representation:action", args=[action.pk]), {
        "status": Action.Status.OPEN, "due_on_day": "9", "due_on_month": "4", "due_on_year": "2027",
    })
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.due_on == date(2027, 4, 9)
