"""Table rows written in Python (members.rows) write what the template language wrote."""

import re
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from members.rows import address, address_of, day_writer, option, options

pytestmark = pytest.mark.django_db


def _filter(value, fmt='"j M Y"'):
    return Template("{{ value|date:" + fmt + " }}").render(Context({"value": value}))


def test_it_writes_days_as_the_date_filter_does():
    day = day_writer()
    for value in (date(2026, 1, 5), date(2026, 12, 31), date(999, 3, 1)):
        assert day(value) == _filter(value)
    assert day(None) == ""


def test_it_writes_a_moment_on_its_local_day():
    # 23:30 UTC on a summer evening is already the next day in London.
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert day_writer()(moment) == _filter(moment) == "1 Jul 2026"


def test_it_writes_the_months_of_the_active_language_as_the_date_filter_does():
    from django.utils import translation

    day = date(2026, 12, 3)
    for language in ("en-gb", "fr", "en-gb"):  # names worked out once per language, never another's
        with translation.override(language):
            assert day_writer(long=True)(day) == Template('{{ day|date:"j F Y" }}').render(Context({"day": day}))
            assert day_writer()(day) == _filter(day)
    with translation.override("fr"):
        assert day_writer(long=True)(day) == "3 décembre 2026"


def test_it_reverses_an_address_once_for_every_id():
    url = address_of("representation:request")
    assert [url(pk) for pk in (1, 42)] == [reverse("representation:request", args=[pk]) for pk in (1, 42)]


def test_each_place_gets_its_own_addresses():
    from members import places
    from tests.factories import PlaceFactory

    north, south = PlaceFactory(name="North", slug="north"), PlaceFactory(name="South", slug="south")
    for place in (north, south):
        with places.using(place):
            item = address_of("decisions:item")
            assert item(7) == reverse("decisions:item", args=[7]) == f"/{place.slug}/decisions/7/"
            assert address("decisions:log") == reverse("decisions:log") == f"/{place.slug}/decisions/"


def test_an_address_with_leading_arguments_is_reversed_once_for_them(db):
    """The dashboard's reminder forms: the kind of item is the same for many rows, the id differs."""
    from members import places
    from tests.factories import PlaceFactory

    with places.using(PlaceFactory(name="North", slug="north")):
        remind = address_of("dashboard_remind", "action")
        assert remind(7) == reverse("dashboard_remind", args=["action", 7]) == "/north/dashboard/remind/action/7/"
        assert address_of("dashboard_remind", "round")(7) == reverse("dashboard_remind", args=["round", 7])


def test_an_address_with_the_stand_in_number_in_it_twice_is_reversed_for_each_id(monkeypatch):
    from members import places, rows
    from tests.factories import PlaceFactory

    monkeypatch.setattr(rows, "_PK", 1)  # "/ward-1/decisions/1/" holds it twice: no split can say which is the id
    rows._halves.cache_clear()
    with places.using(PlaceFactory(name="Ward 1", slug="ward-1")):
        assert address_of("decisions:item")(5) == "/ward-1/decisions/5/"
    rows._halves.cache_clear()


def test_it_writes_an_option_as_django_does():
    """members.rows.option against Django's own option template, for an id (written as it is), text to escape, an
    empty choice and a selected one."""
    from django.forms import Select

    for value, label in ((42, 'Dr "Q" <O\'Neil> & Co'), ("a&b", "Plain"), ("", "Nobody"), (None, "None given")):
        for selected in (False, True):
            django = Select(choices=[(value, label)]).render("x", value if selected else "<nothing chosen>")
            [written] = re.findall(r"<option.*</option>", django)
            assert option(value, label, selected=selected) == written


def test_it_writes_many_options_as_option_writes_each():
    choices = [(7, "Ann <Chair> & \"co\" (ann@example.nhs.uk)"), (8, "Bo's surgery"), ("", "Nobody"), (None, "—"),
               ("a&b", "x")]
    for chosen in (set(), {"7"}, {"", "8"}):
        assert options(choices, chosen) == "\n".join(
            option(value, label, selected=str(value) in chosen) for value, label in choices)
    # A label holding NUL (not from PostgreSQL) is escaped alone.
    assert options([(1, "a\0<b>"), (2, "c")], set()) == (
        '<option value="1">a\0&lt;b&gt;</option>\n<option value="2">c</option>')
    assert options([], set()) == ""
