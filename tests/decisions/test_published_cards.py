"""Published decisions' cards written in Python (decisions.templatetags.decision_log.published_cards) write what the
template language wrote for them."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from decisions.templatetags import decision_log

# The cards as templates/decisions/published.html wrote them before.
CARDS_TEMPLATE = Template(
    '{% for item in items %}\n<div class="nhsuk-card">\n  <div class="nhsuk-card__content">\n'
    '    <h2 class="nhsuk-card__heading nhsuk-heading-m"><a class="nhsuk-card__link" '
    'href="{% url \'decisions:item\' item.pk %}">{{ item.title }}</a></h2>\n'
    '    <p class="nhsuk-card__description portal-pre-wrap">{{ item.statement }}</p>\n'
    '    <p class="nhsuk-body-s">Agreed {{ item.decided_on|date:"j F Y" }}{% if item.principle_titles %} · Rests on: '
    '{% for title in item.principle_titles %}{{ title }}{% if not forloop.last %}; {% endif %}{% endfor %}{% endif %}'
    ' · Seen by {{ item.acknowledged }} of {{ practice_count }} practices</p>\n'
    '    {% if has_practice %}{% if item.seen_by_my_practice %}<p class="nhsuk-u-margin-bottom-0"><strong '
    'class="nhsuk-tag nhsuk-tag--green">Seen by your practice</strong></p>{% else %}<p '
    'class="nhsuk-u-margin-bottom-0"><strong class="nhsuk-tag nhsuk-tag--grey">Not yet acknowledged</strong> '
    '<a href="{% url \'decisions:item\' item.pk %}#golden-thread">Acknowledge it<span '
    'class="nhsuk-u-visually-hidden">: {{ item.title }}</span></a></p>{% endif %}{% endif %}\n'
    '  </div>\n</div>\n{% empty %}<p>{% if unseen_only %}Your practice has acknowledged every published decision.'
    '{% else %}No decisions have been published yet.{% endif %}</p>{% endfor %}')

ITEMS = [
    SimpleNamespace(pk=7, title="Access & <triage>", statement="Line one.\nIt's \"agreed\".",
                    decided_on=date(2026, 3, 1), principle_titles=["Equity", "Patients & <safety>"], acknowledged=3,
                    seen_by_my_practice=True),
    SimpleNamespace(pk=12, title="One front door", statement="", decided_on=None, principle_titles=[],
                    acknowledged=0, seen_by_my_practice=False),
]


@pytest.mark.parametrize("items", [ITEMS, []])
@pytest.mark.parametrize("has_practice", [True, False])
@pytest.mark.parametrize("unseen_only", [True, False])
def test_published_cards_are_what_the_template_wrote(items, has_practice, unseen_only):
    context = {"items": items, "practice_count": 40, "has_practice": has_practice, "unseen_only": unseen_only}
    written = decision_log.published_cards(items, 40, has_practice, unseen_only)
    assert written == CARDS_TEMPLATE.render(Context(context))
    if items:
        assert "Access &amp; &lt;triage&gt;" in written and "Patients &amp; &lt;safety&gt;" in written
