"""Rebuild the test excerpts from the full public files: Liverpool (99A) plus a few rows of other commissioners, and
the 2025 rows of the practices that were Herefordshire's (05F) in 2019.

    .venv/bin/python tests/members/data/ods/make_excerpts.py /work/shared/data/ods

Rows are copied as published; only the workbook's formulas are renumbered for their new rows, and the workbook
keeps the published file's saved date, which the import reads as the workbook's date.
"""

import csv
import sys
from datetime import datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.writer.excel import ExcelWriter

PLACE = "99A"
HEREFORDSHIRE_2019 = "05F"  # part of 18C, Herefordshire and Worcestershire, since April 2020
OTHERS = 5  # rows of other commissioners kept, so that the import has something to leave out
HERE = Path(__file__).parent


def save_dated(workbook: Workbook, path: Path, *, created: datetime, modified: datetime) -> None:
    """Save with these dates in the workbook's properties (openpyxl's own save stamps the time of saving)."""
    workbook.properties.created = created
    workbook.properties.modified = modified
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()


def _place_and_a_few_others(rows: list, is_place) -> list:
    """The place's rows and the first few others, in the file's order."""
    others = [i for i, row in enumerate(rows) if not is_place(row)][:OTHERS]
    return [row for i, row in enumerate(rows) if is_place(row) or i in others]


def epraccur(source: Path) -> None:
    with (source / "epraccur-2025.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    kept = _place_and_a_few_others(rows, lambda row: row[14] == PLACE)
    with (HERE / "epraccur-99A.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(kept)


def list_sizes(source: Path) -> None:
    with (source / "gp-reg-pat-prac-all-2021-01.csv").open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    kept = _place_and_a_few_others(rows, lambda row: row[3] == PLACE)
    with (HERE / "list-sizes-99A.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *kept])


def herefordshire(source: Path) -> None:
    """The 2025 rows of Herefordshire's 2019 practices, all under 18C now, and a few other 18C rows."""
    workbook = load_workbook(source / "ePCN-2019.xlsx", read_only=True)
    practices = {row[0] for row in workbook["PCN Core Partner Details"].iter_rows(min_row=2, values_only=True)
                 if row[2] == HEREFORDSHIRE_2019}
    workbook.close()
    with (source / "epraccur-2025.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row[14] == "18C"]
    kept = _place_and_a_few_others(rows, lambda row: row[0] in practices)
    with (HERE / "epraccur-herefordshire.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(kept)


def epcn(source: Path) -> None:
    workbook = load_workbook(source / "ePCN-2019.xlsx", read_only=True)
    published = workbook.properties
    header, *details = list(workbook["PCN Details"].iter_rows(values_only=True))
    partner_header, *partners = list(workbook["PCN Core Partner Details"].iter_rows(values_only=True))
    workbook.close()
    place_pcns = {row[0] for row in details if row[2] == PLACE}
    kept_details = _place_and_a_few_others(details, lambda row: row[0] in place_pcns)
    other_pcns = {row[0] for row in kept_details} - place_pcns
    # Whole PCNs elsewhere, with their members, so that the import has a whole other PCN to leave out.
    kept_partners = [row for row in partners if row[4] in place_pcns | other_pcns or row[2] == PLACE]

    out = Workbook()
    sheet = out.active
    sheet.title = "PCN Details"
    sheet.append(header)
    for row in kept_details:
        sheet.append(row)
    sheet = out.create_sheet("PCN Core Partner Details")
    sheet.append(partner_header)
    for number, row in enumerate(kept_partners, start=2):
        row = list(row)
        # As published: the PCN name is looked up from the other sheet, not stored.
        row[5] = f"=VLOOKUP(E{number},'PCN Details'!A:B,2,FALSE)"
        row[10] = f"=G{number}=C{number}"
        sheet.append(row)
    save_dated(out, HERE / "ePCN-99A.xlsx", created=published.created, modified=published.modified)


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/ods")
    epraccur(source)
    list_sizes(source)
    epcn(source)
    herefordshire(source)
