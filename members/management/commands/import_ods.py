"""Load a place's practices, PCNs and list sizes from the NHS ODS files. The rules live in members.ods_import."""

import argparse
import csv
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from members.ods_import import ImportRefused, ImportReport, ics_import, ods_import, place_totals

PROBLEMS_SHOWN = 50


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-06-30") from None
    if day > timezone.localdate():
        raise argparse.ArgumentTypeError(f"{value} is in the future")
    return day


def _names(value: str) -> dict[str, str]:
    names = {}
    for pair in value.split(","):
        code, equals, name = pair.partition("=")
        if not (equals and code.strip() and name.strip()):
            raise argparse.ArgumentTypeError(f"{pair.strip()!r} is not like 99A=Liverpool")
        names[code.strip().upper()] = name.strip()
    return names


class Command(BaseCommand):
    help = (
        "Create or update one place's GP practices (ODS epraccur.csv), PCNs and their member practices (ePCN .xlsx) "
        "and list sizes (NHS Digital patients-registered CSV). Give any of the three files; re-running updates. "
        "With --icb, every place of an ICB at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--place", help="the place's name or slug; created if new (default: the only place)")
        parser.add_argument("--epraccur", type=Path, help="ODS epraccur.csv (no header row, 27 columns)")
        parser.add_argument("--epcn", type=Path, help="ODS ePCN workbook (.xlsx)")
        parser.add_argument("--list-sizes", type=Path, help="NHS Digital 'patients registered at a GP practice' CSV")
        parser.add_argument(
            "--commissioner", action="append", default=[], metavar="CODE",
            help="commissioner (sub-ICB location or CCG) code of the place's practices, like 99A; repeatable "
                 "(default: the place's own codes)",
        )
        parser.add_argument(
            "--as-of", type=_day, metavar="YYYY-MM-DD",
            help="the date of the epraccur and ePCN files given (default: read from each file: epraccur's latest "
                 "open, close or join date, the workbook's saved date)",
        )
        parser.add_argument(
            "--allow-older", action="store_true",
            help="import a file even if it is older than the one the place's practices or PCNs came from",
        )
        parser.add_argument("--report", type=Path, help="write every problem to this CSV file")
        parser.add_argument(
            "--icb", metavar="CODE",
            help="import every place of this ICB (epraccur's column 4, like QYG): one per sub-ICB location code of "
                 "its practices, found by its commissioner code or created; needs --epraccur",
        )
        parser.add_argument("--icb-name", help="with --icb: the ICS's name (default: kept, or 'ICB <code>' when new)")
        parser.add_argument(
            "--names", type=_names, default={}, metavar="CODE=NAME,…",
            help="with --icb: names of new places by sub-ICB code, like 99A=Liverpool,01F=Halton (default: the "
                 "workbook's CCG name, else '<ICS> – <code>')",
        )

    def handle(self, *args: object, **options) -> None:
        if not (options["epraccur"] or options["epcn"] or options["list_sizes"]):
            raise CommandError("Give at least one of --epraccur, --epcn and --list-sizes.")
        if options["as_of"] and not (options["epraccur"] or options["epcn"]):
            # A list-size file dates each row itself (EXTRACT_DATE) and never overwrites a newer list size.
            raise CommandError("--as-of is the date of an epraccur or ePCN file; give one.")
        if options["icb"]:
            if options["place"] or options["commissioner"]:
                raise CommandError("--icb finds the places itself: give neither --place nor --commissioner.")
            if not options["epraccur"]:
                raise CommandError("--icb needs --epraccur: it finds the ICB's places in it.")
        elif options["icb_name"] or options["names"]:
            raise CommandError("--icb-name and --names go with --icb.")
        verbosity = int(options["verbosity"])

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stderr.write(message)

        files = {name: options[name] for name in ("epraccur", "epcn", "list_sizes")}
        dating = {"as_of": options["as_of"], "allow_older": options["allow_older"]}
        started = time.monotonic()
        try:
            if options["icb"]:
                ics_report = ics_import(icb_code=options["icb"], ics_name=options["icb_name"],
                                        place_names=options["names"], **files, **dating, progress=progress)
                reports = ics_report.places
            else:
                reports = [ods_import(place=options["place"], commissioners=options["commissioner"], **files,
                                      **dating, progress=progress)]
        except ImportRefused as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        seconds = time.monotonic() - started
        problems = [(report.place, problem) for report in reports for problem in report.problems]

        if options["report"]:
            with options["report"].open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                # The place column only where there are several places, so a one-place report keeps its layout.
                place_column = ["place"] if options["icb"] else []
                writer.writerow(["file", "sheet", "line", "ods_code", "problem", *place_column])
                for place, problem in problems:
                    writer.writerow([problem.file, problem.sheet, problem.line or "", problem.code, problem.reason,
                                     *([place.name] if place_column else [])])
        if verbosity < 1:
            return

        if options["icb"]:
            ics = ics_report.ics
            self.stdout.write(
                f"{'Created' if ics_report.ics_created else 'Updated'} {ics} (ICB {ics.ods_code}) and its "
                f"{len(reports)} places in {seconds:.1f} s."
            )
            for report in reports:
                self._write_place(report, seconds=None)
        else:
            self._write_place(reports[0], seconds=seconds)
        if not (ics_report.changed if options["icb"] else reports[0].changed):
            self.stdout.write("Nothing changed.")
        if problems:
            self.stdout.write(f"Problems ({len(problems):,}), skipped or imported as noted:")
            for place, problem in problems[:PROBLEMS_SHOWN]:
                self.stdout.write(f"  {f'{place}: ' if options['icb'] else ''}{problem}")
            if len(problems) > PROBLEMS_SHOWN:
                hint = "" if options["report"] else " (write them all with --report FILE)"
                self.stdout.write(f"  …and {len(problems) - PROBLEMS_SHOWN:,} more{hint}.")
        else:
            self.stdout.write("No problems.")
        if options["report"]:
            self.stdout.write(f"Problems written to {options['report']}.")

    def _write_place(self, report: ImportReport, *, seconds: float | None) -> None:
        place = report.place
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        self.stdout.write(
            f"{'Created' if report.place_created else 'Updated'} {place} "
            f"(commissioners {', '.join(report.commissioners) or 'none'}){took}."
        )
        for dated in report.file_dates:
            self.stdout.write(f"  {dated}.")
        for summary in report.sources:
            self.stdout.write(f"  {summary}")
        totals = place_totals(place)
        self.stdout.write(
            f"{place} now has {totals['practices']:,} practices ({totals['open_practices']:,} open), "
            f"{totals['pcns']:,} PCNs, {totals['practices_in_a_pcn']:,} practices in a PCN and "
            f"{totals['practices_with_a_list_size']:,} with a list size."
        )
