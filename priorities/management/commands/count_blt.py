"""Count a BLT ballot file by STV (SSI 2007/42 rules) and print the stage-by-stage count sheet."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from priorities.blt import BLTError, count_blt_file
from priorities.counting import format_result


class Command(BaseCommand):
    help = "Count a BLT ballot file by STV and print every stage, the quota and the elected in order."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the .blt file")
        parser.add_argument("--seed", type=int, default=None, help="seed for ties decided by lot")
        parser.add_argument("--width", type=int, default=100, help="widest line of the stage table")

    def handle(self, *args: object, **options: object) -> None:
        try:
            election, result = count_blt_file(
                str(options["file"]), seed=options["seed"], max_bytes=settings.BLT_MAX_BYTES
            )
        except BLTError as error:
            raise CommandError(f"{options['file']}: {error}") from error
        self.stdout.write(format_result(result, width=int(options["width"]), title=election.title), ending="")
