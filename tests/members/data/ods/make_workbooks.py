"""Build excerpts of the ePCN workbook as laid out in 2022 (ePCN-2022.xlsx) and since 2023 (ePCN-2023.xlsx).

    .venv/bin/python tests/members/data/ods/make_workbooks.py /work/shared/data/ods

No workbook of those years is in shared/, so these are reproductions: the 2019 workbook's rows for Liverpool (99A),
the five Herefordshire PCNs (05F in 2019) and five Leicester City PCNs (04C), with their member practices, written
in the later layouts. Two things are brought forward from the real files: Herefordshire's commissioner is 18C (its
CCG merged into Herefordshire and Worcestershire in April 2020, and epraccur-2025 lists every one of its practices
under 18C), and a practice that epraccur-2025 shows closed before the workbook's date has left its PCN on the day
it closed. Names, addresses and the other dates are the 2019 ones.

The header names, and why:

- 2022 ('PCNDetails'): 'PCN Code', 'PCN Name', 'Current Clinical \\r\\nCommissioning \\r\\nGroup Code',
  'Clinical\\r\\nCommissioning\\r\\nGroup Name', 'Open Date', 'Close Date', 'Address Line 1' to '5', 'Postcode'.
  Seen, spelled with these line breaks and spaces, in public R scripts that read the ePCN.xlsx downloaded in 2022
  (a West Sussex PCN analysis); 'Address Line 5' is assumed from the 2019 and 2023 layouts.
- 2022 ('PCN Core Partner Details'): 'Partner\\r\\nOrganisation\\r\\nCode', 'Partner\\r\\nName',
  'Practice\\r\\nParent\\r\\nCCG Name' and 'PCN Parent\\r\\nCCG Name' were seen in the same scripts; the two code
  columns ('Practice\\r\\nParent\\r\\nCCG Code', 'PCN Parent\\r\\nCCG Code') are assumed by analogy, and the
  relationship dates and the match column keep their 2019 names.
- 2023 on ('PCNDetails'): 'PCN Code', 'PCN Name', 'Current Sub ICB Loc Code', 'Sub ICB Location', 'Open Date',
  'Close Date', 'Address Line 1' to '5', 'Postcode': the full list is documented in a public PCN catchment
  project (2023) and read by name in several scripts. The name column is 'Sub ICB Location' there, not 'Current
  Sub ICB Loc Name' as the issue guessed; the import does not read it.
- 2023 on ('PCN Core Partner Details'): 'Partner\\r\\nOrganisation\\r\\nCode', 'Partner\\r\\nName',
  'Practice\\r\\nParent\\r\\nSub ICB Loc Code' and 'Practice\\r\\nParent\\r\\nSub ICB Loc Name' were seen; the PCN's
  parent columns ('PCN Parent\\r\\nSub ICB Loc Code', '… Name') and 'Practice Sub ICB and PCN Sub ICB match?' are
  assumed (the ODS CSV export names them 'PCN Parent Sub ICB Location Code' and 'Practice Sub ICB and PCN Sub ICB
  Match?'); the columns stay in the 2019 order, which scripts that read them by position (0, 1, 4, 8, 9) confirm.
- Dates stay numbers like 20191001 and the PCN name in the partner sheet stays a VLOOKUP formula, as in 2019.
- A header's line breaks are stored as Excel stores a carriage return in a cell, '_x000D_' before the line feed
  (R's readxl turns it back into '\\r', hence the '\\r\\n' in the scripts; openpyxl hands over '_x000D_').

The saved dates (31 March 2022, 31 August 2023) are chosen, not read from a published file.
"""

import csv
import sys
from datetime import datetime
from pathlib import Path

from make_excerpts import HEREFORDSHIRE_2019, PLACE, save_dated
from openpyxl import Workbook, load_workbook

HERE = Path(__file__).parent
LEICESTER_CITY = "04C"
OTHERS = 5
ADDRESS = ["Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Address Line 5", "Postcode"]
MATCH_FORMULA = "=G{n}=C{n}"

LAYOUTS = {
    "ePCN-2022.xlsx": {
        "saved": datetime(2022, 3, 31, 16, 5),
        "details": ["PCN Code", "PCN Name", "Current Clinical \r\nCommissioning \r\nGroup Code",
                    "Clinical\r\nCommissioning\r\nGroup Name", "Open Date", "Close Date", *ADDRESS],
        "partners": ["Partner\r\nOrganisation\r\nCode", "Partner\r\nName", "Practice\r\nParent\r\nCCG Code",
                     "Practice\r\nParent\r\nCCG Name", "PCN Code", "PCN Name", "PCN Parent\r\nCCG Code",
                     "PCN Parent\r\nCCG Name", "Practice to PCN Relationship Start Date",
                     "Practice to PCN Relationship End Date", "Practice CCG and PCN CCG match?"],
        "commissioners": {
            PLACE: ("99A", "NHS LIVERPOOL CCG"),
            HEREFORDSHIRE_2019: ("18C", "NHS HEREFORDSHIRE AND WORCESTERSHIRE CCG"),
            LEICESTER_CITY: ("04C", "NHS LEICESTER CITY CCG"),
        },
    },
    "ePCN-2023.xlsx": {
        "saved": datetime(2023, 8, 31, 9, 40),
        "details": ["PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Sub ICB Location", "Open Date",
                    "Close Date", *ADDRESS],
        "partners": ["Partner\r\nOrganisation\r\nCode", "Partner\r\nName", "Practice\r\nParent\r\nSub ICB Loc Code",
                     "Practice\r\nParent\r\nSub ICB Loc Name", "PCN Code", "PCN Name",
                     "PCN Parent\r\nSub ICB Loc Code", "PCN Parent\r\nSub ICB Loc Name",
                     "Practice to PCN Relationship Start Date", "Practice to PCN Relationship End Date",
                     "Practice Sub ICB and PCN Sub ICB match?"],
        "commissioners": {
            PLACE: ("99A", "NHS CHESHIRE AND MERSEYSIDE ICB - 99A"),
            HEREFORDSHIRE_2019: ("18C", "NHS HEREFORDSHIRE AND WORCESTERSHIRE ICB - 18C"),
            LEICESTER_CITY: ("04C", "NHS LEICESTER, LEICESTERSHIRE AND RUTLAND ICB - 04C"),
        },
    },
}


def read_2019(source: Path) -> tuple[list[tuple], list[tuple]]:
    """The 2019 PCN and partner rows of the places kept: whole PCNs, with all their members."""
    workbook = load_workbook(source / "ePCN-2019.xlsx", read_only=True)
    details = list(workbook["PCN Details"].iter_rows(min_row=2, values_only=True))
    partners = list(workbook["PCN Core Partner Details"].iter_rows(min_row=2, values_only=True))
    workbook.close()
    others = [row for row in details if row[2] == LEICESTER_CITY][:OTHERS]
    kept = [row for row in details if row[2] in (PLACE, HEREFORDSHIRE_2019)] + others
    codes = {row[0] for row in kept}
    return kept, [row for row in partners if row[4] in codes]


def closures(source: Path) -> dict[str, int]:
    with (source / "epraccur-2025.csv").open(newline="", encoding="utf-8") as handle:
        return {row[0]: int(row[11]) for row in csv.reader(handle) if row[11]}


def as_excel_stores(header: list[str]) -> list[str]:
    return [name.replace("\r", "_x000D_") for name in header]


def build(name: str, layout: dict, details: list[tuple], partners: list[tuple], closed: dict[str, int]) -> None:
    saved = int(f"{layout['saved']:%Y%m%d}")
    commissioners = layout["commissioners"]
    out = Workbook()
    sheet = out.active
    sheet.title = "PCNDetails"
    sheet.append(as_excel_stores(layout["details"]))
    for row in details:
        sheet.append([row[0], row[1], *commissioners[row[2]], *row[4:]])
    sheet = out.create_sheet("PCN Core Partner Details")
    sheet.append(as_excel_stores(layout["partners"]))
    for number, row in enumerate(partners, start=2):
        ended = row[9] or (closed[row[0]] if closed.get(row[0], saved + 1) <= saved else None)
        sheet.append([
            row[0], row[1], *commissioners[row[2]], row[4], f"=VLOOKUP(E{number},PCNDetails!A:B,2,FALSE)",
            *commissioners[row[6]], row[8], ended, MATCH_FORMULA.format(n=number),
        ])
    save_dated(out, HERE / name, created=layout["saved"].replace(day=1), modified=layout["saved"])


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/ods")
    details, partners = read_2019(source)
    closed = closures(source)
    for name, layout in LAYOUTS.items():
        build(name, layout, details, partners, closed)
