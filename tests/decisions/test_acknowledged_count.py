"""DecisionItem.acknowledged_count: each decision's acknowledgements, stored where they are written
(services.acknowledgement_record), counted afresh after a bulk insert (services.acknowledged_count_recount) and by
the migration that added it; the figures read from it less the acknowledgements of practices no longer open."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from decisions import selectors, services
from decisions.models import Acknowledgement, DecisionItem
from members import places
from members.models import Organisation

from ..factories import DecisionItemFactory, PracticeFactory
from ..priorities.test_concurrency import _in_parallel


def _count(item) -> int:
    return DecisionItem._base_manager.values_list("acknowledged_count", flat=True).get(pk=item.pk)


def _published(days_ago=30, **kwargs):
    return DecisionItemFactory(status="agreed", published_at=timezone.now() - timedelta(days=days_ago), **kwargs)


def test_it_counts_each_practice_that_acknowledges_once(practice, practice_user):
    item = _published()
    assert _count(item) == 0
    services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    assert _count(item) == 1
    services.acknowledgement_record(item=item, practice=PracticeFactory(pcn=practice.pcn), by=practice_user)
    assert _count(item) == 2
    assert _count(item) == Acknowledgement.objects.filter(item=item).count()


def test_it_leaves_the_count_alone_when_nothing_is_recorded(item, practice, practice_user):
    with pytest.raises(ValidationError):
        services.acknowledgement_record(item=item, practice=practice, by=practice_user)  # not published
    assert _count(item) == 0


def test_it_refuses_a_practice_of_another_place(farland, practice_user):
    item = _published()
    with places.using(farland):
        elsewhere = PracticeFactory(place=farland, pcn__place=farland)
    with pytest.raises(ValidationError, match="of the decision's place"):
        services.acknowledgement_record(item=item, practice=elsewhere, by=practice_user)
    assert not Acknowledgement.objects.exists() and _count(item) == 0


def test_a_recount_counts_acknowledgements_written_in_bulk(practice, practice_user):
    items = [_published(), _published(), _published()]
    others = [PracticeFactory(pcn=practice.pcn) for _ in range(2)]
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(item=items[0], practice=p, acknowledged_by=practice_user) for p in [practice, *others]]
        + [Acknowledgement(item=items[1], practice=practice, acknowledged_by=practice_user)])
    assert [_count(item) for item in items] == [0, 0, 0]
    assert services.acknowledged_count_recount(items=DecisionItem.objects.filter(pk=items[0].pk)) == 1
    assert [_count(item) for item in items] == [3, 0, 0]
    services.acknowledged_count_recount()
    assert [_count(item) for item in items] == [3, 1, 0]


def test_the_migration_counts_the_acknowledgements_already_there(practice, practice_user):
    migration = importlib.import_module("decisions.migrations.0009_decisionitem_acknowledged_count")
    item, other = _published(), _published()
    Acknowledgement.objects.bulk_create([
        Acknowledgement(item=item, practice=p, acknowledged_by=practice_user)
        for p in [practice, PracticeFactory(pcn=practice.pcn)]])
    DecisionItem._base_manager.filter(pk=other.pk).update(acknowledged_count=5)
    migration.count_existing_acknowledgements(apps, None)
    assert (_count(item), _count(other)) == (2, 0)


def test_the_count_is_not_in_the_decisions_history(practice, practice_user):
    item = _published()
    versions = item.history.count()
    services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    assert item.history.count() == versions  # the acknowledgement has its own
    assert Acknowledgement.history.filter(item=item).count() == 1


@pytest.mark.django_db(transaction=True)
def test_practices_acknowledging_at_once_are_all_counted(testshire, practice, practice_user):
    item = _published()
    practices = [practice, *(PracticeFactory(pcn=practice.pcn) for _ in range(3))]

    def acknowledge(who):
        with places.using(testshire):
            return services.acknowledgement_record(item=item, practice=who, by=practice_user)

    results, errors = _in_parallel([lambda who=who: acknowledge(who) for who in practices])
    assert errors == [] and len(results) == 4
    assert _count(item) == Acknowledgement.objects.filter(item=item).count() == 4


def test_the_figures_leave_out_the_acknowledgements_of_practices_no_longer_open(ics, testshire, riverton, practice,
                                                                               practice_user):
    item = _published()
    closing, archived = PracticeFactory(pcn=practice.pcn), PracticeFactory(pcn=practice.pcn)
    for who in (practice, closing, archived):
        services.acknowledgement_record(item=item, practice=who, by=practice_user)
    PracticeFactory(pcn=practice.pcn)  # open, has not seen it
    Organisation.objects.filter(pk=closing.pk).update(status=Organisation.Status.CLOSED)
    Organisation.objects.filter(pk=archived.pk).update(is_archived=True)
    assert _count(item) == 3
    # One of the two open practices: not below the half.
    assert selectors.chair_attention()["low_acknowledgement"] == []
    now = timezone.now()
    with places.across([testshire, riverton]):
        year, weeks = selectors.acknowledgement_rates_by_place(since=now - timedelta(days=365),
                                                               recent_since=now - timedelta(weeks=12))
        assert (year, weeks) == (selectors.acknowledgement_rates(since=now - timedelta(days=365), by="place"),
                                 selectors.acknowledgement_rates(since=now - timedelta(weeks=12), by="place"))
    testshire_id = practice.place_id
    assert year[testshire_id]["acknowledged"] == 1 and year[testshire_id]["expected"] == 2
    assert weeks[testshire_id]["acknowledged"] == 1  # published 30 days ago: within the twelve weeks too


def test_correcting_a_decision_in_the_admin_keeps_the_acknowledgements_counted_since(rf, chair, practice,
                                                                                   practice_user):
    from django.contrib import admin

    item = _published()
    opened = DecisionItem.objects.get(pk=item.pk)  # as the admin's change form reads it
    services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    opened.title = "Corrected title"
    request = rf.post("/")
    request.user = chair
    admin.site._registry[DecisionItem].save_model(request, opened, form=None, change=True)
    item.refresh_from_db()
    assert (item.title, item.acknowledged_count) == ("Corrected title", 1)
