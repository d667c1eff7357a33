from typing import Any

from django.core.management.base import BaseCommand

from circlewise.decisions.services import send_reminders


class Command(BaseCommand):
    help = (
        "Put policy reviews and role terms that fall due on their circles' backlogs and remind the "
        "circles, weekly until handled. Run it daily (cron), or enqueue the task."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders()
        self.stdout.write(f"{sent} reminders sent")
