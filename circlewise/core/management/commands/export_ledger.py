from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from circlewise.circles.models import Organisation
from circlewise.core.export import WHOLE_CHAIN, export_lines


class Command(BaseCommand):
    help = (
        "Write an organisation's whole ledger as JSON lines, nothing sealed (for the people who "
        "run the server: a copy to keep, or to check with verify_ledger --file)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Its short name.")
        parser.add_argument("--output", default="-", help="A file to write; - (the default) is "
                            "standard output.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"There is no organisation {options['organisation']!r}.")
        lines = export_lines(organisation, scope=WHOLE_CHAIN)
        if options["output"] == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with open(options["output"], "w", encoding="utf-8", newline="\n") as out:
            out.writelines(lines)
        self.stderr.write(f"wrote {options['output']}")
