"""Every place of one ICB at once, from the real shared files: Cheshire and Merseyside (QYG), nine sub-ICB locations.

The expected places and counts are read here from epraccur with the csv module, not by the import's own code."""

import csv
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from members.models import ICS, Organisation, Place

from .test_import_ods_shared import SHARED

pytestmark = pytest.mark.django_db

ICB = "QYG"


def _import(*args: str) -> str:
    out = StringIO()
    call_command(
        "import_ods", *args, f"--epraccur={SHARED / 'epraccur-2025.csv'}", f"--epcn={SHARED / 'ePCN-2019.xlsx'}",
        f"--list-sizes={SHARED / 'gp-reg-pat-prac-all-2021-01.csv'}", stdout=out, stderr=StringIO(),
    )
    return out.getvalue()


def _expected_practice_counts() -> Counter:
    """Practices not closed, by commissioner, for each commissioner that has such a practice in the ICB."""
    assert SHARED.is_dir(), f"the shared NHS data is expected at {SHARED} (set SHARED_DATA_DIR)"
    with (SHARED / "epraccur-2025.csv").open(newline="", encoding="utf-8") as handle:
        open_practices = [row for row in csv.reader(handle) if row[25] == "4" and row[12] != "C"]
    sub_icbs = {row[14] for row in open_practices if row[3] == ICB}
    return Counter(row[14] for row in open_practices if row[14] in sub_icbs)


def test_it_imports_one_place_per_sub_icb_location_and_a_second_run_changes_nothing():
    expected = _expected_practice_counts()
    assert len(expected) == 9 and expected["99A"] == 86  # 83 active and 3 dormant
    # A place imported on its own before joins its ICS rather than being made again.
    liverpool = Place.objects.create(name="Liverpool", slug="liverpool", commissioner_codes="99A")

    out = _import(f"--icb={ICB}", "--icb-name=Cheshire and Merseyside", "--names=27D=Cheshire")

    ics = ICS.objects.get()
    assert (ics.ods_code, ics.name, ics.slug) == (ICB, "Cheshire and Merseyside", "cheshire-and-merseyside")
    assert Place.objects.count() == len(expected)
    assert set(Place.objects.values_list("ics", flat=True)) == {ics.pk}
    counts = Counter(
        Organisation.objects.practices().values_list("place__commissioner_codes", flat=True)
    )
    assert counts == expected
    names = dict(Place.objects.values_list("commissioner_codes", "name"))
    # Named by --names, by the workbook's CCG name, kept, or by the ICS and code when nothing names it.
    assert (names["27D"], names["01F"], names["99A"]) == ("Cheshire", "Halton", "Liverpool")
    assert Place.objects.get(commissioner_codes="99A").pk == liverpool.pk
    assert Organisation.objects.pcns().filter(place=liverpool).count() >= 10
    assert "Created Cheshire and Merseyside (ICB QYG) and its 9 places" in out

    history = (ICS.history.count(), Place.history.count(), Organisation.history.count())
    out = _import(f"--icb={ICB}")
    assert (ICS.history.count(), Place.history.count(), Organisation.history.count()) == history
    assert "Nothing changed." in out


def test_it_refuses_an_unknown_icb_and_changes_nothing():
    with pytest.raises(CommandError) as raised:
        _import("--icb=QZZ")
    message = str(raised.value)
    assert "QZZ" in message and message.endswith("Nothing was changed.") and "\n" not in message
    assert (ICS.objects.count(), Place.objects.count(), Organisation.objects.count()) == (0, 0, 0)


def test_it_takes_the_places_from_the_icb_not_from_place_or_commissioner():
    with pytest.raises(CommandError, match="neither --place nor --commissioner"):
        _import(f"--icb={ICB}", "--commissioner=99A")
