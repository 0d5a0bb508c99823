"""manage.py import_ods, against excerpts of the real NHS files (tests/members/data/ods, see make_excerpts.py)."""

import csv
import shutil
import zipfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from members.models import Organisation, Place
from members.ods_import import readable_name
from tests.factories import OrganisationFactory, PlaceFactory

DATA = Path(__file__).parent / "data" / "ods"
EPRACCUR = DATA / "epraccur-99A.csv"
EPCN = DATA / "ePCN-99A.xlsx"
LIST_SIZES = DATA / "list-sizes-99A.csv"
# The workbook as laid out in 2022 and since 2023 (see make_workbooks.py), and Herefordshire's practices in 2025.
EPCN_2022 = DATA / "ePCN-2022.xlsx"
EPCN_2023 = DATA / "ePCN-2023.xlsx"
HEREFORDSHIRE = DATA / "epraccur-herefordshire.csv"

pytestmark = [pytest.mark.django_db, pytest.mark.every_place]

Historical = Organisation.history.model


def run(*args: str, **files: Path) -> tuple[str, str]:
    """Run the command (for Liverpool, 99A, unless args say otherwise) with the given files; returns (stdout,
    stderr)."""
    stdout, stderr = StringIO(), StringIO()
    options = [f"--{name.replace('_', '-')}={path}" for name, path in files.items()]
    if not any(arg.startswith("--place") for arg in args):
        options += ["--place=Liverpool", "--commissioner=99A"]
    call_command("import_ods", *options, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_all(*args: str) -> tuple[str, str]:
    return run(*args, epraccur=EPRACCUR, epcn=EPCN, list_sizes=LIST_SIZES)


def epraccur_rows(path: Path = EPRACCUR) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_epraccur(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path


def expected_practices() -> dict[str, list[str]]:
    """Liverpool's GP practices (setting 4) that are open or dormant, straight from the excerpt."""
    return {r[0]: r for r in epraccur_rows() if r[14] == "99A" and r[25] == "4" and r[12] in ("A", "D")}


def expected_memberships(path: Path = EPCN) -> dict[str, str]:
    """Liverpool's current memberships, read from the workbook by position (the same in every layout)."""
    workbook = load_workbook(path, read_only=True)
    details, partners = workbook.worksheets
    liverpool_pcns = {row[0] for row in details.iter_rows(min_row=2, values_only=True) if row[2] == "99A"}
    rows = list(partners.iter_rows(min_row=2, values_only=True))
    workbook.close()
    practices = expected_practices()
    return {row[0]: row[4] for row in rows if row[4] in liverpool_pcns and row[0] in practices and not row[9]}


def database_state() -> tuple:
    return (
        list(Place.objects.order_by("pk").values_list("name", "ods_practices_as_of", "ods_pcns_as_of")),
        Place.history.count(),
        Organisation.objects.count(),
        Historical.objects.count(),
        list(Organisation.objects.order_by("ods_code").values_list(
            "ods_code", "name", "status", "closed_on", "pcn_id", "list_size"
        )),
    )


# --- a full import -----------------------------------------------------------------------------------------------


def test_it_imports_liverpool_practices_pcns_and_list_sizes():
    out, _ = run_all()

    place = Place.objects.get(slug="liverpool")
    assert place.name == "Liverpool"
    assert place.commissioner_code_list == ["99A"]
    practices = expected_practices()
    imported = Organisation.objects.practices().filter(place=place)
    assert set(imported.values_list("ods_code", flat=True)) == set(practices)
    active = [code for code, row in practices.items() if row[12] == "A"]
    assert len(active) == 83  # the README's figure for Liverpool in 2025
    assert imported.filter(status=Organisation.Status.ACTIVE).count() == len(active)
    # Other commissioners' practices and Liverpool's non-GP settings are left out.
    assert not Organisation.objects.filter(ods_code="A81001").exists()
    assert not Organisation.objects.filter(ods_code="A99943").exists()

    assert Organisation.objects.pcns().filter(place=place).count() == 11
    memberships = expected_memberships()
    assert dict(imported.filter(pcn__isnull=False).values_list("ods_code", "pcn__ods_code")) == memberships

    with LIST_SIZES.open(newline="") as handle:
        sizes = {row["CODE"]: int(row["NUMBER_OF_PATIENTS"]) for row in csv.DictReader(handle)
                 if row["CODE"] in practices}
    assert dict(imported.filter(list_size__isnull=False).values_list("ods_code", "list_size")) == sizes

    margaret = Organisation.objects.get(ods_code="N82001")
    assert margaret.name == "The Margaret Thompson Med Centre"
    assert margaret.pcn.name == "Swagga PCN"
    assert margaret.pcn.ods_code == "U57480"
    assert margaret.list_size == 5743
    assert margaret.list_size_date == date(2021, 1, 1)
    assert margaret.postcode == "L24 6TH"
    assert margaret.phone == "0151 4253331"
    assert margaret.opened_on == date(1974, 4, 1)
    assert margaret.address == "The Margaret Thompson MC, 105 East Millwood Road, Liverpool"
    assert Organisation.objects.get(ods_code="N82082").name == "St. James' Health Centre"
    assert Organisation.objects.get(ods_code="U65582").name == "Childwall & Wavertree PCN"
    assert Organisation.objects.get(ods_code="N82650").name == "Speke HC - Dr Singh & Dr Bicha"

    assert f"Practices from epraccur-99A.csv: {len(epraccur_rows())} rows read; {len(practices)} created" in out
    assert f"{len(memberships)} created" in out
    assert Historical.objects.count() == len(practices) + 11 + len(memberships) + len(sizes)


def test_it_changes_nothing_on_a_second_run():
    run_all()
    before = database_state()

    out, _ = run_all()

    assert database_state() == before
    assert "Nothing changed." in out
    for line in out.splitlines():
        if " rows read; " in line:
            assert "0 created, 0 updated" in line


def test_it_updates_only_the_changed_practice(tmp_path):
    run_all()
    rows = epraccur_rows()
    for row in rows:
        if row[0] == "N82001":
            row[17] = "0151 0000000"
    history = Historical.objects.count()

    out, _ = run(epraccur=write_epraccur(tmp_path / "epraccur.csv", rows))

    assert Organisation.objects.get(ods_code="N82001").phone == "0151 0000000"
    assert Historical.objects.count() == history + 1
    latest = Organisation.history.filter(ods_code="N82001").latest("history_date")
    assert latest.history_type == "~"
    assert latest.history_change_reason == "ODS import from epraccur.csv"
    assert f"0 created, 1 updated, {len(expected_practices()) - 1} unchanged" in out


def test_it_marks_a_practice_closed_in_the_file_as_closed(tmp_path):
    run_all()
    count = Organisation.objects.count()
    rows = epraccur_rows()
    for row in rows:
        if row[0] == "N82001":
            row[11], row[12] = "20250331", "C"

    run(epraccur=write_epraccur(tmp_path / "epraccur.csv", rows))

    margaret = Organisation.objects.get(ods_code="N82001")
    assert margaret.status == Organisation.Status.CLOSED
    assert margaret.closed_on == date(2025, 3, 31)
    assert margaret.pcn.ods_code == "U57480"
    assert margaret.list_size == 5743
    assert Organisation.objects.count() == count


def test_it_does_not_add_practices_that_had_already_closed():
    run(epraccur=EPRACCUR)

    closed = [r[0] for r in epraccur_rows() if r[14] == "99A" and r[25] == "4" and r[12] == "C"]
    assert closed
    assert not Organisation.objects.filter(ods_code__in=closed).exists()


def test_it_imports_list_sizes_alone():
    place = PlaceFactory(name="Liverpool", slug="liverpool", commissioner_codes="99A")
    OrganisationFactory(place=place, ods_code="N82001", name="Margaret Thompson")
    OrganisationFactory(place=place, ods_code="N82117", name="Brownlow", list_size=1, list_size_date=date(2020, 1, 1))

    out, _ = run(list_sizes=LIST_SIZES)

    assert Organisation.objects.get(ods_code="N82001").list_size == 5743
    brownlow = Organisation.objects.get(ods_code="N82117")
    assert (brownlow.list_size, brownlow.list_size_date) == (47680, date(2021, 1, 1))
    assert brownlow.name == "Brownlow"  # the other sources were not given, so nothing else changes
    assert Organisation.objects.count() == 2
    assert "List sizes from list-sizes-99A.csv: 91 rows read; 1 created, 1 updated, 0 unchanged, 84 skipped; " \
           "5 not for this place" in out
    assert "list-sizes-99A.csv line 7: N82001" not in out
    assert "list-sizes-99A.csv line 8: N82002 is not a practice of Liverpool" in out


def test_it_keeps_a_newer_list_size():
    place = PlaceFactory(name="Liverpool", slug="liverpool")
    OrganisationFactory(place=place, ods_code="N82001", list_size=6000, list_size_date=date(2024, 4, 1))

    out, _ = run(list_sizes=LIST_SIZES)

    assert Organisation.objects.get(ods_code="N82001").list_size == 6000
    assert "N82001: kept the newer list size of 01 Apr 2024" in out


def test_it_uses_the_only_place_when_none_is_named():
    PlaceFactory(name="Liverpool", slug="liverpool", commissioner_codes="99A")
    stdout = StringIO()

    call_command("import_ods", f"--epraccur={EPRACCUR}", stdout=stdout, stderr=StringIO())

    assert Organisation.objects.filter(place__slug="liverpool").count() == len(expected_practices())


@pytest.mark.parametrize("places", [0, 2])
def test_it_refuses_to_guess_the_place(places):
    for n in range(places):
        PlaceFactory(name=f"Place {n}", slug=f"place-{n}")

    with pytest.raises(CommandError, match="--place"):
        call_command("import_ods", f"--epraccur={EPRACCUR}", "--commissioner=99A", stdout=StringIO())

    assert Place.objects.count() == places


def test_it_leaves_alone_a_practice_of_another_place():
    other = OrganisationFactory(place=PlaceFactory(name="Sefton", slug="sefton"), ods_code="N82001", name="Mine")

    out, _ = run(epraccur=EPRACCUR)

    other.refresh_from_db()
    assert other.name == "Mine"
    assert "N82001 is already a GP practice of Sefton; left alone" in out


# --- bad rows ----------------------------------------------------------------------------------------------------


def test_it_reports_and_skips_bad_rows(tmp_path):
    rows = epraccur_rows()
    by_code = {row[0]: row for row in rows}
    by_code["N82002"][0] = "N8200X"  # line 10
    by_code["N82003"][10] = "19741301"  # line 11
    by_code["N82004"][9] = "NOT A CODE"  # line 12
    by_code["N82009"][12] = "Z"  # line 13
    del by_code["N82011"][20:]  # line 14
    path = write_epraccur(tmp_path / "epraccur.csv", rows)
    # A download cut short: the last line stops half way.
    path.write_text(path.read_text()[:-100])

    out, _ = run("--report", str(tmp_path / "problems.csv"), epraccur=path)

    lines = {row[0]: n for n, row in enumerate(epraccur_rows(), start=1)}
    assert (lines["N82002"], lines["N82011"]) == (10, 14)
    assert "epraccur.csv line 10: bad ODS code 'N8200X'" in out
    assert "epraccur.csv line 11: N82003: bad date '19741301' (expected YYYYMMDD)" in out
    assert "epraccur.csv line 12: N82004: bad postcode 'NOT A CODE'; practice kept without a postcode" in out
    assert "epraccur.csv line 13: N82009: unknown status 'Z' (expected A, C or D)" in out
    assert "epraccur.csv line 14: expected 27 columns, found 20" in out
    assert f"epraccur.csv line {len(rows)}: expected 27 columns, found" in out
    assert not Organisation.objects.filter(ods_code__in=["N82002", "N82003", "N82009", "N82011"]).exists()
    garston = Organisation.objects.get(ods_code="N82004")
    assert garston.postcode == ""
    assert garston.name == "Garston Family Health Centre"
    with (tmp_path / "problems.csv").open(newline="") as handle:
        problems = list(csv.DictReader(handle))
    assert len(problems) == 6
    assert problems[0] == {"file": "epraccur.csv", "sheet": "", "line": "10", "ods_code": "N8200X",
                           "problem": "bad ODS code 'N8200X'"}


def test_it_reports_bad_list_size_rows(tmp_path):
    run(epraccur=EPRACCUR)
    text = LIST_SIZES.read_text().replace(",N82001,L24 6TH,ALL,ALL,5743", ",N82001,L24 6TH,ALL,ALL,lots")
    path = tmp_path / "sizes.csv"
    path.write_text(text + "GP_PRAC_PAT_LIST,01JAN2021,GP,99A,E38000101,N82999,L1 1AA,ALL,ALL,100\r\n")

    out, _ = run(list_sizes=path)

    assert "sizes.csv line 7: N82001: bad number of patients 'lots'" in out
    assert "sizes.csv line 93: N82999 is not a practice of Liverpool (closed or merged?)" in out
    assert Organisation.objects.get(ods_code="N82001").list_size is None
    assert Organisation.objects.get(ods_code="N82002").list_size == 4414


def epcn_workbook(tmp_path: Path, change) -> Path:
    """The excerpt workbook, changed by `change(workbook)` and saved under tmp_path."""
    workbook = load_workbook(EPCN)
    change(workbook)
    path = tmp_path / "epcn.xlsx"
    workbook.save(path)
    return path


def test_it_reports_workbook_practices_missing_from_the_place_and_ended_memberships(tmp_path):
    run(epraccur=EPRACCUR)

    def change(workbook):
        partners = workbook["PCN Core Partner Details"]
        for row in partners.iter_rows(min_row=2):
            if row[0].value == "N82001":
                row[9].value = 20200331  # left Swagga PCN in 2020
            if row[0].value == "N82002":
                row[4].value = "U57480"  # moved to Swagga PCN
        partners.append(["N89999", "NEW PRACTICE", "99A", "NHS LIVERPOOL CCG", "U57480", None, "99A",
                         "NHS LIVERPOOL CCG", 20191001, None, None])
        # A title above the header, as some editions have.
        for sheet in workbook.worksheets:
            sheet.insert_rows(1, 2)
            sheet["A1"] = "Primary Care Networks"

    out, _ = run(epcn=epcn_workbook(tmp_path, change))

    assert Organisation.objects.get(ods_code="N82001").pcn is None
    assert Organisation.objects.get(ods_code="N82002").pcn.ods_code == "U57480"
    excerpt = load_workbook(EPCN, read_only=True)
    last_row = excerpt["PCN Core Partner Details"].max_row + 2 + 1  # two title rows above, one new row below
    excerpt.close()
    assert (f"epcn.xlsx, sheet 'PCN Core Partner Details' row {last_row}: N89999 (New Practice) is in PCN "
            "U57480 but is not a practice of Liverpool") in out


def test_it_moves_a_practice_out_of_a_pcn_whose_membership_has_ended(tmp_path):
    run(epraccur=EPRACCUR, epcn=EPCN)
    history = Organisation.history.filter(ods_code="N82001").count()

    def change(workbook):
        for row in workbook["PCN Core Partner Details"].iter_rows(min_row=2):
            if row[0].value == "N82001":
                row[9].value = 20200331

    out, _ = run(epcn=epcn_workbook(tmp_path, change))

    assert Organisation.objects.get(ods_code="N82001").pcn is None
    assert Organisation.history.filter(ods_code="N82001").count() == history + 1
    assert f"0 created, 1 updated, {len(expected_memberships()) - 1} unchanged" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda wb: wb.remove(wb["PCN Details"]), "no sheet of PCN details: expected a sheet 'PCNDetails' "
                                                   r"\(or 'PCN Details'\) with the columns 'PCN Code'"),
        (lambda wb: wb["PCN Core Partner Details"].delete_cols(1), "no header row with the columns"),
    ],
)
def test_it_refuses_a_workbook_without_the_sheets_or_columns_it_needs(tmp_path, change, message):
    run(epraccur=EPRACCUR)
    before = database_state()

    with pytest.raises(CommandError, match=message):
        run(epraccur=EPRACCUR, epcn=epcn_workbook(tmp_path, change))

    assert database_state() == before


# --- the workbook of every year ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "details", "saved"),
    [
        (EPCN, "PCN Details", date(2019, 12, 4)),
        (EPCN_2022, "PCNDetails", date(2022, 3, 31)),
        (EPCN_2023, "PCNDetails", date(2023, 8, 31)),
    ],
)
def test_it_reads_the_workbook_as_laid_out_in_2019_2022_and_since_2023(path, details, saved):
    out, _ = run(epraccur=EPRACCUR, epcn=path)

    place = Place.objects.get()
    assert Organisation.objects.pcns().filter(place=place, status=Organisation.Status.ACTIVE).count() == 11
    assert Organisation.objects.get(ods_code="U57480").name == "Swagga PCN"
    memberships = expected_memberships(path)
    assert len(memberships) == 84
    practices = Organisation.objects.practices().filter(place=place, pcn__isnull=False)
    assert dict(practices.values_list("ods_code", "pcn__ods_code")) == memberships
    assert f"{path.name} is dated {saved:%Y-%m-%d} (the date the workbook was saved)." in out
    assert place.ods_pcns_as_of == saved
    assert "is not a practice of Liverpool" in out
    assert f"{path.name}, sheet '{details}' row" not in out  # no row of the PCN sheet was a problem


def test_it_finds_renamed_sheets_and_moved_columns_by_their_headers(tmp_path):
    def change(workbook):
        workbook["PCNDetails"].title = "PCN details (current)"
        workbook["PCN Core Partner Details"].insert_cols(1)  # every column one to the right

    workbook = load_workbook(EPCN_2023)
    change(workbook)
    workbook.save(tmp_path / "epcn.xlsx")

    run(epraccur=EPRACCUR, epcn=tmp_path / "epcn.xlsx")

    practices = Organisation.objects.practices().filter(pcn__isnull=False)
    assert dict(practices.values_list("ods_code", "pcn__ods_code")) == expected_memberships(EPCN_2023)


def test_it_names_the_columns_it_expected_when_no_layout_fits(tmp_path):
    workbook = load_workbook(EPCN_2023)
    workbook["PCNDetails"]["C1"] = "Region Code"
    workbook.save(tmp_path / "epcn.xlsx")

    with pytest.raises(CommandError) as refused:
        run(epraccur=EPRACCUR, epcn=tmp_path / "epcn.xlsx")

    assert str(refused.value) == (
        "epcn.xlsx, sheet 'PCNDetails': no header row with the columns 'PCN Code', 'PCN Name' and "
        "'Current Sub ICB Loc Code' (or 'Current Clinical Commissioning Group Code') in the first 20 rows. "
        "Nothing was changed."
    )
    assert Place.objects.count() == 0


# --- the date of each file ---------------------------------------------------------------------------------------


def as_published_on(rows: list[list[str]], day: str) -> list[list[str]]:
    """epraccur as it would have been published on `day` (YYYYMMDD): no practice that opened later, and no closure,
    join or departure made later."""
    published = []
    for row in rows:
        if row[10] > day:
            continue
        row = list(row)
        if row[11] > day:
            row[11], row[12] = "", "A"
        for column in (15, 16):
            if row[column] > day:
                row[column] = ""
        published.append(row)
    return published


def closing_n82001(tmp_path: Path) -> Path:
    """The excerpt, with The Margaret Thompson Medical Centre closed on 31 March 2025."""
    rows = epraccur_rows()
    for row in rows:
        if row[0] == "N82001":
            row[11], row[12] = "20250331", "C"
    return write_epraccur(tmp_path / "epraccur-2025-03.csv", rows)


def test_it_refuses_an_older_epraccur_in_one_line_and_changes_nothing(tmp_path):
    run_all()
    out, _ = run(epraccur=closing_n82001(tmp_path))
    assert "epraccur-2025-03.csv is dated 2025-03-31 (its latest open, close or join date)." in out
    before = database_state()

    with pytest.raises(CommandError) as refused:
        run(epraccur=EPRACCUR)

    assert str(refused.value) == (
        "epraccur-99A.csv is dated 2024-03-31 (its latest open, close or join date), older than the practices it "
        "would overwrite (2025-03-31). Use --allow-older to import it anyway. Nothing was changed."
    )
    assert database_state() == before
    margaret = Organisation.objects.get(ods_code="N82001")
    assert (margaret.status, margaret.closed_on) == (Organisation.Status.CLOSED, date(2025, 3, 31))


def test_it_imports_an_older_epraccur_when_allowed(tmp_path):
    run(epraccur=EPRACCUR)
    run(epraccur=closing_n82001(tmp_path))

    out, _ = run("--allow-older", epraccur=EPRACCUR)

    margaret = Organisation.objects.get(ods_code="N82001")
    assert (margaret.status, margaret.closed_on) == (Organisation.Status.ACTIVE, None)
    assert Place.objects.get().ods_practices_as_of == date(2024, 3, 31)
    assert "0 created, 1 updated" in out


def test_it_refuses_an_older_workbook_given_with_a_newer_epraccur_and_changes_nothing(tmp_path):
    run(epraccur=EPRACCUR, epcn=EPCN_2023)
    before = database_state()

    with pytest.raises(CommandError) as refused:
        run(epraccur=closing_n82001(tmp_path), epcn=EPCN_2022)

    assert str(refused.value) == (
        "ePCN-2022.xlsx is dated 2022-03-31 (the date the workbook was saved), older than the PCNs it would "
        "overwrite (2023-08-31). Use --allow-older to import it anyway. Nothing was changed."
    )
    # The newer epraccur, read first, was rolled back with the rest.
    assert database_state() == before
    assert Organisation.objects.get(ods_code="N82001").status == Organisation.Status.ACTIVE


def test_it_imports_the_files_again_in_date_order(tmp_path):
    run(epraccur=EPRACCUR, epcn=EPCN)
    run(epcn=EPCN_2022)

    run(epraccur=closing_n82001(tmp_path), epcn=EPCN_2023)

    place = Place.objects.get()
    assert (place.ods_practices_as_of, place.ods_pcns_as_of) == (date(2025, 3, 31), date(2023, 8, 31))
    assert Organisation.objects.get(ods_code="N82001").status == Organisation.Status.CLOSED
    practices = Organisation.objects.practices().filter(pcn__isnull=False)
    assert dict(practices.values_list("ods_code", "pcn__ods_code")) == expected_memberships(EPCN_2023)


def test_it_takes_the_files_date_from_as_of(tmp_path):
    run("--as-of=2025-06-30", epraccur=EPRACCUR)
    assert Place.objects.get().ods_practices_as_of == date(2025, 6, 30)
    older = write_epraccur(tmp_path / "epraccur-2021.csv", as_published_on(epraccur_rows(), "20210331"))

    with pytest.raises(CommandError) as refused:
        run(epraccur=older)

    assert str(refused.value).startswith(
        "epraccur-2021.csv is dated 2021-01-31 (its latest open, close or join date), older than the practices it "
        "would overwrite (2025-06-30). Use --allow-older"
    )
    out, _ = run("--as-of=2025-07-31", epraccur=older)
    assert "epraccur-2021.csv is dated 2025-07-31 (as given)." in out


@pytest.mark.parametrize(
    ("value", "files", "message"),
    [
        ("30/06/2025", {"epraccur": EPRACCUR}, "not a date like"),
        ("2999-01-01", {"epraccur": EPRACCUR}, "in the future"),
        ("2025-06-30", {"list_sizes": LIST_SIZES}, "--as-of is the date of an epraccur or ePCN file"),
    ],
)
def test_it_refuses_an_as_of_that_is_not_a_past_date_of_a_file_given(value, files, message):
    with pytest.raises(CommandError, match=message):
        run(f"--as-of={value}", **files)

    assert Place.objects.count() == 0


def test_it_dates_a_workbook_without_a_saved_date_by_the_latest_date_in_it(tmp_path):
    path = tmp_path / "epcn.xlsx"
    with zipfile.ZipFile(EPCN_2023) as source, zipfile.ZipFile(path, "w") as copy:
        for item in source.infolist():
            if item.filename != "docProps/core.xml":
                copy.writestr(item, source.read(item))

    out, _ = run(epraccur=EPRACCUR, epcn=path)

    # Ledbury Market Surgery left its PCN when it closed on 31 August 2021.
    assert "epcn.xlsx is dated 2021-08-31 (its latest open, close or membership date)." in out


def test_it_asks_for_the_date_of_a_file_it_cannot_date(tmp_path):
    rows = epraccur_rows()
    for row in rows:
        row[10] = row[11] = row[15] = row[16] = ""
    path = write_epraccur(tmp_path / "epraccur.csv", rows)

    with pytest.raises(CommandError, match="epraccur.csv: no open, close or join dates to tell how recent it is; "
                                           "give its date with --as-of."):
        run(epraccur=path)
    run("--as-of=2025-01-01", epraccur=path)

    assert Place.objects.get().ods_practices_as_of == date(2025, 1, 1)


# --- practices and PCNs that moved -------------------------------------------------------------------------------


def herefordshire_practices() -> set[str]:
    """The 20 practices of the five Herefordshire PCNs (05F in 2019, 18C since)."""
    workbook = load_workbook(EPCN_2023, read_only=True)
    codes = {row[0] for row in workbook["PCN Core Partner Details"].iter_rows(min_row=2, values_only=True)
             if row[2] == "18C"}
    workbook.close()
    return codes


def herefordshire_in_2019(tmp_path: Path) -> Path:
    """Herefordshire's practices as epraccur listed them in December 2019: under NHS Herefordshire CCG, 05F."""
    ours = herefordshire_practices()
    published = [[*row[:14], "05F", *row[15:]] for row in as_published_on(epraccur_rows(HEREFORDSHIRE), "20191204")
                 if row[0] in ours]
    return write_epraccur(tmp_path / "epraccur-2019.csv", published)


def test_it_reports_practices_that_moved_to_another_commissioner_and_where(tmp_path):
    run("--place=Herefordshire", "--commissioner=05F", epraccur=herefordshire_in_2019(tmp_path))
    assert Organisation.objects.practices().filter(status=Organisation.Status.ACTIVE).count() == 20

    out, _ = run("--place=Herefordshire", epraccur=HEREFORDSHIRE)

    moved = [line for line in out.splitlines() if "is listed under commissioner 18C now, not 05F" in line]
    assert len(moved) == 20
    assert ("epraccur-herefordshire.csv line 4: M81003 (Westfield Surgery) is listed under commissioner 18C now, "
            "not 05F; updated from this line") in out
    assert "no GP practices (setting 4) for commissioner 05F in this file" in out
    # What the file says of them there is not left stale: two have closed since.
    closed = Organisation.objects.practices().filter(status=Organisation.Status.CLOSED)
    assert dict(closed.values_list("ods_code", "closed_on")) == {
        "M81003": date(2023, 12, 31), "M81621": date(2021, 8, 31)
    }
    assert "0 created, 2 updated, 18 unchanged" in out
    worcestershire = {row[0] for row in epraccur_rows(HEREFORDSHIRE)} - herefordshire_practices()
    assert len(worcestershire) == 5
    assert not Organisation.objects.filter(ods_code__in=worcestershire).exists()


def test_it_finds_a_places_pcns_listed_under_its_new_commissioner(tmp_path):
    run("--place=Herefordshire", "--commissioner=05F", epraccur=herefordshire_in_2019(tmp_path))

    run("--place=Herefordshire", epraccur=HEREFORDSHIRE, epcn=EPCN_2023)

    pcns = Organisation.objects.pcns()
    assert sorted(pcns.values_list("name", flat=True)) == [
        "East Herefordshire PCN", "Herefordshire Hereford City HMG PCN", "North & West Herefordshire PCN",
        "South & West Herefordshire PCN", "The WBC (Hereford City) PCN",
    ]
    # Ledbury Market Surgery closed in 2021 and left its PCN; Westfield Surgery was still a member in August 2023.
    assert Organisation.objects.get(ods_code="M81621").pcn is None
    assert Organisation.objects.get(ods_code="M81003").pcn.ods_code == "U38064"
    assert Organisation.objects.practices().filter(pcn__isnull=False).count() == 19


def test_it_closes_a_pcn_of_the_place_that_the_workbook_lists_under_another_commissioner(tmp_path):
    run(epraccur=EPRACCUR, epcn=EPCN)

    def change(workbook):
        for row in workbook["PCN Details"].iter_rows(min_row=2):
            if row[0].value == "U35980":
                row[2].value, row[5].value = "01X", 20240331  # closed, and not Liverpool's any more
        for row in workbook["PCN Core Partner Details"].iter_rows(min_row=2):
            if row[4].value == "U35980":
                row[9].value = 20240331

    run(epcn=epcn_workbook(tmp_path, change))

    central = Organisation.objects.get(ods_code="U35980")
    assert (central.status, central.closed_on) == (Organisation.Status.CLOSED, date(2024, 3, 31))
    assert not central.member_practices.exists()


def test_it_reports_a_practice_and_a_pcn_the_files_no_longer_list(tmp_path):
    run(epraccur=EPRACCUR, epcn=EPCN)
    rows = [row for row in epraccur_rows() if row[0] != "N82001"]

    def change(workbook):
        details = workbook["PCN Details"]
        for row in details.iter_rows(min_row=2):
            if row[0].value == "U35980":
                details.delete_rows(row[0].row)
                break
        partners = workbook["PCN Core Partner Details"]
        for row in partners.iter_rows(min_row=2):
            if row[4].value == "U35980":
                row[9].value = 20240331  # and its members left it

    out, _ = run(epraccur=write_epraccur(tmp_path / "epraccur.csv", rows), epcn=epcn_workbook(tmp_path, change))

    assert ("epraccur.csv: N82001 (The Margaret Thompson Med Centre) is not in this file at all; left as it was"
            in out)
    assert "epcn.xlsx, sheet 'PCN Details': U35980 (Central Liverpool PCN) is not in this sheet; left as it was" in out
    assert Organisation.objects.get(ods_code="N82001").status == Organisation.Status.ACTIVE
    assert Organisation.objects.get(ods_code="U35980").status == Organisation.Status.ACTIVE


# --- files that cannot be imported -------------------------------------------------------------------------------


def garbled(tmp_path: Path) -> Path:
    path = tmp_path / "garbled.csv"
    path.write_text(EPRACCUR.read_text().replace('","', '";"'))
    return path


def binary(tmp_path: Path) -> Path:
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 40)
    return path


def not_a_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "epcn.xlsx"
    shutil.copy(EPRACCUR, path)
    return path


def truncated_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "epcn.xlsx"
    path.write_bytes(EPCN.read_bytes()[:5000])
    return path


def empty_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "epcn.xlsx"
    Workbook().save(path)
    return path


@pytest.mark.parametrize(
    ("bad", "source", "message"),
    [
        (garbled, "epraccur", "garbled.csv: 165 of 165 rows cannot be read"),
        (binary, "epraccur", "binary.csv: this is a binary file, not a CSV file"),
        (binary, "list_sizes", "binary.csv: this is a binary file"),
        (lambda tmp_path: EPRACCUR, "list_sizes", "the first row is not the header of a list-size file"),
        (lambda tmp_path: LIST_SIZES, "epraccur", "92 of 92 rows cannot be read"),
        (not_a_workbook, "epcn", "epcn.xlsx: not an Excel .xlsx workbook"),
        (truncated_workbook, "epcn", "epcn.xlsx: not an Excel .xlsx workbook"),
        (empty_workbook, "epcn", "no sheet of PCN details"),
        (lambda tmp_path: tmp_path / "missing.csv", "list_sizes", "missing.csv: no such file"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_and_changes_nothing(tmp_path, bad, source, message):
    run_all()
    # Make the good files worth writing, so that a partial import would show.
    rows = epraccur_rows()
    for row in rows:
        if row[0] == "N82001":
            row[17] = "0151 0000000"
    good = {"epraccur": write_epraccur(tmp_path / "good.csv", rows), "epcn": EPCN, "list_sizes": LIST_SIZES}
    before = database_state()

    with pytest.raises(CommandError, match=message) as refused:
        run(**{**good, source: bad(tmp_path)})

    assert "Nothing was changed." in str(refused.value)
    assert database_state() == before


def test_it_creates_no_place_when_it_refuses(tmp_path):
    with pytest.raises(CommandError, match="binary file"):
        run(epraccur=EPRACCUR, list_sizes=binary(tmp_path))

    assert Place.objects.count() == 0
    assert Organisation.objects.count() == 0


def test_it_needs_a_file():
    with pytest.raises(CommandError, match="Give at least one of"):
        run()


# --- output ------------------------------------------------------------------------------------------------------


def test_it_prints_progress_and_a_summary(tmp_path, monkeypatch):
    monkeypatch.setattr("members.ods_import.PROGRESS_EVERY", 50)

    out, err = run_all()

    assert "epraccur-99A.csv: 50 rows read…" in err
    assert "epraccur-99A.csv: 150 rows read…" in err
    assert "Created Liverpool (commissioners 99A)" in out
    assert ("PCNs from ePCN-99A.xlsx: 16 rows read; 11 created, 0 updated, 0 unchanged, 0 skipped; "
            "5 not for this place") in out
    practices = expected_practices()
    assert (f"Liverpool now has {len(practices)} practices (83 open), 11 PCNs, "
            f"{len(expected_memberships())} practices in a PCN") in out
    assert "Problems (4), skipped or imported as noted:" in out


def test_it_is_quiet_at_verbosity_zero():
    out, err = run_all("--verbosity=0")

    assert (out, err) == ("", "")
    assert Organisation.objects.exists()


def test_it_caps_the_problems_it_prints(tmp_path):
    rows = epraccur_rows()
    for row in rows[5:65]:
        row[9] = "NOWHERE"

    out, _ = run(epraccur=write_epraccur(tmp_path / "epraccur.csv", rows))

    problems = [line for line in out.splitlines() if "bad postcode" in line]
    assert len(problems) == 50
    assert "…and " in out
    assert "more (write them all with --report FILE)." in out


# --- names -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ods", "readable"),
    [
        ("THE MARGARET THOMPSON MED CENTRE", "The Margaret Thompson Med Centre"),
        ("ST. JOHN'S SURGERY", "St. John's Surgery"),
        ("ST.MICHAELS HOSPICE", "St.Michaels Hospice"),
        ("CHILDWALL & WAVERTREE PCN", "Childwall & Wavertree PCN"),
        ("NHS LIVERPOOL CCG", "NHS Liverpool CCG"),
        ("GP PRACTICE RIVERSIDE (DR JUDE)", "GP Practice Riverside (Dr Jude)"),
        ("SPEKE HC - DR SINGH & DR BICHA", "Speke HC - Dr Singh & Dr Bicha"),
        ("DR KW MCGECHAEN & PARTNER", "Dr KW McGechaen & Partner"),
        ("MCKENZIE HOUSE SURGERY", "McKenzie House Surgery"),
        ("O'BRIEN MEDICAL CENTRE", "O'Brien Medical Centre"),
        ("BROWNLOW AT MARYBONE", "Brownlow at Marybone"),
        ("THE VILLAGE MEDICAL CTRE", "The Village Medical Ctre"),
        ("WEOBLEY & STAUNTON ON WYE SURGERIES", "Weobley & Staunton on Wye Surgeries"),
        ("STOCKTON-ON-TEES 1ST FLOOR", "Stockton-on-Tees 1st Floor"),
        ("IGPC PCN", "IGPC PCN"),
        ("  EXTRA   SPACES ", "Extra Spaces"),
        ("Already Typed By A Person", "Already Typed By A Person"),
    ],
)
def test_it_makes_names_readable(ods, readable):
    assert readable_name(ods) == readable
