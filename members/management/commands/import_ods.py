"""Load a place's practices, PCNs and list sizes from the NHS ODS files. The rules live in members.ods_import."""

import argparse
import csv
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from members.ods_import import ImportRefused, ods_import, place_totals

PROBLEMS_SHOWN = 50


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-06-30") from None
    if day > timezone.localdate():
        raise argparse.ArgumentTypeError(f"{value} is in the future")
    return day


class Command(BaseCommand):
    help = (
        "Create or update one place's GP practices (ODS epraccur.csv), PCNs and their member practices (ePCN .xlsx) "
        "and list sizes (NHS Digital patients-registered CSV). Give any of the three files; re-running updates."
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

    def handle(self, *args: object, **options) -> None:
        if not (options["epraccur"] or options["epcn"] or options["list_sizes"]):
            raise CommandError("Give at least one of --epraccur, --epcn and --list-sizes.")
        if options["as_of"] and not (options["epraccur"] or options["epcn"]):
            # A list-size file dates each row itself (EXTRACT_DATE) and never overwrites a newer list size.
            raise CommandError("--as-of is the date of an epraccur or ePCN file; give one.")
        verbosity = int(options["verbosity"])

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stderr.write(message)

        started = time.monotonic()
        try:
            report = ods_import(
                place=options["place"],
                epraccur=options["epraccur"],
                epcn=options["epcn"],
                list_sizes=options["list_sizes"],
                commissioners=options["commissioner"],
                as_of=options["as_of"],
                allow_older=options["allow_older"],
                progress=progress,
            )
        except ImportRefused as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        seconds = time.monotonic() - started

        if options["report"]:
            with options["report"].open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["file", "sheet", "line", "ods_code", "problem"])
                for problem in report.problems:
                    writer.writerow([problem.file, problem.sheet, problem.line or "", problem.code, problem.reason])
        if verbosity < 1:
            return

        place = report.place
        self.stdout.write(
            f"{'Created' if report.place_created else 'Updated'} {place} "
            f"(commissioners {', '.join(report.commissioners) or 'none'}) in {seconds:.1f} s."
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
        if not report.changed:
            self.stdout.write("Nothing changed.")
        if report.problems:
            self.stdout.write(f"Problems ({len(report.problems):,}), skipped or imported as noted:")
            for problem in report.problems[:PROBLEMS_SHOWN]:
                self.stdout.write(f"  {problem}")
            if len(report.problems) > PROBLEMS_SHOWN:
                hint = "" if options["report"] else " (write them all with --report FILE)"
                self.stdout.write(f"  …and {len(report.problems) - PROBLEMS_SHOWN:,} more{hint}.")
        else:
            self.stdout.write("No problems.")
        if options["report"]:
            self.stdout.write(f"Problems written to {options['report']}.")
