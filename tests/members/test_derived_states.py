"""An open practice is defined once: the QuerySet method and the instance predicate agree."""

import pytest

from members.models import Organisation

from ..factories import OrganisationFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind,status,archived,expected", [
    ("practice", "active", False, True),
    ("practice", "closed", False, False),
    ("practice", "dormant", False, False),
    ("practice", "active", True, False),
    ("lmc", "active", False, False),
])
def test_an_open_practice_is_one_rule(kind, status, archived, expected):
    factory = PracticeFactory if kind == "practice" else OrganisationFactory
    organisation = factory(kind=kind, status=status, is_archived=archived, **({} if kind == "practice" else
                                                                              {"ods_code": None}))
    chosen = Organisation.objects.open_practices().filter(pk=organisation.pk).exists()
    assert (chosen, organisation.is_open_practice) == (expected, expected)
