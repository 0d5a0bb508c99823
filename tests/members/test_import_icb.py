"""Every place of one ICB at once, from the real shared files.

Cheshire and Merseyside (QYG, nine sub-ICB locations) from epraccur alone, and Herefordshire and Worcestershire (QGH,
one) from all three files: the workbook is read again for each place, some 0.7 s a time. The expected places and
counts are read here from epraccur with the csv module, not by the import's own code."""

import csv
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from members.models import ICS, Organisation, Place
from members.ods_import import commissioner_names

from .test_import_ods_shared import SHARED

pytestmark = [pytest.mark.django_db, pytest.mark.every_place]

ICB = "QYG"


def _import(*args: str, every_file: bool = False) -> str:
    out = StringIO()
    files = [f"--epcn={SHARED / 'ePCN-2019.xlsx'}", f"--list-sizes={SHARED / 'gp-reg-pat-prac-all-2021-01.csv'}"]
    call_command(
        "import_ods", *args, f"--epraccur={SHARED / 'epraccur-2025.csv'}", *(files if every_file else []),
        stdout=out, stderr=StringIO(),
    )
    return out.getvalue()


def _history() -> tuple[int, int, int]:
    return ICS.history.count(), Place.history.count(), Organisation.history.count()


def _expected_practice_counts(icb: str = ICB) -> Counter:
    """Practices not closed, by commissioner, for each commissioner that has such a practice in the ICB."""
    assert SHARED.is_dir(), f"the shared NHS data is expected at {SHARED} (set SHARED_DATA_DIR)"
    with (SHARED / "epraccur-2025.csv").open(newline="", encoding="utf-8") as handle:
        open_practices = [row for row in csv.reader(handle) if row[25] == "4" and row[12] != "C"]
    sub_icbs = {row[14] for row in open_practices if row[3] == icb}
    return Counter(row[14] for row in open_practices if row[14] in sub_icbs)


def test_it_imports_one_place_per_sub_icb_location_and_a_second_run_changes_nothing():
    expected = _expected_practice_counts()
    assert len(expected) == 9 and expected["99A"] == 86  # 83 active and 3 dormant
    # A place imported on its own before joins its ICS rather than being made again.
    liverpool = Place.objects.create(name="Liverpool", slug="liverpool", commissioner_codes="99A")

    out = _import(f"--icb={ICB}", "--icb-name=Cheshire and Merseyside", "--names=27D=Cheshire,01F=Halton")

    ics = ICS.objects.get()
    assert (ics.ods_code, ics.name, ics.slug) == (ICB, "Cheshire and Merseyside", "cheshire-and-merseyside")
    assert Place.objects.count() == len(expected)
    assert set(Place.objects.values_list("ics", flat=True)) == {ics.pk}
    counts = Counter(
        Organisation.objects.practices().values_list("place__commissioner_codes", flat=True)
    )
    assert counts == expected
    names = dict(Place.objects.values_list("commissioner_codes", "name"))
    # Named by --names, kept, or by the ICS and the code when nothing names it.
    assert (names["27D"], names["01F"], names["99A"]) == ("Cheshire", "Halton", "Liverpool")
    assert names["12F"] == "Cheshire and Merseyside – 12F"
    assert Place.objects.get(commissioner_codes="99A").pk == liverpool.pk
    assert "Created Cheshire and Merseyside (ICB QYG) and its 9 places" in out

    history = _history()
    out = _import(f"--icb={ICB}")
    assert _history() == history
    assert "Nothing changed." in out


def test_it_imports_an_icbs_practices_pcns_and_list_sizes_and_a_second_run_changes_nothing():
    expected = _expected_practice_counts("QGH")
    assert expected == {"18C": 79}  # 78 active and 1 dormant

    _import("--icb=QGH", every_file=True)

    place = Place.objects.get()
    assert (place.name, place.commissioner_codes, place.ics.ods_code) == ("ICB QGH – 18C", "18C", "QGH")
    practices = Organisation.objects.practices().filter(place=place)
    assert practices.count() == 79
    # The 2019 workbook has Herefordshire's PCNs under 05F, before 18C: found through their member practices.
    assert Organisation.objects.pcns().filter(place=place).exists()
    assert practices.filter(list_size__isnull=False).count() >= 0.9 * 79

    history = _history()
    out = _import("--icb=QGH", every_file=True)
    assert _history() == history
    assert "Nothing changed." in out


def test_it_names_places_after_the_workbooks_ccgs():
    names = commissioner_names(SHARED / "ePCN-2019.xlsx")
    assert (names["99A"], names["01F"], names["01V"]) == ("Liverpool", "Halton", "Southport and Formby")


def test_it_refuses_an_unknown_icb_and_changes_nothing():
    with pytest.raises(CommandError) as raised:
        _import("--icb=QZZ")
    message = str(raised.value)
    assert "QZZ" in message and message.endswith("Nothing was changed.") and "\n" not in message
    assert (ICS.objects.count(), Place.objects.count(), Organisation.objects.count()) == (0, 0, 0)


def test_it_takes_the_places_from_the_icb_not_from_place_or_commissioner():
    with pytest.raises(CommandError, match="neither --place nor --commissioner"):
        _import(f"--icb={ICB}", "--commissioner=99A")
