"""Agreed priorities' delivery plans: the shape objective → initiative → action → milestone, and progress history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from priorities import services
from priorities.models import PlanItem, ProgressUpdate

from ..factories import AgreedPriorityFactory, PlanItemFactory

pytestmark = pytest.mark.django_db


def _add(priority, parent, kind, user, **extra):
    return services.plan_item_add(priority=priority, parent=parent, kind=kind, added_by=user, title=f"A {kind}",
                                  lead="Dr Lee, Riverside PCN", **extra)


def test_it_builds_the_plan_in_the_shape_of_a_delivery_plan(chair):
    priority = AgreedPriorityFactory()
    objective = _add(priority, None, "objective", chair)
    initiative = _add(priority, objective, "initiative", chair)
    action = _add(priority, initiative, "action", chair, funding_note="ICB transformation fund, £20k")
    milestone = _add(priority, action, "milestone", chair, due_date=timezone.localdate())
    assert milestone.parent == action and action.parent == initiative
    assert ProgressUpdate.objects.filter(item__priority=priority).count() == 4


@pytest.mark.parametrize(
    ("parent_kind", "kind"), [(None, "action"), ("objective", "action"), ("objective", "objective")]
)
def test_it_refuses_items_out_of_place(chair, parent_kind, kind):
    priority = AgreedPriorityFactory()
    parent = _add(priority, None, "objective", chair) if parent_kind else None
    with pytest.raises(ValidationError):
        _add(priority, parent, kind, chair)


def test_the_database_keeps_objectives_at_the_top():
    priority = AgreedPriorityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanItemFactory(priority=priority, kind="action", parent=None)


def test_a_rag_change_goes_into_the_progress_history(chair):
    item = PlanItemFactory()
    services.plan_item_update(item=item, updated_by=chair, rag_status="amber", note="Recruitment is slow.",
                              title=item.title, lead=item.lead, due_date=None, funding_note="")
    services.plan_item_update(item=item, updated_by=chair, note="", title="Renamed", lead=item.lead,
                              due_date=None, funding_note="", rag_status="amber")
    updates = list(ProgressUpdate.objects.filter(item=item))
    assert [(u.rag_status, u.note) for u in updates] == [("amber", "Recruitment is slow.")]
    item.refresh_from_db()
    assert item.title == "Renamed"
    assert item.history.count() == 3


def test_an_item_with_live_children_cannot_be_removed(chair):
    objective = PlanItemFactory()
    child = PlanItemFactory(priority=objective.priority, parent=objective, kind="initiative")
    with pytest.raises(ValidationError, match="items under this one"):
        services.plan_item_archive(item=objective)
    services.plan_item_archive(item=child)
    services.plan_item_archive(item=objective)
    assert PlanItem.objects.filter(is_archived=True).count() == 2
