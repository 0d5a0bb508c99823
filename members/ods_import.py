"""Load a place's practices, PCNs and list sizes from the public NHS files (ODS epraccur, the ePCN workbook and
NHS Digital's patients-registered-at-a-practice CSV).

The files come from different years and organisations merge, close and change commissioner in between, so a row
that cannot be matched is reported and skipped, never guessed at. A file that is not what it claims to be (binary,
the wrong layout, mostly unreadable) is refused as a whole: the import runs in one transaction, so nothing
changes.

Each epraccur and ePCN file is dated, and a place remembers the date of the last one of each it imported, so that
a file older than the data it would overwrite is refused rather than let it reopen what a newer one closed:

- epraccur has no date of its own, so it is dated by the latest open, close, join or leave date it records, up to
  today. Every change ODS makes to a practice adds such a date, so a newer file never has an earlier one.
- a workbook is dated by the date it was last saved (its core properties), unless its sheets record a later
  open, close or membership date. A published file opened and saved again carries the later date: give --as-of.
"""

import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape
from openpyxl.utils.exceptions import InvalidFileException

from .models import ICS, PCN_ODS_RE, POSTCODE_RE, PRACTICE_ODS_RE, Organisation, Place, normalise_postcode
from .places import every_place

Progress = Callable[[str], None]

EPRACCUR_COLUMNS = 27
GP_PRACTICE_SETTING = "4"  # column 26 of epraccur: other settings are prisons, hospices, walk-in centres, …
# epraccur's open, close, join provider and left provider dates (columns 11, 12, 16 and 17), YYYYMMDD.
EPRACCUR_DATE_COLUMNS = (10, 11, 15, 16)
PROGRESS_EVERY = 5000
# A file in which more than this share of rows cannot be read is the wrong file, not a file with a few bad rows.
MALFORMED_SHARE = 0.5
HEADER_SEARCH_ROWS = 20

STATUS_BY_CODE = {
    "A": Organisation.Status.ACTIVE,
    "C": Organisation.Status.CLOSED,
    "D": Organisation.Status.DORMANT,
}


class ImportRefused(Exception):
    """The file cannot be imported at all; the caller's transaction rolls back."""


@dataclass
class Problem:
    file: str
    line: int | None
    reason: str
    code: str = ""
    sheet: str = ""

    @property
    def location(self) -> str:
        where = self.file
        if self.sheet:
            where += f", sheet '{self.sheet}'"
        if self.line is not None:
            where += f" {'row' if self.sheet else 'line'} {self.line}"
        return where

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class SourceSummary:
    """What one source did. `ignored` rows are not for this place (other commissioners, other settings)."""

    label: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    ignored: int = 0
    malformed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.label} from {self.file}: {self.rows:,} rows read; {self.created:,} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.skipped:,} skipped; "
            f"{self.ignored:,} not for this place"
        )


@dataclass
class FileDate:
    """The date a file speaks for, and where that date came from."""

    file: str
    on: date
    source: str

    def __str__(self) -> str:
        return f"{self.file} is dated {self.on:%Y-%m-%d} ({self.source})"


@dataclass
class ImportReport:
    place: Place
    commissioners: list[str]
    place_created: bool = False
    sources: list[SourceSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_dates: list[FileDate] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.place_created or any(s.created or s.updated for s in self.sources)


# --- names -------------------------------------------------------------------------------------------------------

# Words without a vowel are nearly always initials or acronyms (GP, PCN, NHS, HC, KW); these are the exceptions,
# abbreviations that read better in title case.
TITLE_CASE_ABBREVIATIONS = {"DR", "DRS", "MR", "MRS", "MS", "ST", "STS", "RD", "CTR", "CTRS", "CNTR", "LTD", "GRP",
                            "HLTH", "HTH", "PTNR", "PTNRS", "SQ", "JR", "BLVD", "PRT"}
# Acronyms that do contain a vowel.
ACRONYMS = {"UK", "UTC", "OOH", "CIC", "ICB", "ICS", "IGPC", "AQP", "NHS", "PCN", "WBC", "HMG", "LMC", "CCG"}
SMALL_WORDS = {"and", "of", "the", "at", "on", "in", "upon", "under", "by", "for", "with"}
VOWELS = set("AEIOUY")


def readable_name(value: str) -> str:
    """Turn an upper-case ODS name into title case: 'ST. JOHN'S PCN' -> "St. John's PCN", 'MCKENZIE' -> 'McKenzie'.

    Names that already have lower-case letters were typed by a person and are kept as they are."""
    value = " ".join(value.split())
    if any(ch.islower() for ch in value):
        return value
    first, *rest = value.split(" ")
    words = [re.sub(r"[A-Z]+", lambda m: _word_case(m, first_word=True), first)]
    words += [re.sub(r"[A-Z]+", lambda m: _word_case(m, first_word=False), word) for word in rest]
    return " ".join(words)


def _word_case(match: re.Match, *, first_word: bool) -> str:
    run, start, text = match.group(), match.start(), match.string
    before = text[start - 1] if start else ""
    if before.isdigit():
        return run.lower()  # 1ST, 2ND
    if before == "'" and len(run) == 1:
        return run.lower()  # JOHN'S, not John'S; but O'BRIEN -> O'Brien
    if run in ACRONYMS or (not VOWELS & set(run) and run not in TITLE_CASE_ABBREVIATIONS and len(run) > 1):
        return run
    if run.lower() in SMALL_WORDS and not (first_word and start == 0):
        return run.lower()
    if run.startswith("MC") and len(run) > 3:
        return "Mc" + run[2:].capitalize()
    return run.capitalize()


# --- values ------------------------------------------------------------------------------------------------------


def _parse_compact_date(value: Any) -> date | None:
    """YYYYMMDD as text or as a number (the workbook stores 20191001), or a real spreadsheet date. Blank is None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"bad date {text!r} (expected YYYYMMDD)") from None


def _parse_extract_date(value: str) -> date:
    text = value.strip()
    for fmt in ("%d%b%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"bad extract date {text!r} (expected like 01JAN2021)")


def _clean_postcode(value: str) -> tuple[str, bool]:
    """The normalised postcode, and whether it was acceptable. A bad postcode is dropped, not stored."""
    if not value.strip():
        return "", True
    postcode = normalise_postcode(value)
    if POSTCODE_RE.match(postcode):
        return postcode, True
    return "", False


def _address(lines: list[str]) -> str:
    return ", ".join(readable_name(line) for line in lines if line.strip())


def _set_changed(org: Organisation, values: dict[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(org, name) != value]
    for name in changed:
        setattr(org, name, values[name])
    return changed


def _save(org: Organisation, fields: list[str], *, reason: str) -> None:
    # Saved through the model, one by one, so that django-simple-history records each change.
    org._change_reason = reason
    if org.pk is None:
        org.save()
    else:
        org.save(update_fields=fields)


# --- files -------------------------------------------------------------------------------------------------------


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise ImportRefused(f"{path}: no such file.")
    if not path.is_file():
        raise ImportRefused(f"{path}: not a file.")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) for each row of a UTF-8 CSV; refuses binary files and text that is not CSV."""
    _check_exists(path)
    with path.open("rb") as raw:
        if b"\x00" in raw.read(8192):
            raise ImportRefused(f"{path.name}: this is a binary file, not a CSV file.")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=False)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                yield reader.line_num, row
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"{path.name}: not UTF-8 text ({exc.reason}); is this the right file?") from None
    except csv.Error as exc:
        raise ImportRefused(f"{path.name}: not a readable CSV file ({exc}).") from None


def _refuse_if_mostly_malformed(summary: SourceSummary, what: str) -> None:
    if summary.rows == 0:
        raise ImportRefused(f"{summary.file}: no rows; expected {what}.")
    if summary.malformed > summary.rows * MALFORMED_SHARE:
        raise ImportRefused(
            f"{summary.file}: {summary.malformed:,} of {summary.rows:,} rows cannot be read; "
            f"expected {what}."
        )


def _progress_tick(progress: Progress | None, summary: SourceSummary) -> None:
    if progress and summary.rows % PROGRESS_EVERY == 0:
        progress(f"{summary.file}: {summary.rows:,} rows read…")


# --- place -------------------------------------------------------------------------------------------------------


def _resolve_place(place: Place | str | None, commissioners: list[str]) -> tuple[Place, bool]:
    if isinstance(place, Place):
        return place, False
    if place is None:
        places = list(Place.objects.all()[:2])
        if not places:
            raise ImportRefused("There is no place yet: name one with --place.")
        if len(places) > 1:
            raise ImportRefused("There are several places: say which with --place.")
        return places[0], False
    name = place.strip()
    found = Place.objects.filter(Q(slug=name) | Q(name__iexact=name)).first()
    if found:
        return found, False
    slug = slugify(name)
    if not slug:
        raise ImportRefused(f"{name!r} is not a usable place name.")
    if Place.objects.filter(slug=slug).exists():
        raise ImportRefused(f"Another place already uses the slug {slug!r}; give its exact name or slug.")
    created = Place(name=name, slug=slug, commissioner_codes=",".join(commissioners))
    created._change_reason = "ODS import"
    created.save()
    return created, True


# --- file dates --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dating:
    """How this import dates its files (`as_of` overrides what they say) and whether it takes older ones."""

    as_of: date | None
    allow_older: bool

    def file_date(self, path: Path, found: tuple[date, str] | None, *, missing: str) -> FileDate:
        if self.as_of:
            return FileDate(path.name, self.as_of, "as given")
        if found is None:
            raise ImportRefused(f"{path.name}: {missing} to tell how recent it is; give its date with --as-of.")
        return FileDate(path.name, *found)

    def refuse_if_older(self, place: Place, field_name: str, dated: FileDate, *, what: str) -> None:
        current = getattr(place, field_name)
        if current and dated.on < current and not self.allow_older:
            raise ImportRefused(
                f"{dated.file} is dated {dated.on:%Y-%m-%d} ({dated.source}), older than the {what} it would "
                f"overwrite ({current:%Y-%m-%d}). Use --allow-older to import it anyway."
            )


def _record_date(place: Place, field_name: str, dated: FileDate) -> None:
    if getattr(place, field_name) != dated.on:
        setattr(place, field_name, dated.on)
        place._change_reason = f"ODS import from {dated.file}"
        place.save(update_fields=[field_name])


# --- epraccur ----------------------------------------------------------------------------------------------------


@dataclass
class _PracticeRow:
    line: int
    code: str
    commissioner: str
    setting: str
    values: dict[str, Any]
    is_closed: bool


def _import_practices(
    *, place: Place, path: Path, commissioners: set[str], report: ImportReport, progress: Progress | None,
    dating: _Dating,
) -> None:
    summary = SourceSummary(label="Practices", file=path.name)
    report.sources.append(summary)

    def problem(line: int | None, reason: str, code: str = "", *, skip: bool = True, malformed: bool = False) -> None:
        report.problems.append(Problem(file=path.name, line=line, reason=reason, code=code))
        summary.skipped += skip
        summary.malformed += malformed

    ours = {org.ods_code: org for org in Organisation.objects.practices().filter(place=place)}
    today = f"{timezone.localdate():%Y%m%d}"
    latest = ""  # the file's latest date, YYYYMMDD: compared as text, which orders them as dates
    wanted: dict[str, _PracticeRow] = {}
    # The place's own practices, where the file lists them under another commissioner or setting now.
    elsewhere: dict[str, _PracticeRow] = {}
    for line, row in _csv_rows(path):
        summary.rows += 1
        _progress_tick(progress, summary)
        if len(row) != EPRACCUR_COLUMNS:
            problem(line, f"expected {EPRACCUR_COLUMNS} columns, found {len(row)}", malformed=True)
            continue
        row = [cell.strip() for cell in row]
        for cell in (row[i] for i in EPRACCUR_DATE_COLUMNS):
            # A date after today is a change ODS has been told of in advance, not a sign of when the file was made.
            if latest < cell <= today and len(cell) == 8 and cell.isdigit():
                latest = cell
        commissioner, setting = row[14].upper(), row[25]
        is_for_place = commissioner in commissioners and setting == GP_PRACTICE_SETTING
        if not is_for_place and row[0].upper() not in ours:
            summary.ignored += 1
            continue
        found = wanted if is_for_place else elsewhere
        code = row[0].upper()
        if not PRACTICE_ODS_RE.match(code):
            problem(line, f"bad ODS code {row[0]!r}", row[0], malformed=True)
            continue
        if code in found:
            problem(line, f"{code} appears again (first at line {found[code].line})", code)
            continue
        status = STATUS_BY_CODE.get(row[12].upper())
        if status is None:
            problem(line, f"{code}: unknown status {row[12]!r} (expected A, C or D)", code, malformed=True)
            continue
        try:
            opened_on = _parse_compact_date(row[10])
            closed_on = _parse_compact_date(row[11])
        except ValueError as exc:
            problem(line, f"{code}: {exc}", code, malformed=True)
            continue
        if not row[1]:
            problem(line, f"{code}: no name", code, malformed=True)
            continue
        postcode, postcode_ok = _clean_postcode(row[9])
        if not postcode_ok:
            problem(line, f"{code}: bad postcode {row[9]!r}; practice kept without a postcode", code, skip=False)
        found[code] = _PracticeRow(
            line=line,
            code=code,
            commissioner=commissioner,
            setting=setting,
            is_closed=status == Organisation.Status.CLOSED,
            values={
                "name": readable_name(row[1]),
                "address": _address(row[4:9]),
                "postcode": postcode,
                "phone": row[17],
                "status": status,
                "opened_on": opened_on,
                "closed_on": closed_on,
            },
        )
    _refuse_if_mostly_malformed(summary, f"the ODS epraccur layout ({EPRACCUR_COLUMNS} columns, no header)")
    from_file = (_parse_compact_date(latest), "its latest open, close or join date") if latest else None
    dated = dating.file_date(path, from_file, missing="no open, close or join dates")
    dating.refuse_if_older(place, "ods_practices_as_of", dated, what="practices")
    report.file_dates.append(dated)
    if not wanted:
        report.problems.append(Problem(
            file=path.name, line=None,
            reason=f"no GP practices (setting 4) for commissioner {', '.join(sorted(commissioners))} in this file",
        ))
    wanted.update(_practices_listed_elsewhere(ours, wanted, elsewhere, commissioners=commissioners, problem=problem))

    existing = {org.ods_code: org for org in Organisation.objects.filter(ods_code__in=wanted).select_related("place")}
    reason = f"ODS import from {path.name}"
    for code, practice_row in wanted.items():
        org = existing.get(code)
        if org is None:
            if practice_row.is_closed:
                # A practice that closed before the place first imported it was never part of the group.
                summary.ignored += 1
                continue
            org = Organisation(place=place, kind=Organisation.Kind.PRACTICE, ods_code=code, **practice_row.values)
            _save(org, [], reason=reason)
            summary.created += 1
            continue
        if org.place_id != place.pk or org.kind != Organisation.Kind.PRACTICE:
            problem(practice_row.line, f"{code} is already a {org.get_kind_display()} of {org.place}; left alone",
                    code)
            continue
        changed = _set_changed(org, practice_row.values)
        if changed:
            _save(org, changed, reason=reason)
            summary.updated += 1
        else:
            summary.unchanged += 1
    _record_date(place, "ods_practices_as_of", dated)


def _practices_listed_elsewhere(
    ours: dict[str, Organisation],
    wanted: dict[str, _PracticeRow],
    elsewhere: dict[str, _PracticeRow],
    *,
    commissioners: set[str],
    problem: Callable[..., None],
) -> dict[str, _PracticeRow]:
    """Report each of the place's practices that the file no longer lists under the place's commissioners, and
    where it lists it now. A practice that is still a GP practice under another commissioner (as when NHS
    Herefordshire, 05F, became part of 18C) is the same practice: it is updated from that line, so that a closure
    there closes it here too. The rows to update are returned."""
    ours_now = ", ".join(sorted(commissioners))
    moved: dict[str, _PracticeRow] = {}
    for code, org in sorted(ours.items()):
        if code in wanted:
            continue
        row = elsewhere.get(code)
        if row is None:
            if org.status != Organisation.Status.CLOSED and not org.is_archived:
                problem(None, f"{code} ({org.name}) is not in this file at all; left as it was", code, skip=False)
        elif row.setting != GP_PRACTICE_SETTING:
            problem(row.line, f"{code} ({org.name}) is listed as prescribing setting {row.setting} under commissioner "
                              f"{row.commissioner} now, not as a GP practice; left as it was", code)
        else:
            problem(row.line, f"{code} ({org.name}) is listed under commissioner {row.commissioner} now, not "
                              f"{ours_now}; updated from this line", code, skip=False)
            moved[code] = row
    return moved


# --- ePCN workbook -----------------------------------------------------------------------------------------------


@dataclass
class _SheetLayout:
    """A sheet of the ePCN workbook as published since 2019, known by its header names rather than its position.

    Headers are compared ignoring case, spaces and line breaks: in the workbooks of 2022 on many are wrapped over two
    or three lines ('Partner\\r\\nOrganisation\\r\\nCode'). Each column lists every header it has been published
    under, the current one first."""

    what: str
    sheet_names: tuple[str, ...]  # as published, the current one first
    required: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]]


PCN_DETAILS = _SheetLayout(
    what="PCN details",
    # 'PCN Details' in 2019; 'PCNDetails' in the workbooks of 2022 on.
    sheet_names=("PCNDetails", "PCN Details"),
    required={
        "code": ("PCN Code",),
        "name": ("PCN Name",),
        # Sub-ICB locations replaced CCGs in July 2022; the codes stayed (99A is Liverpool in both).
        "commissioner": ("Current Sub ICB Loc Code", "Current Clinical Commissioning Group Code",
                         "Current Sub ICB Location Code", "Sub ICB Location Code", "CCG Code", "Commissioner Code"),
    },
    optional={
        "commissioner_name": ("Current Sub ICB Loc Name", "Clinical Commissioning Group Name",
                              "Current Clinical Commissioning Group Name", "Current Sub ICB Location Name",
                              "Sub ICB Location Name", "CCG Name", "Commissioner Name"),
        "opened_on": ("Open Date", "Open Date (YYYYMMDD)"),
        "closed_on": ("Close Date", "Close Date (YYYYMMDD)"),
        "address1": ("Address Line 1",),
        "address2": ("Address Line 2",),
        "address3": ("Address Line 3",),
        "address4": ("Address Line 4",),
        "address5": ("Address Line 5",),
        "postcode": ("Postcode",),
    },
)
PCN_PARTNERS = _SheetLayout(
    what="PCN core partners",
    sheet_names=("PCN Core Partner Details",),
    required={
        "practice": ("Partner Organisation Code", "Practice Code"),
        "pcn": ("PCN Code",),
        "start": ("Practice to PCN Relationship Start Date", "Relationship Start Date", "Start Date"),
        "end": ("Practice to PCN Relationship End Date", "Relationship End Date", "End Date"),
    },
    optional={"practice_name": ("Partner Name", "Practice Name")},
)


def _header_key(value: Any) -> str:
    # Excel keeps a line break typed in a cell as '_x000D_\n', and openpyxl hands the escape over as it is.
    return " ".join(unescape(str(value or "")).split()).lower()


def _sheet_key(name: str) -> str:
    return "".join(name.split()).lower()


def _columns(values: tuple, layout: _SheetLayout) -> dict[str, int | None] | None:
    """Where each column of `layout` is in this row, or None when it is not the header row."""
    keys = [_header_key(v) for v in values]

    def position(headers: tuple[str, ...]) -> int | None:
        return next((keys.index(key) for key in map(_header_key, headers) if key in keys), None)

    found = {name: position(headers) for name, headers in layout.required.items()}
    if any(index is None for index in found.values()):
        return None
    return {**found, **{name: position(headers) for name, headers in layout.optional.items()}}


@dataclass
class _Sheet:
    name: str
    header_row: int
    columns: dict[str, int | None]

    def rows(self, workbook) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {column: value}) for each non-blank row under the header row."""
        width = max(i for i in self.columns.values() if i is not None) + 1
        start = self.header_row + 1
        for number, values in enumerate(workbook[self.name].iter_rows(min_row=start, values_only=True), start=start):
            if not any(v not in (None, "") for v in values):
                continue
            values = list(values) + [None] * (width - len(values))
            yield number, {name: (values[i] if i is not None else None) for name, i in self.columns.items()}


def _find_sheet(workbook, layout: _SheetLayout, *, file: str) -> _Sheet:
    """The sheet with `layout`'s header row: a sheet of a published name first, then any other sheet."""
    published = {_sheet_key(name) for name in layout.sheet_names}
    named = [name for name in workbook.sheetnames if _sheet_key(name) in published]
    for name in named + [name for name in workbook.sheetnames if name not in named]:
        sheet = workbook[name]
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet
        for number, values in enumerate(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
            columns = _columns(values, layout)
            if columns:
                return _Sheet(name=name, header_row=number, columns=columns)
    columns = [f"'{headers[0]}'" + (f" (or '{headers[1]}')" if len(headers) > 1 else "")
               for headers in layout.required.values()]
    expected = f"{', '.join(columns[:-1])} and {columns[-1]}"
    if named:
        raise ImportRefused(
            f"{file}, sheet '{named[0]}': no header row with the columns {expected} in the first "
            f"{HEADER_SEARCH_ROWS} rows."
        )
    other_names = "".join(f" (or '{name}')" for name in layout.sheet_names[1:])
    raise ImportRefused(
        f"{file}: no sheet of {layout.what}: expected a sheet '{layout.sheet_names[0]}'{other_names} with the "
        f"columns {expected}; found only {', '.join(repr(n) for n in workbook.sheetnames)}."
    )


def _open_workbook(path: Path):
    _check_exists(path)
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ImportRefused(f"{path.name}: not an Excel .xlsx workbook ({exc}).") from None


def _workbook_saved_on(path: Path) -> tuple[date, str] | None:
    """The date the workbook was last saved (or else created), from its core properties. Read here because openpyxl
    puts the time of reading in place of a missing date."""
    try:
        with zipfile.ZipFile(path) as archive:
            properties = ElementTree.fromstring(archive.read("docProps/core.xml"))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None
    for tag, source in (("modified", "the date the workbook was saved"), ("created", "the workbook's creation date")):
        element = properties.find(f"{{http://purl.org/dc/terms/}}{tag}")
        try:
            return datetime.fromisoformat((element.text or "").strip()).date(), source
        except (AttributeError, ValueError):
            continue
    return None


def _workbook_date(path: Path, latest_in_sheets: date | None) -> tuple[date, str] | None:
    saved = _workbook_saved_on(path)
    today = timezone.localdate()
    if saved and (latest_in_sheets is None or min(saved[0], today) >= latest_in_sheets):
        return min(saved[0], today), saved[1]
    if latest_in_sheets:
        # A workbook cannot be older than the latest change it records, whatever its properties say.
        return latest_in_sheets, "its latest open, close or membership date"
    return None


class _LatestDate:
    """The latest of the dates seen, up to today: a later date is a change planned, not a sign of the file's age."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.value: date | None = None

    def see(self, *days: date | None) -> None:
        for day in days:
            if day and day <= self.today and (self.value is None or day > self.value):
                self.value = day


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


@dataclass
class _PCNRow:
    row: int
    code: str
    commissioner: str
    values: dict[str, Any]


@dataclass
class _MembershipRow:
    row: int
    practice: str
    practice_name: str
    pcn: str


def _import_pcns(
    *, place: Place, path: Path, commissioners: set[str], report: ImportReport, progress: Progress | None,
    dating: _Dating,
) -> None:
    workbook = _open_workbook(path)
    latest = _LatestDate()
    try:
        details = _find_sheet(workbook, PCN_DETAILS, file=path.name)
        partners = _find_sheet(workbook, PCN_PARTNERS, file=path.name)
        pcn_rows = _read_pcn_details(workbook, details, path=path, report=report, progress=progress, latest=latest)
        memberships = _read_memberships(workbook, partners, path=path, report=report, progress=progress,
                                        latest=latest)
    finally:
        workbook.close()
    pcn_summary, membership_summary = report.sources[-2], report.sources[-1]
    dated = dating.file_date(path, _workbook_date(path, latest.value), missing="no saved date and no dates in it")
    dating.refuse_if_older(place, "ods_pcns_as_of", dated, what="PCNs")
    report.file_dates.append(dated)

    practices = {
        org.ods_code: org for org in Organisation.objects.practices().filter(place=place).select_related("pcn")
    }
    ours = dict(Organisation.objects.pcns().filter(place=place).values_list("ods_code", "name"))
    selected = {m.pcn for m in memberships.values() if m.practice in practices}
    selected |= {code for code, pcn in pcn_rows.items() if pcn.commissioner in commissioners}
    # The place's own PCNs are updated wherever the workbook lists them now, so that a closure is not missed.
    selected |= ours.keys() & pcn_rows.keys()
    pcn_summary.ignored += len(pcn_rows) - len(selected & pcn_rows.keys())
    for code in sorted(ours.keys() - pcn_rows.keys() - selected):  # the selected ones are reported below
        report.problems.append(Problem(file=path.name, sheet=details.name, line=None, code=code,
                                       reason=f"{code} ({ours[code]}) is not in this sheet; left as it was"))

    existing = {org.ods_code: org for org in Organisation.objects.filter(ods_code__in=selected).select_related("place")}
    reason = f"ODS import from {path.name}"
    pcns: dict[str, Organisation] = {}
    for code in sorted(selected):
        pcn_row = pcn_rows.get(code)
        if pcn_row is None:
            report.problems.append(Problem(file=path.name, sheet=details.name, line=None, code=code,
                                           reason=f"{code} has member practices here but is not in this sheet"))
            continue
        org = existing.get(code)
        if org is None:
            org = Organisation(place=place, kind=Organisation.Kind.PCN, ods_code=code, **pcn_row.values)
            _save(org, [], reason=reason)
            pcn_summary.created += 1
        elif org.place_id != place.pk or org.kind != Organisation.Kind.PCN:
            report.problems.append(Problem(
                file=path.name, sheet=details.name, line=pcn_row.row, code=code,
                reason=f"{code} is already a {org.get_kind_display()} of {org.place}; left alone",
            ))
            pcn_summary.skipped += 1
            continue
        else:
            changed = _set_changed(org, pcn_row.values)
            if changed:
                _save(org, changed, reason=reason)
                pcn_summary.updated += 1
            else:
                pcn_summary.unchanged += 1
        pcns[code] = org

    for membership in memberships.values():
        if membership.pcn in selected and membership.practice not in practices:
            name = f" ({readable_name(membership.practice_name)})" if membership.practice_name else ""
            report.problems.append(Problem(
                file=path.name, sheet=partners.name, line=membership.row, code=membership.practice,
                reason=f"{membership.practice}{name} is in PCN {membership.pcn} but is not a practice of {place}",
            ))
            membership_summary.skipped += 1
        elif membership.pcn not in selected:
            membership_summary.ignored += 1

    # The workbook speaks for the PCNs it lists: a practice whose membership of one of them has ended leaves it.
    # Practices in PCNs the workbook does not know about are left as they are.
    listed_pcns = set(pcn_rows)
    for code, practice in practices.items():
        membership = memberships.get(code)
        if membership is not None:
            if membership.pcn not in pcns:
                membership_summary.skipped += 1  # its PCN was reported above
                continue
            pcn = pcns[membership.pcn]
        elif practice.pcn_id and practice.pcn.ods_code in listed_pcns:
            pcn = None
        else:
            continue
        if practice.pcn_id == (pcn.pk if pcn else None):
            membership_summary.unchanged += 1
            continue
        if practice.pcn_id is None:
            membership_summary.created += 1
        else:
            membership_summary.updated += 1
        practice.pcn = pcn
        _save(practice, ["pcn"], reason=reason)
    _record_date(place, "ods_pcns_as_of", dated)


def _read_pcn_details(
    workbook, sheet: _Sheet, *, path: Path, report: ImportReport, progress: Progress | None, latest: _LatestDate
) -> dict[str, _PCNRow]:
    summary = SourceSummary(label="PCNs", file=path.name)
    report.sources.append(summary)
    today = timezone.localdate()
    pcn_rows: dict[str, _PCNRow] = {}
    for number, row in sheet.rows(workbook):
        summary.rows += 1
        _progress_tick(progress, summary)

        def problem(reason: str, code: str = "", *, number: int = number) -> None:
            report.problems.append(Problem(file=path.name, sheet=sheet.name, line=number, reason=reason, code=code))
            summary.skipped += 1
            summary.malformed += 1

        code = _text(row["code"]).upper()
        if not PCN_ODS_RE.match(code):
            problem(f"bad PCN code {_text(row['code'])!r}", _text(row["code"]))
            continue
        if code in pcn_rows:
            problem(f"{code} appears again (first at row {pcn_rows[code].row})", code)
            continue
        if not _text(row["name"]):
            problem(f"{code}: no name", code)
            continue
        try:
            opened_on = _parse_compact_date(row["opened_on"])
            closed_on = _parse_compact_date(row["closed_on"])
        except ValueError as exc:
            problem(f"{code}: {exc}", code)
            continue
        latest.see(opened_on, closed_on)
        postcode, postcode_ok = _clean_postcode(_text(row["postcode"]))
        if not postcode_ok:
            report.problems.append(Problem(
                file=path.name, sheet=sheet.name, line=number, code=code,
                reason=f"{code}: bad postcode {_text(row['postcode'])!r}; PCN kept without a postcode",
            ))
        is_closed = closed_on is not None and closed_on <= today
        pcn_rows[code] = _PCNRow(
            row=number,
            code=code,
            commissioner=_text(row["commissioner"]).upper(),
            values={
                "name": readable_name(_text(row["name"])),
                "address": _address([_text(row[f"address{i}"]) for i in range(1, 6)]),
                "postcode": postcode,
                "status": Organisation.Status.CLOSED if is_closed else Organisation.Status.ACTIVE,
                "opened_on": opened_on,
                "closed_on": closed_on,
            },
        )
    _refuse_if_mostly_malformed(summary, f"PCN rows in the sheet '{sheet.name}'")
    return pcn_rows


def _read_memberships(
    workbook, sheet: _Sheet, *, path: Path, report: ImportReport, progress: Progress | None, latest: _LatestDate
) -> dict[str, _MembershipRow]:
    """Each practice's current PCN membership, by practice code."""
    summary = SourceSummary(label="PCN memberships", file=path.name)
    report.sources.append(summary)
    today = timezone.localdate()
    memberships: dict[str, _MembershipRow] = {}
    for number, row in sheet.rows(workbook):
        summary.rows += 1
        _progress_tick(progress, summary)

        def problem(reason: str, code: str = "", *, number: int = number) -> None:
            report.problems.append(Problem(file=path.name, sheet=sheet.name, line=number, reason=reason, code=code))
            summary.skipped += 1
            summary.malformed += 1

        practice = _text(row["practice"]).upper()
        pcn = _text(row["pcn"]).upper()
        if not PRACTICE_ODS_RE.match(practice):
            problem(f"bad practice code {_text(row['practice'])!r}", _text(row["practice"]))
            continue
        if not PCN_ODS_RE.match(pcn):
            problem(f"{practice}: bad PCN code {_text(row['pcn'])!r}", practice)
            continue
        try:
            started_on = _parse_compact_date(row["start"])
            ended_on = _parse_compact_date(row["end"])
        except ValueError as exc:
            problem(f"{practice}: {exc}", practice)
            continue
        latest.see(started_on, ended_on)
        if (ended_on is not None and ended_on < today) or (started_on is not None and started_on > today):
            summary.ignored += 1  # a membership that has ended, or not begun, does not count
            continue
        if practice in memberships:
            first = memberships[practice]
            report.problems.append(Problem(
                file=path.name, sheet=sheet.name, line=number, code=practice,
                reason=f"{practice} is also in PCN {pcn}; kept its membership of {first.pcn} (row {first.row})",
            ))
            summary.skipped += 1
            continue
        memberships[practice] = _MembershipRow(
            row=number, practice=practice, practice_name=_text(row["practice_name"]), pcn=pcn
        )
    _refuse_if_mostly_malformed(summary, f"practice rows in the sheet '{sheet.name}'")
    return memberships


# --- list sizes --------------------------------------------------------------------------------------------------

LIST_SIZE_COLUMNS = ("CODE", "NUMBER_OF_PATIENTS", "EXTRACT_DATE")


def _import_list_sizes(
    *, place: Place, path: Path, commissioners: set[str], report: ImportReport, progress: Progress | None
) -> None:
    summary = SourceSummary(label="List sizes", file=path.name)
    report.sources.append(summary)

    def problem(line: int, reason: str, code: str = "", *, malformed: bool = False) -> None:
        report.problems.append(Problem(file=path.name, line=line, reason=reason, code=code))
        summary.skipped += 1
        summary.malformed += malformed

    practices = {org.ods_code: org for org in Organisation.objects.practices().filter(place=place)}
    reason = f"list size from {path.name}"
    rows = _csv_rows(path)
    header_line, header = next(rows, (0, []))
    if not header_line:
        raise ImportRefused(f"{path.name}: empty file.")
    columns = {name.strip().upper(): i for i, name in enumerate(header)}
    missing = [name for name in LIST_SIZE_COLUMNS if name not in columns]
    if missing:
        raise ImportRefused(
            f"{path.name}: the first row is not the header of a list-size file; missing "
            f"{', '.join(missing)}. Expected NHS Digital's 'patients registered at a GP practice' CSV."
        )
    code_at, number_at, date_at = (columns[name] for name in LIST_SIZE_COLUMNS)
    sex_at, age_at, commissioner_at = columns.get("SEX"), columns.get("AGE"), columns.get("CCG_CODE")
    seen: dict[str, int] = {}
    for line, row in rows:
        summary.rows += 1
        _progress_tick(progress, summary)
        if len(row) != len(header):
            problem(line, f"expected {len(header)} columns, found {len(row)}", malformed=True)
            continue
        row = [cell.strip() for cell in row]
        # The national file also breaks each list down by sex and age band; the whole list is the ALL/ALL row.
        breakdown = [row[i].upper() for i in (sex_at, age_at) if i is not None]
        if any(value != "ALL" for value in breakdown):
            summary.ignored += 1
            continue
        code = row[code_at].upper()
        if not PRACTICE_ODS_RE.match(code):
            problem(line, f"bad ODS code {row[code_at]!r}", row[code_at], malformed=True)
            continue
        practice = practices.get(code)
        if practice is None:
            if commissioner_at is None or row[commissioner_at].upper() in commissioners:
                problem(line, f"{code} is not a practice of {place} (closed or merged?)", code)
            else:
                summary.ignored += 1
            continue
        try:
            list_size = int(row[number_at].replace(",", ""))
            if list_size < 0:
                raise ValueError
        except ValueError:
            problem(line, f"{code}: bad number of patients {row[number_at]!r}", code, malformed=True)
            continue
        try:
            extracted_on = _parse_extract_date(row[date_at])
        except ValueError as exc:
            problem(line, f"{code}: {exc}", code, malformed=True)
            continue
        if code in seen:
            problem(line, f"{code} appears again (first at line {seen[code]})", code)
            continue
        seen[code] = line
        if practice.list_size_date and practice.list_size_date > extracted_on:
            problem(line, f"{code}: kept the newer list size of {practice.list_size_date:%d %b %Y}", code)
            continue
        had_list_size = practice.list_size is not None
        changed = _set_changed(practice, {"list_size": list_size, "list_size_date": extracted_on})
        if changed:
            _save(practice, changed, reason=reason)
            if had_list_size:
                summary.updated += 1
            else:
                summary.created += 1
        else:
            summary.unchanged += 1
    _refuse_if_mostly_malformed(summary, "NHS Digital's 'patients registered at a GP practice' CSV")


# --- the import --------------------------------------------------------------------------------------------------


@transaction.atomic
@every_place
def ods_import(
    *,
    place: Place | str | None,
    epraccur: Path | str | None = None,
    epcn: Path | str | None = None,
    list_sizes: Path | str | None = None,
    commissioners: list[str] | None = None,
    as_of: date | None = None,
    allow_older: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update a place's practices (epraccur), PCNs and memberships (ePCN) and list sizes.

    `place` is a Place, a name or slug (created if new) or None for the only place. Matching is on ODS code, so
    running it again updates rather than duplicates, and an unchanged organisation is not saved at all (no
    history row). `as_of` is the date of the epraccur and ePCN files given, instead of the date read from them;
    a file older than the one the place's practices or PCNs were last imported from is refused unless
    `allow_older`. Raises ImportRefused, rolling everything back, when a file cannot be imported at all."""
    paths = {name: Path(value) for name, value in
             (("epraccur", epraccur), ("epcn", epcn), ("list_sizes", list_sizes)) if value}
    if not paths:
        raise ImportRefused("Give at least one file to import: epraccur, ePCN or list sizes.")
    for path in paths.values():
        _check_exists(path)
    codes = [c.strip().upper() for c in (commissioners or []) if c.strip()]
    resolved, place_created = _resolve_place(place, codes)
    if not codes:
        codes = resolved.commissioner_code_list
    if not codes and "epraccur" in paths:
        raise ImportRefused(f"Say which commissioner codes (like 99A) are {resolved}'s practices.")
    # Two imports of one place at once would both pass the check of the files' dates; the second waits here.
    resolved = Place.objects.select_for_update().get(pk=resolved.pk)
    report = ImportReport(place=resolved, commissioners=codes, place_created=place_created)
    arguments = {"place": resolved, "commissioners": set(codes), "report": report, "progress": progress}
    dating = _Dating(as_of=as_of, allow_older=allow_older)
    if "epraccur" in paths:
        _import_practices(path=paths["epraccur"], **arguments, dating=dating)
    if "epcn" in paths:
        _import_pcns(path=paths["epcn"], **arguments, dating=dating)
    if "list_sizes" in paths:
        _import_list_sizes(path=paths["list_sizes"], **arguments)
    return report


@every_place
def place_totals(place: Place) -> dict[str, int]:
    """What the place holds after an import, in one query."""
    practice = Q(kind=Organisation.Kind.PRACTICE)
    return Organisation.objects.filter(place=place).aggregate(
        practices=Count("pk", filter=practice),
        open_practices=Count("pk", filter=practice & Q(status=Organisation.Status.ACTIVE)),
        pcns=Count("pk", filter=Q(kind=Organisation.Kind.PCN)),
        practices_in_a_pcn=Count("pk", filter=practice & Q(pcn__isnull=False)),
        practices_with_a_list_size=Count("pk", filter=practice & Q(list_size__isnull=False)),
    )


# --- a whole ICS -------------------------------------------------------------------------------------------------

# epraccur names no sub-ICB location; the workbook's CCG names ('NHS HALTON CCG') name the places that were CCGs.
COMMISSIONER_NAME_RE = re.compile(r"^NHS\s+(?P<name>.+?)\s+CCG$", re.IGNORECASE)


@dataclass
class ICSImportReport:
    ics: ICS
    ics_created: bool = False
    places: list[ImportReport] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.ics_created or any(report.changed for report in self.places)


def _sub_icb_codes(path: Path, icb_code: str) -> list[str]:
    """The commissioners (column 15) of the GP practices that epraccur puts in the ICB (column 4) and that have not
    closed. Closed practices keep the ICB of the day they closed, so they would bring back commissioners long gone."""
    codes = set()
    for _line, row in _csv_rows(path):
        if len(row) != EPRACCUR_COLUMNS:
            continue  # each place's own import reports it
        row = [cell.strip().upper() for cell in row]
        if row[3] == icb_code and row[25] == GP_PRACTICE_SETTING and row[12] != "C" and row[14]:
            codes.add(row[14])
    return sorted(codes)


def commissioner_names(path: Path) -> dict[str, str]:
    """Readable names of the CCGs (now sub-ICB locations) in an ePCN workbook, by code: {'01F': 'Halton'}."""
    workbook = _open_workbook(path)
    try:
        sheet = _find_sheet(workbook, PCN_DETAILS, file=path.name)
        names = {}
        for _number, row in sheet.rows(workbook):
            match = COMMISSIONER_NAME_RE.match(_text(row["commissioner_name"]))
            if match:
                names.setdefault(_text(row["commissioner"]).upper(), readable_name(match["name"]))
        return names
    finally:
        workbook.close()


def _resolve_ics(icb_code: str, name: str | None) -> tuple[ICS, bool]:
    ics = ICS.objects.select_for_update().filter(ods_code=icb_code).first()
    name = (name or "").strip()
    if ics is None:
        name = name or f"ICB {icb_code}"
        slug = slugify(name)
        if not slug:
            raise ImportRefused(f"{name!r} is not a usable name for the ICS.")
        if ICS.objects.filter(Q(slug=slug) | Q(name__iexact=name)).exists():
            raise ImportRefused(f"Another ICS is already called {name!r}; give this one another name.")
        ics = ICS(name=name, slug=slug, ods_code=icb_code)
        ics._change_reason = "ODS import"
        ics.save()
        return ics, True
    if name and name != ics.name:
        ics.name = name
        ics._change_reason = "ODS import"
        ics.save(update_fields=["name"])
    return ics, False


def _place_for(code: str, *, ics: ICS, places: list[Place], name: str) -> tuple[Place, bool]:
    """The place whose commissioner codes include `code`, made part of the ICS; created if there is none."""
    found = [place for place in places if code in place.commissioner_code_list]
    if len(found) > 1:
        raise ImportRefused(f"{' and '.join(map(str, found))} both have the commissioner code {code}: keep it on one.")
    if found:
        place = found[0]
        if place.ics_id is None:
            place.ics = ics
            place._change_reason = "ODS import"
            place.save(update_fields=["ics"])
        elif place.ics_id != ics.pk:
            raise ImportRefused(f"{place} (commissioner {code}) belongs to {place.ics}, not {ics}.")
        return place, False
    slug = slugify(name)
    if not slug:
        raise ImportRefused(f"{name!r} is not a usable place name.")
    taken = Place.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
    if taken:
        raise ImportRefused(
            f"{taken} (commissioners {taken.commissioner_codes or 'none'}) already has the name for {code}: "
            f"give {code} another with --names {code}=NAME."
        )
    place = Place(name=name, slug=slug, commissioner_codes=code, ics=ics)
    place._change_reason = "ODS import"
    place.save()
    return place, True


@transaction.atomic
@every_place
def ics_import(
    *,
    icb_code: str,
    epraccur: Path | str,
    epcn: Path | str | None = None,
    list_sizes: Path | str | None = None,
    ics_name: str | None = None,
    place_names: dict[str, str] | None = None,
    as_of: date | None = None,
    allow_older: bool = False,
    progress: Progress | None = None,
) -> ICSImportReport:
    """Create or update an ICS and one place per sub-ICB location that epraccur lists in its ICB, then import each
    place as ods_import does, all in one transaction.

    A place is found by its commissioner code (so a place imported on its own before joins its ICS) or created,
    named by `place_names`, else by the workbook's CCG name, else '<ICS> – <code>'. Raises ImportRefused, rolling
    everything back, when the ICB has no open practices in the file or a place cannot be told apart."""
    code = icb_code.strip().upper()
    path = Path(epraccur)
    codes = _sub_icb_codes(path, code)
    if not codes:
        raise ImportRefused(
            f"{path.name} has no open GP practices in the ICB {code!r} (its column 4, like QYG for Cheshire and "
            "Merseyside)."
        )
    names = commissioner_names(Path(epcn)) if epcn else {}
    names.update({key.strip().upper(): value.strip() for key, value in (place_names or {}).items()})
    ics, ics_created = _resolve_ics(code, ics_name)
    report = ICSImportReport(ics=ics, ics_created=ics_created)
    places = list(Place.objects.select_for_update())
    imported: set[int] = set()
    for commissioner in codes:
        place, created = _place_for(
            commissioner, ics=ics, places=places, name=names.get(commissioner) or f"{ics.name} – {commissioner}"
        )
        if place.pk in imported:
            continue  # a place with two of the ICB's codes, imported with both the first time
        imported.add(place.pk)
        if progress:
            progress(f"{place} ({commissioner})…")
        place_report = ods_import(place=place, epraccur=path, epcn=epcn, list_sizes=list_sizes, as_of=as_of,
                                  allow_older=allow_older, progress=progress)
        place_report.place_created = created
        report.places.append(place_report)
    return report
