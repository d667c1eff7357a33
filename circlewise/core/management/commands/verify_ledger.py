from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from circlewise.circles.models import Organisation
from circlewise.core.ledger import verify_organisation


class Command(BaseCommand):
    help = "Verify every organisation's hash-chained ledger; exit non-zero at the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="Only this organisation (its short name).")

    def handle(self, *args: Any, **options: Any) -> None:
        organisations = Organisation.objects.order_by("pk")
        if options["organisation"]:
            organisations = organisations.filter(slug=options["organisation"])
        broken = []
        for organisation in organisations:
            report = verify_organisation(organisation)
            if report.ok:
                self.stdout.write(
                    f"ok: {organisation.slug}: {report.events} events, head {report.head}"
                )
            else:
                broken.append(report)
                self.stderr.write(
                    f"BROKEN: {organisation.slug} (id {organisation.pk}): first broken event at "
                    f"sequence {report.broken_at}: {report.reason}"
                )
        if broken:
            names = ", ".join(f"{r.organisation_name} at sequence {r.broken_at}" for r in broken)
            raise CommandError(f"ledger verification failed: {names}", returncode=1)
