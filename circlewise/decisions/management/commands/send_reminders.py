from typing import Any

from django.core.management.base import BaseCommand

from circlewise.decisions.services import send_reminders


class Command(BaseCommand):
    help = (
        "Put policy reviews and role terms that fall due on their circles' backlogs and remind the "
        "circles, weekly until handled. The scheduler (`manage.py crontask`) has the worker run "
        "this every hour; this command runs it now. Running it again sends nothing twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders()
        self.stdout.write(f"{sent} reminders sent")
