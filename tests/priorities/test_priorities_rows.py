"""priorities.templatetags.priorities_rows writes the priorities list's exercises and an exercise's turnout by PCN;
their templates (templates/priorities/includes/) stay as the reference."""

import re
from datetime import UTC, datetime

import pytest
from django.template import engines

from priorities import services

from ..factories import ExerciseFactory, PCNFactory

pytestmark = pytest.mark.django_db


def _draw(source: str, turnout: dict) -> str:
    return engines["django"].from_string(source).render({"turnout": turnout})


def test_python_draws_the_turnout_by_pcn_as_its_template_does(make_exercise, make_voter):
    exercise, c = make_exercise("approval", places=1, names="AB")
    pcn = PCNFactory(name='Riverside <&> "North" PCN')
    voters = [make_voter(pcn=pcn), make_voter(pcn=pcn), make_voter()]
    services.ballot_cast(exercise=exercise, practice=voters[0][0], user=voters[0][1], choices=[c["A"].pk])
    turnout = services.turnout(exercise)
    stored = {"by_pcn": [{"pcn": "Ünïcode PCN", "eligible": 1200, "voted": 0}]}  # as the close stores it
    for shown in (turnout, stored, {"by_pcn": []}):
        assert _draw("{% load priorities_rows %}{% turnout_by_pcn_rows turnout %}", shown) == _draw(
            '{% include "priorities/includes/turnout_by_pcn_rows.html" %}', shown)
    drawn = _draw("{% load priorities_rows %}{% turnout_by_pcn_rows turnout %}", turnout)
    assert drawn.count('scope="row"') == 2 and "Riverside &lt;&amp;&gt; &quot;North&quot; PCN" in drawn


def _without_spaces_between_tags(html: str) -> str:
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


def test_python_draws_the_list_s_exercises_as_their_templates_do():
    exercises = []
    for n, (status, state) in enumerate([("open", "open"), ("open", "not yet open"), ("open", "closed"),
                                         ("draft", "draft"), ("closed", "closed"), ("published", "closed")]):
        exercise = ExerciseFactory.build(pk=100 + n, status=status, title=f'Estates <&> "rent" {n}',
                                         closes_at=datetime(2027, 1 + n, 9 + n, 8 + n, 5, tzinfo=UTC))
        exercise.state, exercise.ballot_count, exercise.turnout_percent = state, 3 * n, 10 * n
        exercises.append(exercise)

    def draw(source, **context):
        return _without_spaces_between_tags(engines["django"].from_string(source).render(context))

    for shown in (exercises, exercises[:1], []):
        for show_turnout in (True, False):
            context = {"open_exercises": shown, "show_turnout": show_turnout, "eligible": 40}
            assert draw("{% load priorities_rows %}{% open_exercise_rows open_exercises show_turnout=show_turnout "
                        "eligible=eligible %}", **context) == draw(
                '{% include "priorities/includes/open_exercise_rows.html" %}', **context)
        assert draw("{% load priorities_rows %}{% finished_exercise_items finished %}", finished=shown) == draw(
            '{% include "priorities/includes/finished_exercise_items.html" %}', finished=shown)
    drawn = draw("{% load priorities_rows %}{% open_exercise_rows open_exercises show_turnout=True eligible=40 %}",
                 open_exercises=exercises)
    assert drawn.count("<tr") == 6 and "Estates &lt;&amp;&gt; &quot;rent&quot; 0" in drawn
    assert "3 of 40 practices (10%)" in drawn and "nhsuk-tag--purple" in drawn and "nhsuk-tag--white" in drawn
