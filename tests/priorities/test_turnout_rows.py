"""priorities.templatetags.turnout_rows writes an exercise's turnout by PCN; its template
(templates/priorities/includes/turnout_by_pcn_rows.html) stays as the reference."""

import pytest
from django.template import engines

from priorities import services

from ..factories import PCNFactory

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
        assert _draw("{% load turnout_rows %}{% turnout_by_pcn_rows turnout %}", shown) == _draw(
            '{% include "priorities/includes/turnout_by_pcn_rows.html" %}', shown)
    drawn = _draw("{% load turnout_rows %}{% turnout_by_pcn_rows turnout %}", turnout)
    assert drawn.count('scope="row"') == 2 and "Riverside &lt;&amp;&gt; &quot;North&quot; PCN" in drawn
