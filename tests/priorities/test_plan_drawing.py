"""A priority's delivery plan and progress history are drawn in Python (priorities/templatetags/plan_rows.py) for
speed. They must say what the page's template said, kept here as the reference, for every kind of row and for
readers who keep the plan and those who only read it; the RAG tags as priorities/includes/rag_tag.html."""

import re
from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from members import places
from priorities import services
from priorities.models import PlanItem, ProgressUpdate
from priorities.views import _plan_tree

from ..factories import AgreedPriorityFactory

pytestmark = pytest.mark.django_db

# The page's template before the rows were written in Python.
REFERENCE = """{% for row in tree %}{% with item=row.item %}
  <tr class="nhsuk-table__row">
    <th scope="row" class="nhsuk-table__header portal-plan-depth-{{ row.depth }}"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Plan item </span><span><span class="nhsuk-caption-m nhsuk-u-margin-bottom-0">{{ item.get_kind_display }}</span>{{ item.title }}</span></th>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Lead </span>{{ item.lead }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Due </span><span>{{ item.due_date|date:"j M Y"|default:"–" }}{% if item.is_overdue %} <strong class="nhsuk-tag nhsuk-tag--orange">Overdue</strong>{% endif %}</span></td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Funding </span>{{ item.funding_note|default:"–" }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Status </span>{% include "priorities/includes/rag_tag.html" with status=item.rag_status %}</td>
    {% if manage %}<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Change </span><span><a href="{% url 'priorities:plan_item_edit' item.pk %}">Update<span class="nhsuk-u-visually-hidden"> {{ item.title }}</span></a>{% if row.child_kind %}<br><a href="{% url 'priorities:plan_item_add' priority.pk %}?parent={{ item.pk }}">Add {{ row.child_kind }}<span class="nhsuk-u-visually-hidden"> to {{ item.title }}</span></a>{% endif %}</span></td>{% endif %}
  </tr>
  {% endwith %}{% endfor %}|{% for u in updates %}<li><strong>{{ u.recorded_at|date:"j M Y, H:i" }}</strong> – {{ u.item.title }}: {% include "priorities/includes/rag_tag.html" with status=u.rag_status %} {{ u.note }} <span class="nhsuk-body-s">({{ u.recorded_by.get_full_name }})</span></li>
{% endfor %}"""  # noqa: E501


def _plan(chair):
    """A plan with an item of each kind and depth, each RAG status, an overdue milestone, one without a date and
    texts to escape; and its progress history."""
    priority = AgreedPriorityFactory(title="Same-day access")
    today = timezone.localdate()

    def add(parent, kind, title, **extra):
        return services.plan_item_add(priority=priority, parent=parent, kind=kind, added_by=chair, title=title,
                                      lead='Dr Lee & "Partners" <PCN>', **extra)

    objective = add(None, "objective", "See <everyone> the same day", due_date=today + timedelta(days=90))
    initiative = add(objective, "initiative", "A hub & a rota", funding_note="ICB fund, £1.2m <a year>")
    action = add(initiative, "action", "Recruit", due_date=today - timedelta(days=3), rag_status="red")
    add(action, "milestone", "Two GPs", due_date=today - timedelta(days=1), rag_status="complete")
    add(objective, "initiative", "Shared book", rag_status="amber")
    services.plan_item_update(item=action, updated_by=chair, rag_status="amber", note="Slow & <steady>.",
                              title=action.title, lead=action.lead, due_date=action.due_date, funding_note="")
    return priority


@pytest.mark.parametrize("manage", [True, False], ids=["keeps the plan", "reads it"])
def test_python_draws_the_plan_and_its_history_as_the_template_did(manage, chair, testshire):
    with places.using(testshire):
        priority = _plan(chair)
        tree = _plan_tree(list(PlanItem.objects.current().filter(priority=priority)))
        updates = list(ProgressUpdate.objects.filter(item__priority=priority).select_related("item", "recorded_by"))
        context = {"tree": tree, "updates": updates, "priority": priority, "manage": manage}
        drawn = engines["django"].from_string(
            "{% load plan_rows %}{% plan_rows tree priority manage %}|{% progress_items updates %}").render(context)
        reference = engines["django"].from_string(REFERENCE).render(context)
    assert drawn == reference
    assert len(tree) == 5 and len(updates) == 6
    assert drawn.count("Overdue") == 1 and ("Update<span" in drawn) == manage
    assert "&lt;everyone&gt;" in drawn and not re.search(r"<(everyone|PCN|steady)>", drawn)


@pytest.mark.parametrize("status", ["green", "amber", "red", "complete", "unknown"])
def test_python_writes_each_rag_tag_as_its_template(status):
    from priorities.templatetags.plan_rows import rag_tag

    template = engines["django"].get_template("priorities/includes/rag_tag.html")
    assert rag_tag(status) == template.render({"status": status})
