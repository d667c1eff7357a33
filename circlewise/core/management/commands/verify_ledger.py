from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from circlewise.circles.models import Organisation
from circlewise.core.chain import ExportReport, verify_export_file
from circlewise.core.ledger import verify_organisation


class Command(BaseCommand):
    help = (
        "Verify every organisation's hash-chained ledger; exit non-zero at the first break. "
        "With --file, verify an exported ledger instead, without the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="Only this organisation (its short name).")
        parser.add_argument(
            "--file",
            metavar="EXPORT",
            help="An export of a ledger (JSON lines, from the ledger or activity page or the "
            "API): check its chain and rebuild each decision in it from its events. The "
            "database is not read. `-` reads standard input.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            if options["organisation"]:
                raise CommandError("--file checks the export alone; leave out --organisation.")
            self._verify_file(options["file"])
            return
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

    def _verify_file(self, path: str) -> None:
        try:
            report = verify_export_file(path)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}", returncode=2) from None
        if not report.ok:
            self.stderr.write(report.summary())
            raise CommandError(
                f"the export does not hold: first bad line {report.bad_line}", returncode=1
            )
        self.stdout.write(report.summary())
        if path != "-":
            self._check_decisions(path, report)

    def _check_decisions(self, path: str, report: ExportReport) -> None:
        from circlewise.decisions.services import check_export_decisions

        with open(path, encoding="utf-8", newline="\n") as lines:
            decisions = check_export_decisions(lines)
        # In the whole chain with nothing sealed, every event of a decision is there.
        complete = report.scope == "organisation" and not report.sealed
        wrong = [d for d in decisions if d.holds is False or (d.holds is None and complete)]
        unchecked = [d for d in decisions if d.holds is None and not complete]
        for d in wrong:
            self.stderr.write(
                f"BROKEN: line {d.line} (sequence {d.sequence}): the decision record of proposal "
                f"{d.proposal} is not what the events before it say"
            )
        held = len(decisions) - len(wrong) - len(unchecked)
        summary = (
            f"decisions: {held} of {len(decisions)} rebuilt from their events match their record"
        )
        if unchecked:
            summary += (
                f"; {len(unchecked)} not checked: some of their events are not in this export"
            )
        self.stdout.write(summary)
        if wrong:
            raise CommandError(
                f"the export does not hold: first bad line {wrong[0].line}", returncode=1
            )
