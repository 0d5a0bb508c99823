"""The item page's long tables written in Python (decisions.templatetags.item_tables) write what the template
language wrote for them."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from decisions.templatetags import item_tables

# The rows as the templates wrote them before (templates/decisions/includes/golden_thread.html, item.html).
ACK_TEMPLATE = Template(
    '{% for row in ack_by_pcn %}<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">'
    '{{ row.name|default:"Not in a PCN" }}</th><td class="nhsuk-table__cell nhsuk-table__cell--numeric">'
    '{{ row.acknowledged }}</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">{{ row.practices }}</td>'
    '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{% widthratio row.acknowledged row.practices 100 %}%'
    '</td></tr>{% empty %}<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="4">No practices are '
    'registered yet.</td></tr>{% endfor %}')

HISTORY_TEMPLATE = Template(
    '{% for ph in position_history %}<tr class="nhsuk-table__row">'
    '<td class="nhsuk-table__cell portal-nowrap"><span class="nhsuk-table-responsive__heading" aria-hidden="true">'
    'When </span>{{ ph.history_date|date:"j M Y H:i" }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Round </span>'
    '{{ ph.round.number }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Seat </span>'
    '{{ ph.seat.title }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Position </span>'
    '{{ ph.get_stance_display }}</td>'
    '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Given by </span>'
    '{{ ph.responded_by.get_full_name }}</td></tr>{% endfor %}')


@pytest.mark.parametrize("by_pcn", [
    [],
    [{"name": "North & <West> PCN", "acknowledged": 1, "practices": 8},  # 12.5 %: rounded as the template does
     {"name": "South PCN", "acknowledged": 5, "practices": 8},
     {"name": "Even PCN", "acknowledged": 3, "practices": 3},
     {"name": None, "acknowledged": 0, "practices": 2}],
])
def test_acknowledgement_rows_are_what_the_template_wrote(by_pcn):
    assert item_tables.acknowledgement_rows(by_pcn) == ACK_TEMPLATE.render(Context({"ack_by_pcn": by_pcn}))


def test_position_history_rows_are_what_the_template_wrote():
    def person(name):
        return SimpleNamespace(get_full_name=lambda: name)

    records = [
        SimpleNamespace(history_date=datetime(2026, 7, 1, 23, 5, tzinfo=UTC),  # the next day in London (BST)
                        round=SimpleNamespace(number=2), seat=SimpleNamespace(title="LMC <chair>"),
                        get_stance_display=lambda: "Can live with it", responded_by=person("Dr O'Neil & Co")),
        SimpleNamespace(history_date=datetime(2026, 1, 9, 8, 30, tzinfo=UTC),
                        round=SimpleNamespace(number=1), seat=SimpleNamespace(title="Federation"),
                        get_stance_display=lambda: "Support", responded_by=person("Ann")),
    ]
    with timezone.override("Europe/London"):
        written = item_tables.position_history_rows(records)
        assert written == HISTORY_TEMPLATE.render(Context({"position_history": records}))
    assert "2 Jul 2026 00:05" in written and "&lt;chair&gt;" in written
